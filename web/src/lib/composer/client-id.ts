/**
 * A fresh id for one draft's send: the server answers a repeated clientId with the post it
 * already made, so a retry after a lost answer never posts twice (API.md, ≤ 64 characters).
 */
export function newClientId(): string {
  // randomUUID exists only in secure contexts (https, localhost); a forum reached over plain http
  // on a LAN address still gets a random id from getRandomValues, which works everywhere.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
