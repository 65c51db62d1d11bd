/** RSS 2.0 documents (https://www.rssboard.org/rss-specification), author handles as `dc:creator`. */
import { escapeXml } from './xml.js';

export interface RssItem {
  title: string;
  link: string;
  /** Stable across title edits (the link carries the title's slug). */
  guid: string;
  pubDate: Date;
  description: string;
  author: string;
}

export interface RssChannel {
  title: string;
  /** The page the feed follows. */
  link: string;
  /** This feed's own URL (atom:link rel="self"). */
  self: string;
  description: string;
  language: string;
  lastBuildDate: Date;
  items: RssItem[];
}

const tag = (name: string, text: string) => `<${name}>${escapeXml(text)}</${name}>`;

const item = (i: RssItem) =>
  `<item>${tag('title', i.title)}${tag('link', i.link)}<guid isPermaLink="false">${escapeXml(i.guid)}</guid>` +
  `${tag('pubDate', i.pubDate.toUTCString())}${tag('dc:creator', i.author)}${tag('description', i.description)}</item>\n`;

export function rssXml(c: RssChannel): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n' +
    `${tag('title', c.title)}${tag('link', c.link)}<atom:link href="${escapeXml(c.self)}" rel="self" type="application/rss+xml"/>` +
    `${tag('description', c.description)}${tag('language', c.language)}${tag('lastBuildDate', c.lastBuildDate.toUTCString())}\n` +
    c.items.map(item).join('') +
    '</channel>\n</rss>\n'
  );
}
