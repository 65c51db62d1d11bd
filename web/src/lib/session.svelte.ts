import { me, preloaded, type Me } from './api';
import { setMemberLocale } from './i18n.svelte';

/**
 * Who is reading: loaded once at start-up. `viewer` is null for guests and until `/api/me`
 * answers; a failure to load it leaves the app usable as a guest.
 */
class Session {
  viewer: Me | null = $state.raw(null);
  status: 'loading' | 'ready' | 'error' = $state('loading');

  /**
   * A server-rendered page says who it was rendered for: known before the first render, so the
   * page hydrates as rendered (load() then reads the same answer from the page, not the network).
   */
  start(): void {
    const viewer = preloaded.me();
    if (viewer === undefined) return;
    this.viewer = viewer;
    this.status = 'ready';
  }

  /** Back to "not known yet" (the server, after rendering a page for someone). */
  reset(): void {
    this.viewer = null;
    this.status = 'loading';
  }

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
