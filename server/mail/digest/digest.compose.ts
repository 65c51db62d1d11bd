/**
 * A digest as a mail: the selection put into blocks, in the member's language (their own choice,
 * else the language of the community the digest opens with).
 */
import type { Translator } from '../../i18n/translator.js';
import { communityPath, homePath, postPath, topicPath } from '../../pages/sitemap.urls.js';
import type { MailBlock, MailDraft } from '../mail.draft.js';
import type { MailLinks } from '../mail.links.js';
import { absoluteLinks, postText } from '../mail.post-block.js';
import type { DigestPeriod } from './digest.rules.js';
import type { DigestPost, DigestSelection } from './digest.select.js';

export interface DigestReader {
  id: number;
  email: string;
  name: string;
  /** users.locale: null when the member chose none. */
  locale: string | null;
  period: DigestPeriod;
}

export function composeDigest(reader: DigestReader, selection: DigestSelection, translator: Translator, links: MailLinks): MailDraft {
  const items = [...selection.personal, ...selection.answers, ...selection.questions];
  const first = items[0];
  if (!first) throw new Error('an empty digest is not composed');
  const locale = translator.choose({ member: reader.locale, community: first.community.language });
  const t = (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params);

  // One community: the mail is that community's (its name in the subject, its List-Id). Several:
  // no List-Id, as a filter on one community's list would otherwise catch the others' news.
  const communities = new Map(items.map((i) => [i.community.slug, i.community]));
  const only = communities.size === 1 ? first.community : null;
  const where = (text: string, item: DigestPost) => (only ? text : t('mail.digest.in_community', { text, community: item.community.name }));
  const postUrl = (item: DigestPost) => links.at(postPath(item.community.slug, item.topic, item.number));
  const post = (item: DigestPost, meta: string): MailBlock => ({
    type: 'post',
    author: item.author,
    meta: where(meta, item),
    url: postUrl(item),
    html: absoluteLinks(item.html, links.origin),
    text: postText(item.html),
  });

  const blocks: MailBlock[] = [{ type: 'paragraph', text: t('mail.digest.intro', { name: reader.name }) }];
  if (selection.personal.length) {
    blocks.push({ type: 'heading', text: t('mail.digest.personal.heading') });
    for (const item of selection.personal) {
      blocks.push(post(item, t(`mail.digest.personal.${item.why}`, { topic: item.topic.title, category: item.category })));
    }
  }
  if (selection.answers.length) {
    blocks.push({ type: 'heading', text: t('mail.digest.answers.heading') });
    for (const item of selection.answers) {
      blocks.push(
        post(item, t(item.accepted ? 'mail.digest.answers.accepted' : 'mail.digest.answers.helpful', { topic: item.topic.title, helpful: item.helpful })),
      );
    }
  }
  if (selection.questions.length) {
    blocks.push({ type: 'heading', text: t('mail.digest.questions.heading') });
    blocks.push({
      type: 'list',
      items: selection.questions.map((item) => ({
        text: item.topic.title,
        url: links.at(topicPath(item.community.slug, item.topic)),
        detail: where(t('mail.digest.questions.detail', { author: item.author, replies: item.replies }), item),
      })),
    });
  }
  blocks.push(
    only
      ? { type: 'action', label: t('mail.digest.visit_community', { community: only.name }), url: links.at(communityPath(only.slug)) }
      : { type: 'action', label: t('mail.digest.visit'), url: links.at(homePath()) },
  );

  return {
    kind: 'digest',
    userId: reader.id,
    to: reader.email,
    locale,
    subject: only ? t('mail.digest.subject_community', { community: only.name }) : t('mail.digest.subject', { period: reader.period }),
    preheader: t('mail.digest.preheader', { count: items.length }),
    blocks,
    reason: t('mail.digest.reason', { period: reader.period }),
    unsubscribe: { stream: 'digest' },
    ...(only ? { list: { slug: only.slug, name: only.name } } : {}),
  };
}
