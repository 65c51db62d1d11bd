/**
 * Reasons moderators pick from most of the time (db/codes.ts CANNED_REASONS). The server lists
 * them, in the reader's language, so every client offers the same ones; a picked reason is stored
 * as its code and put into words when shown, a reason of the moderator's own as written.
 */
import { CANNED_REASONS, type CannedReason } from '../../db/schema.js';
import { badRequest } from '../errors/errors.js';
import { reasonWords } from './system-reasons.js';

export { CANNED_REASONS };

/** The canned reasons with their words in one locale, for GET /api/moderation/reasons. */
export const cannedReasonList = (locale: string) => CANNED_REASONS.map((code) => ({ code, label: reasonWords(code, locale) }));

/** A moderator's reason as stored: their own words, or a canned reason's code (exactly one). */
export interface GivenReason {
  reason: string | null;
  reasonCode: CannedReason | null;
}

/**
 * The reason a request gives: `reason` (own words) or `reasonCode` (a canned reason; the schema
 * allows only CANNED_REASONS), exactly one of them. Neither or both is refused like any other bad
 * field: 400 `invalid_input`, naming the field.
 */
export function givenReason(body: { reason?: string | undefined; reasonCode?: CannedReason | undefined }): GivenReason {
  const own = body.reason?.trim();
  if (own !== undefined && body.reasonCode !== undefined)
    throw badRequest('invalid_input', 'body.reasonCode must not be given with body.reason: give one of them', { in: 'body', field: 'reasonCode' });
  if (body.reasonCode !== undefined) return { reason: null, reasonCode: body.reasonCode };
  if (!own) throw badRequest('invalid_input', "body must have required property 'reason' (or 'reasonCode')", { in: 'body', field: 'reason' });
  return { reason: own, reasonCode: null };
}
