/**
 * What a member wrote in a reply by e-mail, without what their mail client added: the quoted
 * mail they answer (Gmail's and Apple Mail's "On … wrote:" and `>` lines, Outlook's
 * "-----Original Message-----" or "From: … Sent: …" header block), their signature (after the
 * "-- " delimiter) and "Sent from my iPhone"-style lines. Works on the text part (mailparser
 * derives one from an HTML-only mail, rendering blockquotes as `>` lines).
 *
 * Better to keep a stray line than to lose what someone wrote: every marker below is a whole line
 * of a known shape, never a word inside a sentence.
 */

/** "On <date>, <name> wrote:" as mail clients write it, in the languages members write in. */
const ATTRIBUTION_START = /^(?:On|Am|Le|El|Il|Op|Em|Den|På|W dniu)\s/i;
/** The verb, then (German, Spanish) maybe the name, and a colon at the very end. */
const ATTRIBUTION_END = /\s(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)(?:\s.{0,120})?\s*:$/i;
/** A date, a time or an address: what tells "On 1 May 2024, Ann wrote:" from "On Monday I wrote:". */
const ATTRIBUTION_DETAIL = /\b\d{4}\b|\b\d{1,2}:\d{2}\b|@/;
/** Gmail wraps a long attribution over up to three lines. */
const ATTRIBUTION_LINES = 3;

/** Outlook's, Thunderbird's and Apple Mail's separators before the mail being answered or forwarded. */
const SEPARATOR = [
  /^-{3,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale)\s*-{3,}$/i,
  /^-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré)\s*-{3,}$/i,
  /^(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht):$/i,
];

/** The header block Outlook puts above the mail being answered: From, then Sent/Date/To/Subject. */
const HEADER_FROM = /^\*?(?:From|Von|De|Da|Van)\s*:\*?\s*\S/i;
const HEADER_NEXT = /^\*?(?:Sent|Date|To|Subject|Cc|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|Para|Asunto|Inviato|Oggetto)\s*:\*?/i;

/** "-- " (RFC 3676), often sent without its space. */
const isSignatureDelimiter = (line: string) => line.trimEnd() === '--';
const MOBILE_SIGNATURE = [
  /^Sent from (?:my \S.{0,40}|Mail for Windows.{0,12}|Outlook(?: for \S.{0,20})?|(?:Yahoo|Proton) ?Mail.{0,30})$/i,
  /^Get Outlook for \S.{0,30}$/i,
  /^(?:Von meinem \S.{0,40} gesendet|Gesendet von meinem \S.{0,40}|Gesendet mit \S.{0,40})$/i,
  /^Envoyé (?:de|depuis) mon \S.{0,40}$/i,
  /^Enviado desde mi \S.{0,40}$/i,
];

const isQuoted = (line: string) => /^\s*>/.test(line);
const isBlank = (line: string) => line.trim() === '';

/** How many lines (1…3) from `i` make an "On … wrote:" attribution, or 0. */
function attributionAt(lines: string[], i: number): number {
  if (!ATTRIBUTION_START.test(lines[i]!.trim())) return 0;
  let joined = '';
  for (let n = 1; n <= ATTRIBUTION_LINES && i + n <= lines.length; n++) {
    joined = `${joined} ${lines[i + n - 1]!.trim()}`.trim();
    if (joined.length > 300) return 0;
    if (ATTRIBUTION_END.test(joined)) return ATTRIBUTION_DETAIL.test(joined) ? n : 0;
  }
  return 0;
}

function headerBlockAt(lines: string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i]!.trim())) return false;
  return lines.slice(i + 1, i + 5).some((line) => HEADER_NEXT.test(line.trim()));
}

const nextContentLine = (lines: string[], from: number): string | undefined => lines.slice(from).find((line) => !isBlank(line));

/** The reply's own text: quotes and signatures removed, blank edges trimmed. Empty when nothing is left. */
export function replyText(text: string): string {
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    const attribution = attributionAt(lines, i);
    if (attribution > 0) {
      // Followed by a `>` quote, the member may answer below or between its lines (kept); followed
      // by the old mail as plain text, everything from here on is that mail.
      if (isQuoted(nextContentLine(lines, i + attribution) ?? '>')) {
        i += attribution - 1;
        continue;
      }
      break;
    }
    if (SEPARATOR.some((re) => re.test(trimmed)) || headerBlockAt(lines, i)) break;
    if (isSignatureDelimiter(line) || MOBILE_SIGNATURE.some((re) => re.test(trimmed))) break;
    if (isQuoted(line)) continue;
    kept.push(line.trimEnd());
  }
  // Outlook draws a rule of underscores above its header block.
  while (kept.length > 0 && (isBlank(kept.at(-1)!) || /^[_-]{5,}$/.test(kept.at(-1)!.trim()))) kept.pop();
  while (kept.length > 0 && isBlank(kept[0]!)) kept.shift();
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
