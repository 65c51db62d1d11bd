import { me, type Me } from './api';

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
    } catch {
      this.viewer = null;
      this.status = 'error';
    }
  }
}

export const session = new Session();
