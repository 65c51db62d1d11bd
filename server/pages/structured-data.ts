/**
 * schema.org data (JSON-LD) for public pages, built from the JSON the public API answers: what a
 * search engine reads as the page's question and answers, discussion, breadcrumbs or profile.
 * Only text a guest may read goes in: a hidden, deleted or held post is skipped (a moderator's
 * rendering carries its text in the JSON, so the flags are checked, not only `bodyHtml`), and a
 * hidden topic gives nothing at all.
 */
import type { Static } from 'typebox';
import type { Community, Post, Topic, User } from '../schemas/common.schema.js';
import type { TopicPage } from '../topics/topics.schema.js';
import type { ProfileReply } from '../users/users.schema.js';
import { absoluteImage, readPost, type PlainPost } from './plain-text.js';
import { POSTS_PER_PAGE } from './sitemap.urls.js';

export type TopicPageData = Static<typeof TopicPage>;
export type PostData = Static<typeof Post>;
export type TopicData = Static<typeof Topic>;
export type UserData = Static<typeof User>;
export type CommunityData = Static<typeof Community>;
export type ProfileData = Static<typeof ProfileReply>;
export type JsonLd = Record<string, unknown>;

const CONTEXT = 'https://schema.org';

/** Whether a post's text may be shown to everyone: not hidden (held, flagged), not deleted, and sent with its text. */
export const isVisiblePost = (post: PostData): post is PostData & { bodyHtml: string } => !post.hidden && !post.deleted && post.bodyHtml !== null;

export const userUrl = (origin: string, handle: string): string => `${origin}/u/${encodeURIComponent(handle)}`;
export const communityUrl = (origin: string, slug: string): string => `${origin}/c/${encodeURIComponent(slug)}`;
export const categoryUrl = (origin: string, slug: string, category: string): string => `${communityUrl(origin, slug)}?category=${encodeURIComponent(category)}`;

/** The canonical URL of a topic's first page: the given canonical without its `page` parameter. */
export function firstPageUrl(canonical: string): string {
  const url = new URL(canonical);
  url.searchParams.delete('page');
  url.hash = '';
  return url.href;
}

/** Where post number `n` is read: its page of the thread (page 1 is the bare URL), anchored at the post. */
export function postUrlIn(topicUrl: string, perPage = POSTS_PER_PAGE): (n: number) => string {
  return (n) => {
    const page = Math.max(1, Math.ceil(n / perPage));
    const url = new URL(topicUrl);
    if (page > 1) url.searchParams.set('page', String(page));
    url.hash = `post-${n}`;
    return url.href;
  };
}

const person = (origin: string, user: UserData): JsonLd => ({ '@type': 'Person', name: user.displayName, url: userUrl(origin, user.handle) });

const counter = (action: string, count: number): JsonLd => ({
  '@type': 'InteractionCounter',
  interactionType: `${CONTEXT}/${action}`,
  userInteractionCount: count,
});

/** A post's own dates: published, and modified only when it was edited. */
const dates = (post: PostData) => ({
  datePublished: post.createdAt,
  ...(post.editedAt ? { dateModified: post.editedAt } : {}),
});

export interface BreadcrumbItem {
  name: string;
  url: string;
}

export function breadcrumbList(items: BreadcrumbItem[]): JsonLd {
  return {
    '@context': CONTEXT,
    '@type': 'BreadcrumbList',
    itemListElement: items.map((item, i) => ({ '@type': 'ListItem', position: i + 1, name: item.name, item: item.url })),
  };
}

export interface TopicDataInput {
  origin: string;
  page: TopicPageData;
  /** The canonical URL of the page being rendered (with `?page=N` beyond the first). */
  canonical: string;
  /**
   * Visible replies in the whole topic. The topic JSON has no such count (`postCount` also counts
   * hidden and deleted posts), so without it the visible replies this page carries are counted:
   * exact for a topic of one page, a lower bound beyond.
   */
  visibleReplyCount?: number | undefined;
  /** The opening post when it is not on this page (pages after the first), for the question's text. */
  openingPost?: PostData | null | undefined;
  /** Where post number n lives; defaults to its page of POSTS_PER_PAGE posts. */
  postUrl?: ((n: number) => string) | undefined;
}

/** What the structured data and the head both read off a topic page, computed once. */
export interface ReadTopic {
  topic: TopicData;
  topicUrl: string;
  postUrl: (n: number) => string;
  /** The opening post when guests may read it, with its text. */
  opening: { post: PostData; plain: PlainPost } | null;
  /** Visible replies on this page, in order, each read once. */
  replies: { post: PostData; plain: PlainPost }[];
  /** The accepted answer when visible (on this page or not). */
  solution: { post: PostData; plain: PlainPost } | null;
  replyCount: number;
}

