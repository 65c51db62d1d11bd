/**
 * The live protocol (API.md "Live threads"), shared by the hub and the web client.
 * Type-only on the web side: importing it adds nothing to a bundle.
 */
import { Type, type Static } from 'typebox';

/**
 * `user:<id>` is a signed-in reader's own channel (notifications, role changes): nobody else's.
 * `inbox:<slug>` is a community's inbox: its staff, moderators and admins (and site admins) only.
 */
export const Channel = Type.String({
  maxLength: 80,
  pattern: '^(topic:[1-9][0-9]{0,9}|community:[a-z0-9][a-z0-9-]{0,63}|user:[1-9][0-9]{0,9}|inbox:[a-z0-9][a-z0-9-]{0,63})$',
});

export const ClientMessage = Type.Union([
  Type.Object({ type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 256 }) }),
  Type.Object({ type: Type.Literal('subscribe'), channel: Channel, since: Type.Optional(Type.Integer({ minimum: 0, maximum: 9_007_199_254_740_991 })) }),
  Type.Object({ type: Type.Literal('unsubscribe'), channel: Channel }),
  Type.Object({ type: Type.Literal('typing'), channel: Channel }),
  Type.Object({ type: Type.Literal('ping') }),
]);
export type ClientMessage = Static<typeof ClientMessage>;

export type LiveEventName =
  | 'post.created'
  | 'post.updated'
  | 'post.deleted'
  | 'post.hidden'
  | 'post.unhidden'
  | 'post.pinned'
  | 'post.unpinned'
  | 'reactions.changed'
  | 'topic.updated'
  | 'topic.created'
  | 'topic.bumped'
  | 'roles.changed'
  | 'community.updated'
  | 'notification.created'
  | 'notification.updated'
  | 'notifications.read'
  | 'inbox.changed';

export type ServerMessage =
  | { type: 'subscribed'; channel: string; seq: number }
  | { type: 'unsubscribed'; channel: string }
  | { type: 'event'; channel: string; seq: number; event: LiveEventName; data: unknown }
  | { type: 'presence'; channel: string; readers: number; typing: string[] }
  | { type: 'reset'; channel: string; seq: number }
  | { type: 'authenticated'; user: { id: number; handle: string } }
  | { type: 'pong' }
  | { type: 'error'; code: LiveErrorCode; message: string; channel?: string };

export type LiveErrorCode =
  | 'invalid_message'
  | 'rate_limited'
  | 'too_many_subscriptions'
  | 'channel_not_found'
  | 'invalid_token'
  | 'already_authenticated'
  | 'not_signed_in'
  | 'not_subscribed'
  | 'internal_error';

/** WebSocket close codes the hub uses, so clients can tell why they were dropped. */
export const CloseCode = {
  /** Server shutting down: reconnect (to another process) and resume. */
  goingAway: 1001,
  /** Sent too much or too fast. */
  policy: 1008,
  /** The client stopped reading and its send buffer went over the bound: reconnect with `since`. */
  slowConsumer: 4008,
  /** No pong to our pings. */
  timeout: 4009,
  /**
   * The session the socket signed in with has ended (signed out, revoked, the account suspended
   * or deleted): reconnect, as whoever the reader now is.
   */
  sessionEnded: 4001,
} as const;
