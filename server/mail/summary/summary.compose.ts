/**
 * The weekly summary as a mail, in the admin's language (their own choice, else the community's):
 * last week's headline figures against the week before, the terms people searched for in vain,
 * and what waits in the inbox, with the ways to the insights and the inbox.
 */
import type { Translator } from '../../i18n/translator.js';
import { INBOX_KINDS, type InboxKind } from '../../inbox/inbox.rules.js';
import { communityPath } from '../../pages/sitemap.urls.js';
import type { MailBlock, MailDraft } from '../mail.draft.js';
import type { MailLinks } from '../mail.links.js';
import { SUMMARY_KIND, type SummaryWeeks } from './summary.rules.js';

/** The figures the summary shows for one week; null where there was nothing to measure. */
export interface SummaryFigures {
  topics: number;
  replies: number;
  solvedRate: number | null;
  firstResponseMedianSeconds: number | null;
  memberReplyShare: number | null;
}

export interface SummaryContent {
  community: { id: number; slug: string; name: string; language: string };
  weeks: SummaryWeeks;
  last: SummaryFigures;
  before: SummaryFigures;
  /** The most searched terms that found nothing last week; null when searches are not counted. */
  vain: { term: string; count: number }[] | null;
  /** Open inbox items per kind, now. */
  inbox: Record<InboxKind, number>;
}

export interface SummaryReader {
  id: number;
  email: string;
  name: string;
  /** users.locale: null when the admin chose none. */
  locale: string | null;
}

type Format = 'count' | 'percent' | 'duration';
/** Each figure, in the order shown, with its label (mail.summary.label.*) and how its value reads. */
const FIGURES: { key: keyof SummaryFigures; label: string; format: Format }[] = [
  { key: 'topics', label: 'topics', format: 'count' },
  { key: 'replies', label: 'replies', format: 'count' },
  { key: 'solvedRate', label: 'solved_rate', format: 'percent' },
  { key: 'firstResponseMedianSeconds', label: 'first_response_median', format: 'duration' },
  { key: 'memberReplyShare', label: 'member_reply_share', format: 'percent' },
];

/** A duration in the unit that reads best: minutes under 90 minutes, hours under two days, else days. */
export function durationParts(seconds: number): { unit: 'minutes' | 'hours' | 'days'; n: number } {
  const minutes = seconds / 60;
  if (minutes < 90) return { unit: 'minutes', n: Math.max(1, Math.round(minutes)) };
  const hours = minutes / 60;
  if (hours < 48) return { unit: 'hours', n: Math.round(hours) };
  return { unit: 'days', n: Math.round((hours / 24) * 10) / 10 };
}

/** A date in the reader's language, read in UTC as the weeks are (whatever the server's own zone). */
function day(date: Date, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

export function composeSummary(reader: SummaryReader, content: SummaryContent, translator: Translator, links: MailLinks): MailDraft {
  const { community } = content;
  const locale = translator.choose({ member: reader.locale, community: community.language });
  const t = (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params);
  const value = (format: Format, v: number | null): string => {
    if (v === null || !Number.isFinite(v)) return t('mail.summary.value.none');
    if (format === 'duration') return t('mail.summary.value.duration', durationParts(v));
    return t(`mail.summary.value.${format}`, { value: v });
  };
  const open = INBOX_KINDS.reduce((sum, kind) => sum + (content.inbox[kind] ?? 0), 0);

  const blocks: MailBlock[] = [
    { type: 'heading', text: t('mail.summary.heading', { community: community.name }) },
    {
      type: 'paragraph',
      text: t('mail.summary.intro', {
        name: reader.name,
        community: community.name,
        from: day(content.weeks.last.from, locale),
        to: day(new Date(content.weeks.last.to.getTime() - 1), locale),
      }),
    },
    {
      type: 'list',
      items: FIGURES.map(({ key, label, format }) => ({
        text: t('mail.summary.figure', { label: t(`mail.summary.label.${label}`), value: value(format, content.last[key]) }),
        detail: t('mail.summary.before', { value: value(format, content.before[key]) }),
      })),
    },
    { type: 'action', label: t('mail.summary.open_insights'), url: links.at(`${communityPath(community.slug)}/insights`) },
  ];

  if (content.vain) {
    blocks.push({ type: 'heading', text: t('mail.summary.vain.heading') });
    blocks.push(
      content.vain.length
        ? {
            type: 'list',
            items: content.vain.map(({ term, count }) => ({ text: t('mail.summary.vain.term', { term }), detail: t('mail.summary.vain.count', { count }) })),
          }
        : { type: 'paragraph', text: t('mail.summary.vain.none') },
    );
  }

  blocks.push({ type: 'heading', text: t('mail.summary.inbox.heading') });
  blocks.push(
    open
      ? {
          type: 'list',
          items: INBOX_KINDS.filter((kind) => (content.inbox[kind] ?? 0) > 0).map((kind) => ({
            text: t('mail.summary.inbox.item', { kind, count: content.inbox[kind] }),
          })),
        }
      : { type: 'paragraph', text: t('mail.summary.inbox.none') },
  );
  blocks.push({ type: 'action', label: t('mail.summary.open_inbox'), url: links.at(`${communityPath(community.slug)}/inbox`) });

  return {
    kind: SUMMARY_KIND,
    userId: reader.id,
    to: reader.email,
    locale,
    subject: t('mail.summary.subject', { community: community.name }),
    preheader: t('mail.summary.preheader', { topics: content.last.topics, replies: content.last.replies, open }),
    blocks,
    reason: t('mail.summary.reason', { community: community.name }),
    unsubscribe: { stream: 'kind', target: SUMMARY_KIND },
    list: { slug: community.slug, name: community.name },
  };
}
