/**
 * The Markdown an upload puts into a draft, framework-free: the placeholder that holds its place
 * while it uploads, and what replaces it when the server has it.
 */
import type { Static } from 'typebox';
import type { UploadReply } from '../../../../server/uploads/uploads.schema.js';

/** What the server answers for a stored file (API.md "Uploads"). */
export type UploadedFile = Static<typeof UploadReply>['upload'];

/** The types the server always takes: images, decided from the bytes. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** A file name as Markdown link text: no brackets, backslashes or line breaks that would end it early. */
export function linkText(name: string): string {
  return name
    .replace(/[[\]\\\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An image's alt text: its file name without the extension ("screenshot.png" → "screenshot"). */
export const altText = (name: string): string => linkText(name.replace(/\.[^./\\]{1,10}$/, ''));

export const isImageType = (type: string): boolean => (IMAGE_TYPES as readonly string[]).includes(type);

/** What the text says once the file is uploaded: an image, or a link to the download. */
export function uploadMarkdown(upload: { url: string; type: string; name?: string | undefined }, fileName: string): string {
  return isImageType(upload.type) ? `![${altText(fileName)}](${upload.url})` : `[${linkText(upload.name ?? fileName) || upload.url}](${upload.url})`;
}

/**
 * Placeholders are images with an empty URL: nothing a writer means to post, so a saved draft can
 * leave them out in any language (storage.ts). `taken` is the text they go into: two uploads of
 * the same name get distinct ones.
 */
export function placeholderFor(label: string, taken: string): string {
  const text = linkText(label);
  let placeholder = `![${text}]()`;
  for (let n = 2; taken.includes(placeholder); n++) placeholder = `![${text} (${n})]()`;
  return placeholder;
}

/**
 * `text` with `insert` put in place of the selection [start, end), on a line of its own (a
 * screenshot reads as a block, not inside a sentence). Returns the new text and the caret.
 */
export function insertBlock(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const before = text.slice(0, start);
  const after = text.slice(end);
  const lead = before === '' || before.endsWith('\n') ? '' : '\n';
  const trail = after === '' || after.startsWith('\n') ? '' : '\n';
  const next = `${before}${lead}${insert}${trail}${after}`;
  return { text: next, caret: before.length + lead.length + insert.length + trail.length };
}

/** `text` with `placeholder` replaced (the first one; nothing if the writer removed it), and whether it was found. */
export function replacePlaceholder(text: string, placeholder: string, replacement: string): { text: string; found: boolean } {
  const at = text.indexOf(placeholder);
  if (at < 0) return { text, found: false };
  let start = at;
  let end = at + placeholder.length;
  // A placeholder taken out of a line of its own takes that line's break with it: no blank line is left.
  if (replacement === '' && (at === 0 || text[at - 1] === '\n')) {
    if (text[end] === '\n') end++;
    else if (end === text.length && at > 0) start--;
  }
  return { text: text.slice(0, start) + replacement + text.slice(end), found: true };
}
