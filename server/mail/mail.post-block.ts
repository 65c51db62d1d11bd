/**
 * A post as a mail block: its sanitised HTML with site paths made absolute (a mail is read away
 * from the site, where `/u/ann` leads nowhere) and its plain reading for the text part.
 */
import type { Translator } from '../i18n/translator.js';
import { readPost } from '../pages/plain-text.js';
import type { MailBlock } from './mail.draft.js';

/**
 * `href="/…"` and `src="/…"` onto the origin. The sanitiser writes every attribute double-quoted
 * and keeps only absolute http(s) URLs and site paths, so this is the whole set of cases.
 */
export const absoluteLinks = (html: string, origin: string): string => html.replace(/(\s(?:href|src)=")\/(?!\/)/g, `$1${origin}/`);

const BLOCK_END = /<\/(?:p|li|h[1-6]|blockquote|pre|tr)>|<br\s*\/?>|<hr\s*\/?>/gi;

/** The text part's reading of a post: its words, a paragraph per block (readPost alone makes one line). */
export const postText = (html: string): string =>
  html
    .split(BLOCK_END)
    .map((part) => readPost(part).text)
    .filter(Boolean)
    .join('\n\n');

export interface MailPost {
  number: number;
  html: string;
  createdAt: Date;
  author: { handle: string; displayName: string };
  url: string;
}

/** When a post was written, as a reader anywhere can tell (the member's time zone is not known). */
export const mailTime = (locale: string, at: Date): string => {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at);
  } catch {
    // A pseudo-locale Intl does not know.
    return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at);
  }
};

export function postBlock(post: MailPost, locale: string, translator: Translator, origin: string): Extract<MailBlock, { type: 'post' }> {
  return {
    type: 'post',
    author: translator.t(locale, 'mail.notification.post_author', { name: post.author.displayName, handle: post.author.handle }),
    meta: translator.t(locale, 'mail.notification.post_meta', { number: post.number, when: mailTime(locale, post.createdAt) }),
    url: post.url,
    html: absoluteLinks(post.html, origin),
    text: postText(post.html),
  };
}
