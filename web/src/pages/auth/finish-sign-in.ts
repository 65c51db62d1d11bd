import { liveClient } from '../../lib/live.svelte';
import { session } from '../../lib/session.svelte';
import { queryParam } from '../../router';
import { goToPath, safeNext } from './auth-links';

/**
 * After signing in, up or out: learn who we are now, let the live socket reconnect with the new
 * cookie (it identifies the reader at connect time), and for sign-ins go back where the reader was.
 */
export async function afterAuthChange(): Promise<void> {
  await session.load();
  liveClient.restart();
}

export async function finishSignIn(): Promise<void> {
  await afterAuthChange();
  await goToPath(safeNext(queryParam('next')) ?? '/', { replace: true });
}
