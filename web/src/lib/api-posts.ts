/**
 * Writing in a thread (reply, react, take a reaction back): the routes both the forum's client
 * (api.ts) and the widget's (embed/embed-api.ts) need, defined once over the request core, so the
 * widget gets them without the forum's whole client.
 */
import type { Static } from 'typebox';
import type * as posts from '../../../server/posts/posts.schema.js';
import type { NewReply, Post, ReactionKind, Reactions } from './api.js';
import type { CallOptions, Requester } from './api-request.js';

export function postWrites(request: Requester['request']) {
  return {
    async reply(topicId: number, input: NewReply, opts?: CallOptions): Promise<Post> {
      return (await request<Static<typeof posts.PostReply>>('POST', `/topics/${topicId}/posts`, { ...opts, body: input })).post;
    },
    async react(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      const body: Static<typeof posts.ReactionBody> = { kind };
      return (await request<Static<typeof posts.ReactionsReply>>('POST', `/posts/${id}/reactions`, { ...opts, body })).reactions;
    },
    async unreact(id: number, kind: ReactionKind, opts?: CallOptions): Promise<Reactions> {
      return (await request<Static<typeof posts.ReactionsReply>>('DELETE', `/posts/${id}/reactions/${kind}`, opts)).reactions;
    },
  };
}