export function readTopicPage(input: TopicDataInput): ReadTopic {
  const { page } = input;
  const topicUrl = firstPageUrl(input.canonical);
  const read = (post: PostData) => ({ post, plain: readPost(post.bodyHtml ?? '') });
  const openingPost = page.posts.find((p) => p.number === 1) ?? input.openingPost ?? null;
  const replies = page.topic.hidden ? [] : page.posts.filter((p) => p.number > 1 && isVisiblePost(p)).map(read);
  const onPage = replies.find((r) => r.post.id === page.solution?.id);
  const solution = page.topic.hidden
    ? null
    : (onPage ?? (page.solution && page.solution.number > 1 && isVisiblePost(page.solution) ? read(page.solution) : null));
  const counted = replies.length + (solution && !onPage ? 1 : 0);
  return {
    topic: page.topic,
    topicUrl,
    postUrl: input.postUrl ?? postUrlIn(topicUrl),
    opening: openingPost && !page.topic.hidden && isVisiblePost(openingPost) ? read(openingPost) : null,
    replies,
    solution,
    replyCount: Math.max(input.visibleReplyCount ?? 0, counted),
  };
}

/**
 * A question with at least one visible reply is a QAPage (when this page has an answer to show);
 * everything else a topic is, a DiscussionForumPosting. A hidden topic gives none.
 */
export function topicStructuredData(origin: string, read: ReadTopic): JsonLd | null {
  const { topic } = read;
  if (topic.hidden) return null;
  const answersHere = read.replies.length > 0 || read.solution !== null;
  if (topic.kind === 'question' && read.replyCount > 0 && answersHere) return qaPage(origin, read);
  return discussionForumPosting(origin, read);
}

function qaPage(origin: string, read: ReadTopic): JsonLd {
  const { topic, opening, solution } = read;
  const answer = ({ post, plain }: { post: PostData; plain: PlainPost }): JsonLd => ({
    '@type': 'Answer',
    text: plain.text,
    dateCreated: post.createdAt,
    ...dates(post),
    author: person(origin, post.author),
    url: read.postUrl(post.number),
    upvoteCount: post.reactions.helpful,
  });
  const suggested = read.replies.filter((r) => r.post.id !== solution?.post.id);
  return {
    '@context': CONTEXT,
    '@type': 'QAPage',
    mainEntity: {
      '@type': 'Question',
      name: topic.title,
      ...(opening ? { text: opening.plain.text, upvoteCount: opening.post.reactions.helpful } : {}),
      answerCount: read.replyCount,
      dateCreated: topic.createdAt,
      datePublished: topic.createdAt,
      ...(opening?.post.editedAt ? { dateModified: opening.post.editedAt } : {}),
      author: person(origin, topic.author),
      url: read.topicUrl,
      ...(solution ? { acceptedAnswer: answer(solution) } : {}),
      ...(suggested.length ? { suggestedAnswer: suggested.map(answer) } : {}),
    },
  };
}

function discussionForumPosting(origin: string, read: ReadTopic): JsonLd {
  const { topic, opening } = read;
  const image = absoluteImage(opening?.plain.firstImage, origin);
  const statistics = [counter('CommentAction', read.replyCount)];
  if (opening) statistics.push(counter('LikeAction', opening.post.reactions.like));
  if (topic.kind === 'idea') statistics.push(counter('VoteAction', topic.votes));
  return {
    '@context': CONTEXT,
    '@type': 'DiscussionForumPosting',
    // Later pages of a thread name the whole thread (its first page), as search engines ask.
    '@id': read.topicUrl,
    headline: topic.title,
    url: read.topicUrl,
    ...(opening ? { text: opening.plain.text } : {}),
    ...(image ? { image } : {}),
    datePublished: topic.createdAt,
    ...(opening?.post.editedAt ? { dateModified: opening.post.editedAt } : {}),
    author: person(origin, topic.author),
    interactionStatistic: statistics,
    comment: read.replies.map(({ post, plain }) => ({
      '@type': 'Comment',
      text: plain.text,
      ...dates(post),
      author: person(origin, post.author),
      url: read.postUrl(post.number),
      interactionStatistic: counter('LikeAction', post.reactions.like),
    })),
  };
}

export interface ProfileDataInput {
  origin: string;
  profile: ProfileData;
  canonical: string;
}

/** ProfilePage: the person, what others did with their posts, and what they wrote. */
export function profilePage({ origin, profile, canonical }: ProfileDataInput): JsonLd {
  const { user, stats } = profile;
  const image = absoluteImage(user.avatarUrl ?? undefined, origin);
  return {
    '@context': CONTEXT,
    '@type': 'ProfilePage',
    url: canonical,
    dateCreated: user.createdAt,
    mainEntity: {
      '@type': 'Person',
      name: user.displayName,
      alternateName: user.handle,
      identifier: String(user.id),
      url: userUrl(origin, user.handle),
      ...(image ? { image } : {}),
      // Helpful marks from others are the likes a profile receives here.
      interactionStatistic: [counter('LikeAction', stats.helpful)],
      agentInteractionStatistic: [counter('WriteAction', stats.posts)],
    },
  };
}
