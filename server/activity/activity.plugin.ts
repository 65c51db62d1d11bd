/**
 * Records activity (activity.tracker.ts): each request of a signed-in member (API, rendered
 * pages, the live socket's upgrade) as it arrives, and every few minutes each open live socket,
 * whose reader sees notifications arrive without making a request.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import { activityTracker, type ActivityTracker } from './activity.tracker.js';

declare module 'fastify' {
  interface FastifyInstance {
    activity: ActivityTracker;
  }
}

/**
 * Open sockets count as seen this often: well inside the default mail delay (ten minutes), so a
 * reader with the site open is never mailed as if away.
 */
export const LIVE_SEEN_EVERY_MS = 120_000;

export const activityPlugin = fp(
  async (app: FastifyInstance, opts: { db: Db }) => {
    const tracker = activityTracker(opts.db, app.log);
    app.decorate('activity', tracker);

    // After the auth plugin's onRequest (registered before this one): the viewer is known. The
    // write is not awaited: a request never waits for it.
    app.addHook('onRequest', async (request) => {
      const user = request.viewer?.user;
      if (user) tracker.seen(user.id);
    });

    let timer: NodeJS.Timeout | null = null;
    app.addHook('onReady', async () => {
      timer = setInterval(() => {
        tracker.forgetIdle();
        // The live plugin is optional to this one: an app without it has no sockets to count.
        if (!app.hasDecorator('live')) return;
        for (const connection of app.live.connections) {
          if (connection.userId !== null) tracker.seen(connection.userId);
        }
      }, LIVE_SEEN_EVERY_MS);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
      await tracker.settle();
    });
  },
  { name: 'activity', dependencies: ['auth'] },
);
