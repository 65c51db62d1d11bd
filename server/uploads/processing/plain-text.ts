const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A text log we may keep as a download: valid UTF-8 without NUL bytes (so not UTF-16, not a binary
 * file of a type we do not know), and not markup. Text starting with `<` is refused even though we
 * only ever serve it as text/plain: a browser or a tool that sniffs would take it for HTML or SVG.
 */
export function isPlainText(bytes: Buffer): boolean {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return false;
  }
  if (text.includes('\0')) return false;
  // trimStart also removes a byte order mark after the one the decoder drops (U+FEFF is white space to it).
  const start = text.trimStart();
  return start.length > 0 && !start.startsWith('<');
}
