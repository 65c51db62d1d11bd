import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ConfigOverrides } from '../../server/config/config.js';
import { startTestApp, type TestApp } from './app.js';
import { scene } from './factories.js';
import { liveUrl, type LiveClient } from './live-client.js';

export type Scene = Awaited<ReturnType<typeof scene>>;

/**
 * The frame of a live test file: one app listening on a real port with a community scene,
 * every socket a test opened terminated after it, the app closed at the end.
 * Returns the list tests push their sockets onto.
 */
export function liveSuite(overrides: ConfigOverrides, ready: (suite: { t: TestApp; url: string; s: Scene }) => void): LiveClient[] {
  const open: LiveClient[] = [];
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await startTestApp(overrides);
    ready({ t, url: await liveUrl(t.app), s: await scene(t) });
  });
  afterEach(() => {
    open.splice(0).forEach((c) => c.terminate());
  });
  afterAll(async () => {
    await t?.close();
  });
  return open;
}
