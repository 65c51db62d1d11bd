/**
 * `/metrics` for Prometheus (README "Health and metrics"): off unless `config.metrics.enabled`;
 * with `config.metrics.port`, on a listener of its own bound to `config.host`, so the public
 * port (and the proxy in front) never shows them; else on the app's port.
 */
import fp from 'fastify-plugin';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Database } from '../../db/client.js';
import type { Bus } from '../live/bus.js';
import type { AppMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** null while metrics are off. `port`: the metrics listener's bound port, null when they are on the app's port. */
    metrics: (AppMetrics & { port: number | null }) | null;
  }
}

async function listenApart(metrics: AppMetrics, host: string, port: number, app: FastifyInstance): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
      (err: unknown) => {
        app.log.warn({ err }, 'metrics: scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; database: Database; bus: Bus }) => {
    const { config, database, bus } = opts;
    if (!config.metrics.enabled) {
      app.decorate('metrics', null);
      return;
    }
    // prom-client is loaded only when metrics are on: a process without them does not carry it.
    const { createMetrics } = await import('./metrics.js');
    const metrics = createMetrics({
      database,
      bus,
      // The live plugin registers after this one; its figures are read when scraped.
      live: () =>
        app.hasDecorator('live')
          ? { sockets: app.live.connections.size, channels: app.live.hub.channelCount, subscriptions: app.live.hub.subscriptionCount }
          : null,
    });

    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });

    let port: number | null = null;
    if (config.metrics.port !== undefined) {
      const server = await listenApart(metrics, config.host, config.metrics.port, app);
      const address = server.address();
      port = address && typeof address === 'object' ? address.port : config.metrics.port;
      app.log.info({ port }, 'metrics: listening apart');
      app.addHook('onClose', async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
    } else {
      app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
        const text = await metrics.scrape();
        return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
      });
    }
    app.decorate('metrics', { ...metrics, port });
  },
  { name: 'metrics' },
);
