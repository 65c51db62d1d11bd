/** Addresses in mail: always from the configured public origin, never from a request. */
export interface MailLinks {
  origin: string;
  verifyEmail(token: string): string;
  resetPassword(token: string): string;
  /** The page where an unsubscribe is confirmed and can be undone. */
  unsubscribePage(token: string): string;
  /** The RFC 8058 one-click endpoint (List-Unsubscribe). */
  unsubscribeOneClick(token: string): string;
  /** The member's e-mail settings. */
  settings(): string;
  /** Any path of the site (topic and post addresses come from server/pages/sitemap.urls.ts). */
  at(path: string): string;
}

export function mailLinks(origin: string): MailLinks {
  const at = (path: string) => `${origin}${path}`;
  return {
    origin,
    verifyEmail: (token) => at(`/verify-email?token=${encodeURIComponent(token)}`),
    resetPassword: (token) => at(`/reset-password?token=${encodeURIComponent(token)}`),
    unsubscribePage: (token) => at(`/unsubscribe/${encodeURIComponent(token)}`),
    unsubscribeOneClick: (token) => at(`/api/unsubscribe/${encodeURIComponent(token)}`),
    settings: () => at('/settings#email'),
    at,
  };
}
