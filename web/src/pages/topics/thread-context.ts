import type { Me, Post, ReactionKind, Reactions, Topic } from '../../lib/api';

/**
 * What a post's controls need from the page around it: who is reading, what they may do in this
 * thread, and how to apply the server's answers to the loaded thread. TopicPage builds it with
 * getters, so every read is reactive.
 */
export interface ThreadContext {
  readonly viewer: Me | null;
  readonly topic: Topic;
  /** Moderator of this community, or a site admin. */
  readonly moderator: boolean;
  /** Signed in, and the topic is open (or the reader moderates it). */
  readonly canWrite: boolean;
  /** Where the guest's "Sign in" links come back to. */
  readonly loginHref: string;
  /** Points the reply composer at `post` and focuses it; `quote` prefills the quoted text. */
  reply(post: Post, quote?: string): void;
  replacePost(post: Post): void;
  setReactions(postId: number, reactions: Reactions, viewerReactions: ReactionKind[]): void;
  setTopic(topic: Topic): void;
}

/** The reader wrote this post. */
export const isOwn = (ctx: ThreadContext | undefined, post: Post): boolean =>
  !!ctx?.viewer && !!post.author && post.author.id === ctx.viewer.user.id;

/** Markdown that quotes `text` as `@handle` said it. */
export function quoteMarkdown(handle: string | undefined, text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const quoted = lines.map((line) => (line ? `> ${line}` : '>')).join('\n');
  return `${handle ? `@${handle} wrote:\n` : ''}${quoted}\n\n`;
}
