/**
 * The live protocol's typed event map, shared by the web client and the server's protocol.
 *
 * The names and message shapes come from server/live/live.protocol.ts through `import type`
 * (erased at build time: nothing from the server enters a bundle). The data each event carries
 * is the object as the same viewer would get it over HTTP, so it is typed with the API client's
 * types, and the other payloads with the server's schemas for them (which live.render.ts checks
 * what it sends against). `data` is null when the viewer may not see the object (e.g. the topic
 * became hidden).
 */
import type { ClientMessage, LiveErrorCode, LiveEventName, ServerMessage } from '../../../server/live/live.protocol.js';
import type { Static } from 'typebox';
import type { MarkOneReply } from '../../../server/notifications/notifications.schema.js';
import type { ReactionsChanged } from '../../../server/posts/posts.schema.js';
import type { CommunityUpdate, NotificationsRead, Post, Topic } from './api.js';

export type { ClientMessage, LiveErrorCode, LiveEventName, ServerMessage };

/** The data of each live event (before the "may be null" rule). */
export interface LiveEventData {
  'post.created': Post;
  'post.updated': Post;
  /** The tombstone: the post keeps its place, its text is gone. */
  'post.deleted': Post;
  'post.hidden': Post;
  'post.unhidden': Post;
  'post.pinned': Post;
  'post.unpinned': Post;
  'reactions.changed': Static<typeof ReactionsChanged>;
  /** Pin, lock, solution, title. */
  'topic.updated': Topic;
  /** Community channels. */
  'topic.created': Topic;
  'topic.bumped': Topic;
  /** Community channels: settings or categories changed; the community as everyone sees it. */
  'community.updated': CommunityUpdate;
  /** User channels: the account's role in a community changed (data is always null). */
  'roles.changed': null;
  /** User channels: a new notification, with the reader's unread count as it is now. */
  'notification.created': Static<typeof MarkOneReply>;
  /** User channels: a notification changed (replies coalesced into it). */
  'notification.updated': Static<typeof MarkOneReply>;
  /** User channels: notifications were read (here, in another tab or device). */
  'notifications.read': NotificationsRead;
  /** Inbox channels: an item came, went or was taken, snoozed or done (`key`: which, when it is one). */
  'inbox.changed': { key?: string };
}

/**
 * Keyed by the server's LiveEventName: an event the server adds without a data type here fails
 * the type check (missing key), and so does a key here the server does not send (below).
 */
export type LiveEventMap = { [K in LiveEventName]: LiveEventData[K] };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type LiveEventNamesMatch = Assert<Same<keyof LiveEventData, LiveEventName>>;

/** One event of a channel, discriminated by `event`. */
export type LiveEvent = {
  [K in LiveEventName]: { channel: string; seq: number; event: K; data: LiveEventMap[K] | null };
}[LiveEventName];

/** Narrows a LiveEvent to one event name. */
export type LiveEventOf<K extends LiveEventName> = Extract<LiveEvent, { event: K }>;

/** Who is reading a topic, and who is typing (handles). */
export interface LivePresence {
  channel: string;
  readers: number;
  typing: string[];
}

/** An error the server reported; `channel` is set when it concerns one subscription. */
export interface LiveError {
  code: LiveErrorCode;
  message: string;
  channel?: string;
}

/** The channels a client may subscribe to (`user:<id>`: the signed-in reader's own only; `inbox:<slug>`: staff only). */
export type LiveChannelName = `topic:${number}` | `community:${string}` | `user:${number}` | `inbox:${string}`;

/** The channel of a topic's thread. */
export const topicChannel = (topicId: number): LiveChannelName => `topic:${topicId}`;

/** The signed-in reader's own channel: notifications and role changes. */
export const userChannel = (userId: number): LiveChannelName => `user:${userId}`;

/** A community's inbox, for its staff, moderators and admins: something in it changed. */
export const inboxChannel = (slug: string): LiveChannelName => `inbox:${slug}`;

// Compile-time checks that the shapes above match what the server sends.
type ServerOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type LiveShapesMatch = Assert<
  Same<Omit<LivePresence, never>, Omit<ServerOf<'presence'>, 'type'>> extends true
    ? ServerOf<'error'> extends { type: 'error' } & LiveError
      ? Omit<ServerOf<'event'>, 'type' | 'data'> extends Omit<LiveEvent, 'data'>
        ? true
        : false
      : false
    : false
>;
