/**
 * The words of notification mail: one topic's mail (its new replies as posts, and what else
 * happened there: a mention, an accepted answer, an idea's status, a moderator's action with the
 * reason), and the roll-up past the daily cap. Sentences are the web's own (`notification.*`), so
 * the bell and the mail say the same thing; the rest is `mail.notification.*`, `mail.rollup.*`
 * and `mail.reason.*`.
 */
import type { Translator } from '../../i18n/translator.js';
import { isReasonCode, reasonText } from '../../moderation/system-reasons.js';
import { IDEA_STATUSES, type NotificationReason } from '../../../db/schema.js';
import { postPath, topicPath } from '../../pages/sitemap.urls.js';
import type { MailBlock, MailDraft } from '../mail.draft.js';
import type { MailLinks } from '../mail.links.js';
import { postBlock } from '../mail.post-block.js';
import { MAX_POSTS_SHOWN, postsOf, type PendingNotification, type PendingTopic, type Recipient } from './notify.pending.js';
import { NOTIFICATION_MAIL_KIND, ROLLUP_MAIL_KIND } from './notify.cap.js';
import type { MailedKind } from './notify.queue.js';

/** What a mail about several things leads with. */
const WEIGHT: Record<MailedKind, number> = { moderation: 0, solution: 1, idea_status: 2, mention: 3, reply: 4 };
const byWeight = (a: PendingNotification, b: PendingNotification) => WEIGHT[a.kind] - WEIGHT[b.kind];

const MODERATION_KEYS: Record<string, { plain: string; reason?: string }> = {
  hide_post: { plain: 'notification.moderation.hide_post', reason: 'notification.moderation.hide_post_reason' },
  unhide_post: { plain: 'notification.moderation.unhide_post' },
  hide_topic: { plain: 'notification.moderation.hide_topic', reason: 'notification.moderation.hide_topic_reason' },
  unhide_topic: { plain: 'notification.moderation.unhide_topic' },
  other: { plain: 'notification.moderation.other', reason: 'notification.moderation.other_reason' },
};

/** A reply's line says the reason stored with it: the web's "you were told because" in mail words. */
const REPLY_REASON_KEY: Partial<Record<NotificationReason, string>> = {
  own_post: 'mail.reason.replied_to',
  own_topic: 'mail.reason.own_topic',
  watching_topic: 'mail.reason.watching',
  watching_category: 'mail.reason.watching_category',
};

const REASON_KEY: Record<MailedKind, string> = {
  reply: 'mail.reason.replied_to',
  mention: 'mail.reason.mentioned',
  solution: 'mail.reason.answer',
  idea_status: 'mail.reason.idea',
  moderation: 'mail.reason.moderation',
};

type Addressee = Pick<Recipient, 'id' | 'email' | 'choice'>;

interface Words {
  locale: string;
  t(key: string, params?: Record<string, unknown>): string;
}

const wordsFor = (translator: Translator, locale: string): Words => ({ locale, t: (key, params) => translator.t(locale, key, params) });

/** A notification as the web's bell says it, the topic's title in quotes; `details`: with the reason or note. */
function sentence(w: Words, n: PendingNotification, topicTitle: string, postCount: number, details: boolean): string {
  const topic = w.t('mail.notification.quoted', { title: topicTitle });
  const actor = n.actor ? `@${n.actor.handle}` : w.t(n.kind === 'moderation' ? 'notification.a_moderator' : 'notification.someone');
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  switch (n.kind) {
    case 'reply':
      return postCount > 1 ? w.t('notification.reply_many', { count: postCount, topic }) : w.t('notification.reply', { actor, topic });
    case 'mention':
      return w.t('notification.mention', { actor, topic });
    case 'solution':
      return w.t('notification.solution', { actor, topic });
    case 'idea_status': {
      const status = text(n.data.status);
      const note = details ? text(n.data.note) : null;
      if (status && (IDEA_STATUSES as readonly string[]).includes(status))
        return w.t(note ? 'notification.idea_status_note' : 'notification.idea_status', { topic, status, note });
      return w.t(note ? 'notification.idea_status_unknown_note' : 'notification.idea_status_unknown', { topic, note });
    }
    case 'moderation': {
      const keys = MODERATION_KEYS[text(n.data.action) ?? ''] ?? MODERATION_KEYS.other!;
      const reason = details ? reasonText(text(n.data.reason), isReasonCode(n.data.reasonCode) ? n.data.reasonCode : null, w.locale) : null;
      return reason && keys.reason ? w.t(keys.reason, { actor, topic, reason }) : w.t(keys.plain, { actor, topic });
    }
  }
}

/** Where a notification leads: its post, else its topic. */
function urlOf(links: MailLinks, pending: PendingTopic, n: PendingNotification): string {
  const first = n.posts[0];
  const number = first?.number ?? n.postNumber;
  return links.at(number ? postPath(pending.community.slug, pending.topic, number) : topicPath(pending.community.slug, pending.topic));
}

const ACTION_KEY: Record<Exclude<MailedKind, 'reply' | 'mention'>, string> = {
  solution: 'mail.notification.view_answer',
  idea_status: 'mail.notification.view_idea',
  moderation: 'mail.notification.view_post',
};

