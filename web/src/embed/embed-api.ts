/**
 * The embed routes (API.md "Embed"), on top of the typed client. The bearer token of an embed
 * session is given to the client as a function: it lives in memory only (auth.svelte.ts).
 */
import type { Static } from 'typebox';
import type * as embed from '../../../server/embed/embed.schema.js';
import { postWrites } from '../lib/api-posts.js';
import type { CallOptions, Requester } from '../lib/api-request.js';

/** The community's name and accent, the origins allowed to embed it, and whether it accepts SSO tokens. */
export type EmbedConfig = Static<typeof embed.EmbedConfigReply>;

/**
 * A page's thread: `topic` is null while nobody has commented on the page; `url` is the page's
 * canonical URL (null for a thread named by topic id, when the server has none); `forumUrl` the
 * discussion on the forum (null while there is no topic).
 */
export type EmbedThreadPage = Pick<Static<typeof embed.ThreadReply>, 'topic' | 'posts' | 'nextCursor' | 'url' | 'forumUrl' | 'commentCount'> & {
  ignored: number[];
};

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
      return {
        topic: res.topic ?? null,
        posts: res.posts ?? [],
        nextCursor: res.nextCursor ?? null,
        url: res.url ?? null,
        forumUrl: res.forumUrl,
        commentCount: res.commentCount ?? 0,
        ignored: res.viewerIgnoredUserIds ?? [],
      };
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

    // The thread writes the forum's client has too, without the rest of that client (the widget's first load has a budget).
    ...postWrites(client.request),

    exchange: (code: string, opts?: CallOptions) =>
      client.request<EmbedSession>('POST', `${base}/code/exchange`, { ...opts, body: { code } satisfies Static<typeof embed.CodeExchangeBody> }),
  };
}

export type EmbedApi = ReturnType<typeof embedApi>;
