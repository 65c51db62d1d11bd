import type { Me, Post, ReactionKind, Reactions, Topic, TopicCapabilities } from '../../lib/api';
import { t } from '../../lib/i18n.svelte';
import { reasonText } from '../../lib/reason-text';

/**
 * What a post's controls need from the page around it: who is reading, what the server says they
 * may do in this thread, and how to apply the server's answers to the loaded thread. TopicPage
 * builds it with getters, so every read is reactive.
 */
export interface ThreadContext {
  readonly viewer: Me | null;
  readonly topic: Topic;
  /** What the reader may do here, as the server decided it (`viewerCan` of the topic page). */
  readonly can: TopicCapabilities;
  /** Where the guest's "Sign in" links come back to. */
  readonly loginHref: string;
  /** Members the reader ignores (the page's viewer state): their posts fold, live ones too. */
  readonly ignoredUserIds?: readonly number[];
  /** Points the reply composer at `post` and focuses it; `quote` prefills the quoted text. */
  reply(post: Post, quote?: string): void;
  replacePost(post: Post): void;
  setReactions(postId: number, reactions: Reactions, viewerReactions: ReactionKind[]): void;
  setTopic(topic: Topic): void;
}

/** The reader wrote this post. */
export const isOwn = (ctx: ThreadContext | undefined, post: Post): boolean => !!ctx?.viewer && !!post.author && post.author.id === ctx.viewer.user.id;

const hasText = (post: Post): boolean => !post.deleted && post.bodyHtml !== null;

/**
 * What the reader may do with one post: the server's answer for the topic (`ctx.can`) joined with
 * facts about the post (whose it is, whether its text is there). The one place the thread's
 * controls ask, so no component puts a rule together itself.
 */
export function postActions(ctx: ThreadContext, post: Post) {
  const own = isOwn(ctx, post);
  const isAnswer = ctx.topic.solutionPostId === post.id;
  return {
    /** Reply to it, or quote it. */
    reply: ctx.can.reply && hasText(post),
    edit: own && ctx.can.editOwnPosts && !post.deleted && post.body !== null,
    delete: own && ctx.can.deleteOwnPosts && !post.deleted,
    /** Like it or mark it helpful (its text must be there: the server refuses a tombstone). */
    react: !own && ctx.can.react && hasText(post),
    report: !own && ctx.can.report && hasText(post) && !post.hidden,
    /** Ask moderators to look again at one's own hidden post. */
    askForReview: own && ctx.can.report && post.hidden && !post.pendingReview && !post.deleted,
    /** Mark it as the accepted answer (never the opening post, nor a post whose text is gone), or unmark it. */
    chooseAsAnswer: ctx.can.acceptAnswer && post.number > 1 && (isAnswer || (hasText(post) && !post.hidden)),
    isAnswer,
    moderate: ctx.can.moderate,
  };
}

/** Markdown that quotes `text` as `@handle` said it. */
export function quoteMarkdown(handle: string | undefined, text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const quoted = lines.map((line) => (line ? `> ${line}` : '>')).join('\n');
  return `${handle ? `${t('topic.quote.wrote', { handle })}\n` : ''}${quoted}\n\n`;
}

/**
 * Why a post or topic is hidden, in the reader's language: the catalogue's words for a code the
 * system set (`reasons.<code>`), else the server's text (a moderator's own words, shown as written;
 * or the system's words for a code this bundle does not know). Null when there is none.
 */
export const hiddenReasonText = (item: { hiddenReason: string | null; hiddenReasonCode?: string | null }): string | null =>
  reasonText(item.hiddenReasonCode, item.hiddenReason);

/** The reason as it sits inside a sentence ("Hidden by moderators: {reason}. Only…"): no full stop of its own. */
export function reasonInSentence(item: { hiddenReason: string | null; hiddenReasonCode?: string | null }): string {
  return (hiddenReasonText(item) ?? t('topic.hidden.no_reason')).replace(/\.\s*$/, '');
}

/** A link's text naming the post replied to: "@handle (#3)", or "a post (#3)" when its author is unknown. */
export function replyTargetText(post: Post): string {
  return post.author
    ? t('topic.post.reply_target_author', { handle: post.author.handle, number: post.number })
    : t('topic.post.reply_target_post', { number: post.number });
}