export interface TopicMailInput {
  recipient: Addressee;
  locale: string;
  pending: PendingTopic;
  translator: Translator;
  links: MailLinks;
  /** reply+<key>@… when a reply by mail is possible. */
  replyTo: string | null;
}

/** One topic's mail: everything new there for this member, in one message threaded with the topic's others. */
export function topicMail({ recipient, locale, pending, translator, links, replyTo }: TopicMailInput): MailDraft {
  const w = wordsFor(translator, locale);
  const notes = [...pending.notifications].sort(byWeight);
  const lead = notes[0]!;
  const posts = postsOf(pending);
  const title = pending.topic.title;
  const subject =
    lead.kind === 'reply'
      ? w.t('mail.notification.subject_replies', { count: posts.length, topic: w.t('mail.notification.quoted', { title }) })
      : sentence(w, lead, title, posts.length, false);

  const blocks: MailBlock[] = [{ type: 'heading', text: subject }];
  for (const n of notes) {
    if (n.kind === 'reply' || n.kind === 'mention') continue;
    blocks.push({ type: 'paragraph', text: sentence(w, n, title, 0, true) });
    blocks.push({ type: 'action', label: w.t(ACTION_KEY[n.kind]), url: urlOf(links, pending, n) });
  }
  if (posts.length) {
    // The heading names what leads; a mention that does not lead is said above the posts.
    const mention = notes.find((n) => n.kind === 'mention');
    if (mention && mention !== lead) blocks.push({ type: 'paragraph', text: sentence(w, mention, title, 0, true) });
    for (const post of posts.slice(0, MAX_POSTS_SHOWN)) {
      const url = links.at(postPath(pending.community.slug, pending.topic, post.number));
      blocks.push(postBlock({ ...post, url }, locale, translator, links.origin));
    }
    if (posts.length > MAX_POSTS_SHOWN)
      blocks.push({ type: 'paragraph', text: w.t('mail.notification.more_posts', { count: posts.length - MAX_POSTS_SHOWN }) });
    blocks.push({
      type: 'action',
      label: w.t('mail.notification.open_topic'),
      url: links.at(postPath(pending.community.slug, pending.topic, posts[0]!.number)),
    });
    if (replyTo) blocks.push({ type: 'paragraph', text: w.t('mail.notification.reply_hint') });
  }

  // Notifications stored before reasons were: the member's level now says it.
  const olderReply = lead.watching ? 'mail.reason.watching' : REASON_KEY.reply;
  const reasonKey = lead.kind === 'reply' ? ((lead.reason && REPLY_REASON_KEY[lead.reason]) ?? olderReply) : REASON_KEY[lead.kind];
  const reason = [w.t(reasonKey), ...(recipient.choice === 'away' ? [w.t('mail.reason.when_away')] : [])].join(' ');
  const onlyMentions = notes.every((n) => n.kind === 'mention');
  return {
    kind: NOTIFICATION_MAIL_KIND,
    userId: recipient.id,
    to: recipient.email,
    locale,
    subject,
    preheader: blocks[1]?.type === 'post' ? `${blocks[1].author}: ${Array.from(blocks[1].text).slice(0, 120).join('')}` : subject,
    blocks,
    reason,
    thread: { topicId: pending.topic.id },
    list: { slug: pending.community.slug, name: pending.community.name },
    // One List-Unsubscribe per mail: this topic, or for mail that is only mentions, mentions (the footer's settings cover the rest).
    unsubscribe: onlyMentions ? { stream: 'kind', target: 'mention' } : { stream: 'topic', target: String(pending.topic.id) },
    ...(replyTo ? { replyTo } : {}),
  };
}

export interface RollupMailInput {
  recipient: Addressee;
  locale: string;
  pending: PendingTopic[];
  cap: number;
  translator: Translator;
  links: MailLinks;
}

/** Past the daily cap: everything not yet mailed, one line each, in one mail. */
export function rollupMail({ recipient, locale, pending, cap, translator, links }: RollupMailInput): MailDraft {
  const w = wordsFor(translator, locale);
  const items = pending.flatMap((p) =>
    [...p.notifications].sort(byWeight).map((n) => ({
      text: sentence(w, n, p.topic.title, n.posts.length, true),
      url: urlOf(links, p, n),
      detail: p.community.name,
    })),
  );
  const subject = w.t('mail.rollup.subject', { count: items.length });
  const communities = new Set(pending.map((p) => p.community.slug));
  const only = communities.size === 1 ? pending[0]!.community : null;
  return {
    kind: ROLLUP_MAIL_KIND,
    userId: recipient.id,
    to: recipient.email,
    locale,
    subject,
    preheader: w.t('mail.rollup.intro', { cap }),
    blocks: [
      { type: 'heading', text: subject },
      { type: 'paragraph', text: w.t('mail.rollup.intro', { cap }) },
      { type: 'list', items },
      { type: 'action', label: w.t('mail.rollup.open_notifications'), url: links.at('/notifications') },
    ],
    reason: w.t('mail.reason.rollup'),
    ...(only ? { list: { slug: only.slug, name: only.name } } : {}),
    unsubscribe: { stream: 'all' },
  };
}
