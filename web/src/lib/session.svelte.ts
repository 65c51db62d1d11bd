import { me, type Me } from './api';
import { setMemberLocale } from './i18n.svelte';

/**
 * Who is reading: loaded once at start-up. `viewer` is null for guests and until `/api/me`
 * answers; a failure to load it leaves the app usable as a guest.
 */
class Session {
  viewer: Me | null = $state.raw(null);
  status: 'loading' | 'ready' | 'error' = $state('loading');

  async load(): Promise<void> {
    try {
      this.viewer = await me();
      this.status = 'ready';
      void setMemberLocale(this.viewer?.user.locale);
    } catch {
      this.viewer = null;
      this.status = 'error';
      void setMemberLocale(null);
    }
  }
}

export const session = new Session();
