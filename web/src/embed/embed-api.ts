/**
 * The embed routes (API.md "Embed"), on top of the typed client. The bearer token of an embed
 * session is given to the client as a function: it lives in memory only (auth.svelte.ts).
 */
import type { Static } from 'typebox';
import type * as embed from '../../../server/embed/embed.schema.js';
import type * as posts from '../../../server/posts/posts.schema.js';
import type { NewReply, Post, ReactionKind, Reactions } from '../lib/api';
import type { CallOptions, Requester } from '../lib/api-request';

/** The community's name and accent, the origins allowed to embed it, and whether it accepts SSO tokens. */
export type EmbedConfig = Static<typeof embed.EmbedConfigReply>;

/**
 * A page's thread: `topic` is null while nobody has commented on the page; `url` is the page's
 * canonical URL (null for a thread named by topic id, when the server has none); `forumUrl` the
 * discussion on the forum (null while there is no topic).
 */
export type EmbedThreadPage = Pick<Static<typeof embed.ThreadReply>, 'topic' | 'posts' | 'nextCursor' | 'url' | 'forumUrl'>;

/** Where a thread is: a host page's URL, or a topic id. */
export interface ThreadRef {
  url: string | null;
  topic: number | null;
}

/** A bearer token for the API and the live socket, and who it signs in. */
export type EmbedSession = Static<typeof embed.EmbedSessionReply>;

const enc = encodeURIComponent;

export function embedApi(client: Pick<Requester, 'request'>, slug: string) {
  const base = `/embed/${enc(slug)}`;
  return {
    config: (opts?: CallOptions) => client.request<EmbedConfig>('GET', `${base}/config`, opts),

    async thread(where: ThreadRef, page: { after?: number; limit?: number } = {}, opts?: CallOptions): Promise<EmbedThreadPage> {
      const res = await client.request<Static<typeof embed.ThreadReply>>('GET', `${base}/thread`, {
        ...opts,
        query: { url: where.url, topic: where.url ? null : where.topic, after: page.after, limit: page.limit },
      });
      return { topic: res.topic ?? null, posts: res.posts ?? [], nextCursor: res.nextCursor ?? null, url: res.url ?? null, forumUrl: res.forumUrl };
    },

    /** The first post on a page creates its topic (one topic even when two race). */
    post(input: Static<typeof embed.ThreadPostBody>, opts?: CallOptions) {
      return client.request<Static<typeof embed.ThreadPostReply>>('POST', `${base}/thread/posts`, { ...opts, body: input });
    },

    /** An SSO token signed by the organisation → an embed session. */
    session: (token: string, opts?: CallOptions) =>
      client.request<EmbedSession>('POST', `${base}/session`, { ...opts, body: { token } satisfies Static<typeof embed.SsoSessionBody> }),

    /** From the sign-in popup (first party, cookie): a one-time code for the frame that opened it. */
    code: (opts?: CallOptions) => client.request<Static<typeof embed.CodeReply>>('POST', `${base}/code`, opts),

    // The forum's routes the widget uses, on the request core alone: the forum's whole client
    // (every route's method) would more than double what the widget loads first.
    async reply(topicId: number, input: NewReply, opts?: CallOptions): Promise<Post> {
      return (await client.request<Static<typeof posts.PostReply>>('POST', `/topics/${topicId}/posts`, { ...opts, body: input })).post;
    },
    async react(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      const body: Static<typeof posts.ReactionBody> = { kind };
      return (await client.request<Static<typeof posts.ReactionsReply>>('POST', `/posts/${id}/reactions`, { ...opts, body })).reactions;
    },
    async unreact(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      return (await client.request<Static<typeof posts.ReactionsReply>>('DELETE', `/posts/${id}/reactions/${kind}`, opts)).reactions;
    },

    exchange: (code: string, opts?: CallOptions) =>
      client.request<EmbedSession>('POST', `${base}/code/exchange`, { ...opts, body: { code } satisfies Static<typeof embed.CodeExchangeBody> }),
  };
}

export type EmbedApi = ReturnType<typeof embedApi>;
