import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * A secret for a link in a mail (reset, verification, unsubscribe, reply key): 128 random bits,
 * URL-safe. Only `hash` is stored, so a leaked table opens nothing.
 */
export function newSecret(): { token: string; hash: string } {
  const token = randomBytes(16).toString('base64url');
  return { token, hash: hashSecret(token) };
}

export const hashSecret = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A short code to type instead of following a link: six digits, guarded by an attempt limit. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Secrets we hand out are 22 base64url characters; anything else is not one (and is not looked up). */
export const looksLikeSecret = (token: string): boolean => /^[A-Za-z0-9_-]{22}$/.test(token);

/**
 * A secret that travels in an e-mail address (reply and bounce keys): 128 random bits as lower-case
 * hex, because some mail systems fold the case of local parts, which would break base64url.
 */
export function newAddressKey(): { token: string; hash: string } {
  const token = randomBytes(16).toString('hex');
  return { token, hash: hashSecret(token) };
}

export const looksLikeAddressKey = (key: string): boolean => /^[0-9a-f]{32}$/.test(key);
