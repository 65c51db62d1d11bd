import type { User } from '../lib/api';

/**
 * The embed session: a bearer token kept in memory only (never in storage, a URL or the host
 * page), and who it signs in. Forgotten on sign-out or when the frame goes away.
 */
class EmbedAuth {
  token: string | null = $state(null);
  user: User | null = $state.raw(null);
  /** How the reader signed in: their own Parley account, or the organisation's site (SSO). */
  via: 'parley' | 'sso' | null = $state(null);

  set(token: string, user: User, via: 'parley' | 'sso'): void {
    this.token = token;
    this.user = user;
    this.via = via;
  }

  clear(): void {
    this.token = null;
    this.user = null;
    this.via = null;
  }
}

export const auth = new EmbedAuth();
