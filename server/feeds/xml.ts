/** Text for XML documents (sitemaps, feeds): escaped, and without the characters XML 1.0 cannot carry at all. */

// C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF:
// one of them in a post would make the whole document unreadable to a strict parser.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Safe in element content and in quoted attribute values. */
export const escapeXml = (text: string): string => text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
