/**
 * The shapes and lengths of what people type: handles, addresses (slugs), titles, posts, names.
 * The server's schemas validate with these, and the web's forms check with them before sending,
 * so the two cannot disagree. Plain values and no imports: the web bundles this file as it is
 * (through web/src/lib/input-rules.ts), so it must never need Node or TypeBox.
 */

export interface TextRule {
  /** Fewest characters (Unicode code points, as the server's validator counts them). */
  readonly min: number;
  readonly max: number;
  /** A regular expression the whole text must match, as the server's validator applies it (`u` flag). */
  readonly pattern?: string;
}

/** Accounts' @handles: unique case-insensitively. */
export const HANDLE = { min: 3, max: 32, pattern: '^[A-Za-z0-9_-]+$' } as const satisfies TextRule;
/** Community and category addresses: lower case, digits and inner hyphens. */
export const SLUG = { min: 2, max: 48, pattern: '^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$' } as const satisfies TextRule;
/** A topic's title: not only spaces. */
export const TITLE = { min: 3, max: 200, pattern: '\\S' } as const satisfies TextRule;
/** A post's Markdown: not only spaces. */
export const BODY = { min: 1, max: 50_000, pattern: '\\S' } as const satisfies TextRule;
export const PASSWORD = { min: 10, max: 256 } as const satisfies TextRule;
export const DISPLAY_NAME = { min: 0, max: 64 } as const satisfies TextRule;
export const COMMUNITY_NAME = { min: 1, max: 80 } as const satisfies TextRule;
export const COMMUNITY_DESCRIPTION = { min: 0, max: 2000 } as const satisfies TextRule;
export const CATEGORY_NAME = { min: 1, max: 80 } as const satisfies TextRule;
export const CATEGORY_DESCRIPTION = { min: 0, max: 1000 } as const satisfies TextRule;
/** A moderator's reason (hiding, banning): shown publicly with the tombstone and in the log. */
export const MODERATION_REASON = { min: 1, max: 500, pattern: '\\S' } as const satisfies TextRule;
/** A member's report of a post: seen by moderators only. */
export const REPORT_REASON = { min: 1, max: 1000, pattern: '\\S' } as const satisfies TextRule;
/** The public note staff write with an idea's status. */
export const IDEA_NOTE = { min: 0, max: 2000 } as const satisfies TextRule;

/** Length as the server's validator counts it: Unicode code points, so an emoji is one character. */
export function charCount(text: string): number {
  // Iterating a string walks code points, not UTF-16 units.
  return [...text].length;
}

/** Whether `text` passes `rule` as the server would check it. */
export function fits(rule: TextRule, text: string): boolean {
  const length = charCount(text);
  return length >= rule.min && length <= rule.max && (rule.pattern === undefined || new RegExp(rule.pattern, 'u').test(text));
}
