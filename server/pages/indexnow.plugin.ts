import type { FastifyPluginAsync } from 'fastify';
import type { Executor } from '../../db/client.js';
import type { Config } from '../config/config.js';
import type { Bus } from '../live/bus.js';
import { IndexNowNotifier } from './indexnow.js';

/**
 * IndexNow, when configured: the key file the engines fetch to check the announcements are ours,
 * and the notifier that announces changed topics (indexnow.ts).
 */
export const indexNowPlugin: FastifyPluginAsync<{ config: Config; db: Executor; bus: Bus }> = async (app, { config, db, bus }) => {
  const settings = config.indexNow;
  if (!settings) return;
  if (!config.origin) {
    app.log.warn('IndexNow is configured but PARLEY_ORIGIN is not: it stays off (announced URLs must be absolute)');
    return;
  }
  const notifier = new IndexNowNotifier(db, bus, { ...settings, origin: config.origin }, app.log);
  app.get(`/${settings.key}.txt`, { schema: { hide: true } }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(settings.key));
  app.addHook('onClose', () => notifier.close());
};
