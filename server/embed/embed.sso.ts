/**
 * Verifying an organisation's SSO token (API.md, Embed): an HS256 JWT signed with the
 * community's secret. Pure apart from the clock: storing the `jti` is the service's job.
 *
 * We use `jose` rather than hand-rolled node:crypto: it is small, dependency-free, widely used and
 * maintained, compares signatures in constant time, and gets the JOSE edge cases right (the `alg`
 * header checked against an allow-list before any key use, `crit` headers, base64url strictness,
 * numeric-date claims). Only the claims policy below is ours.
 */
import { unauthorized } from '../errors/errors.js';

/** A token may live at most this long (`exp - iat`). */
export const SSO_MAX_LIFETIME_SECONDS = 10 * 60;
/** How far ahead of our clock an `iat` may be (the organisation's clock may run fast). */
export const SSO_CLOCK_SKEW_SECONDS = 60;

/** `problem` names the sentence (errors.invalid_sso_token); `claim` the JWT claim that was refused. */
export const invalidSsoToken = (why = 'The sign-in token is invalid or expired.', details?: { problem: string; claim?: string }) =>
  unauthorized('invalid_sso_token', why, details);

export interface SsoClaims {
  sub: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
  /** Present when the organisation sent one: such a token is accepted once. */
  jti: string | null;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const optionalString = (value: unknown, max: number): string | null => {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= max ? trimmed : null;
};

/** An avatar only as an absolute https URL (the CSP allows https: images; nothing else is fetched). */
export function httpsUrlOrNull(value: unknown): string | null {
  const raw = optionalString(value, 2048);
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.hostname ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Checks signature (HS256 only), audience (the community slug), expiry and lifetime, and shapes
 * the claims. Every failure is the same 401 invalid_sso_token; the message says what was wrong
 * (it helps an integrator and reveals nothing a token's holder does not already know).
 */
export async function verifySsoToken(token: string, secret: string, audience: string, now = Date.now()): Promise<SsoClaims> {
  const nowSeconds = Math.floor(now / 1000);
  // Loaded with the first embed sign-in, not at start: most sites never use single sign-on.
  const { errors: joseErrors, jwtVerify } = await import('jose');
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      audience,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(now),
      clockTolerance: 0,
    });
    payload = verified.payload;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw invalidSsoToken('The sign-in token has expired.', { problem: 'expired' });
    if (err instanceof joseErrors.JWTClaimValidationFailed)
      throw invalidSsoToken(`The sign-in token’s "${err.claim}" claim is not acceptable.`, { problem: 'claim', claim: err.claim });
    throw invalidSsoToken();
  }
  const { sub, exp, iat, jti, aud } = payload;
  // jose accepts an audience list that contains ours; the contract wants exactly the slug.
  if (aud !== audience) throw invalidSsoToken('"aud" must be the community’s slug.', { problem: 'audience' });
  if (typeof sub !== 'string' || sub.length < 1 || sub.length > 200) throw invalidSsoToken('"sub" must be a string of 1 to 200 characters.');
  if (typeof exp !== 'number' || typeof iat !== 'number') throw invalidSsoToken('"exp" and "iat" must be numbers.');
  if (exp <= nowSeconds) throw invalidSsoToken('The sign-in token has expired.', { problem: 'expired' });
  if (exp - iat > SSO_MAX_LIFETIME_SECONDS) throw invalidSsoToken('"exp" may be at most 10 minutes after "iat".');
  if (iat > nowSeconds + SSO_CLOCK_SKEW_SECONDS) throw invalidSsoToken('"iat" is in the future.');
  if (jti !== undefined && (typeof jti !== 'string' || jti.length < 1 || jti.length > 200)) {
    throw invalidSsoToken('"jti" must be a string of 1 to 200 characters.');
  }
  return {
    sub,
    name: optionalString(payload.name, 200),
    email: optionalString(payload.email, 254),
    avatarUrl: httpsUrlOrNull(payload.avatarUrl),
    jti: typeof jti === 'string' ? jti : null,
    exp,
  };
}

/**
 * A handle (3–32 of a-z 0-9 _ -) from a display name or subject: accents folded, everything else
 * turned into dashes. Uniqueness is the caller's (it appends a suffix on collision).
 */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i' };

export function handleBase(source: string): string {
  const folded = source
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøđðłþı]/g, (c) => FOLD[c]!);
  const cleaned = folded
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 24)
    .replace(/[-_]+$/, '');
  if (cleaned.length >= 3) return cleaned;
  return cleaned ? `user-${cleaned}` : 'user';
}
