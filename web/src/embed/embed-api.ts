/**
 * The embed routes (API.md "Embed"), on top of the typed client. The bearer token of an embed
 * session is given to the client as a function: it lives in memory only (auth.svelte.ts).
 */
import type { ApiClient, CallOptions, Post, Topic, User } from '../lib/api';

export interface EmbedConfig {
  community: { slug: string; name: string; accentColor: string | null };
  /** Origins allowed to embed this community's threads (exact origins). */
  allowedOrigins: string[];
  /** The community accepts SSO tokens from its organisation's site. */
  sso: boolean;
}

export interface EmbedThreadPage {
  /** Null while nobody has commented on the page. */
  topic: Topic | null;
  posts: Post[];
  nextCursor: string | null;
  /** The page's canonical URL (null for a thread named by topic id, when the server has none). */
  url: string | null;
  /** The discussion on the forum (or the community, before the topic exists). */
  forumUrl: string;
}

/** Where a thread is: a host page's URL, or a topic id. */
export interface ThreadRef {
  url: string | null;
  topic: number | null;
}

export interface EmbedSession {
  token: string;
  user: User;
}

const enc = encodeURIComponent;

export function embedApi(client: ApiClient, slug: string) {
  const base = `/embed/${enc(slug)}`;
  return {
    config: (opts?: CallOptions) => client.request<EmbedConfig>('GET', `${base}/config`, opts),

    async thread(where: ThreadRef, page: { after?: number; limit?: number } = {}, opts?: CallOptions): Promise<EmbedThreadPage> {
      const res = await client.request<EmbedThreadPage>('GET', `${base}/thread`, {
        ...opts,
        query: { url: where.url, topic: where.url ? null : where.topic, after: page.after, limit: page.limit },
      });
      return { topic: res.topic ?? null, posts: res.posts ?? [], nextCursor: res.nextCursor ?? null, url: res.url ?? null, forumUrl: res.forumUrl };
    },

    /** The first post on a page creates its topic (one topic even when two race). */
    post(input: { url: string; title: string; body: string; replyToId?: number; clientId?: string }, opts?: CallOptions) {
      return client.request<{ topic: Topic; post: Post }>('POST', `${base}/thread/posts`, { ...opts, body: input });
    },

    /** An SSO token signed by the organisation → an embed session. */
    session: (token: string, opts?: CallOptions) => client.request<EmbedSession>('POST', `${base}/session`, { ...opts, body: { token } }),

    /** From the sign-in popup (first party, cookie): a one-time code for the frame that opened it. */
    code: (opts?: CallOptions) => client.request<{ code: string }>('POST', `${base}/code`, opts),

    exchange: (code: string, opts?: CallOptions) => client.request<EmbedSession>('POST', `${base}/code/exchange`, { ...opts, body: { code } }),
  };
}

export type EmbedApi = ReturnType<typeof embedApi>;
