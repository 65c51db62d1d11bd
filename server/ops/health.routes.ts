/**
 * Liveness and readiness (API.md "Deployment options"). A proxy or orchestrator restarts a
 * process that stops answering `/api/health`, and stops routing to one whose `/api/health/ready`
 * says 503: it lost its database or the bus that brings other processes' events.
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client.js';
import type { Bus } from '../live/bus.js';
import { within } from './deadline.js';

/** Longer than a healthy database ever takes, shorter than a proxy's check interval. */
export const READY_DB_TIMEOUT_MS = 2000;

export type Readiness = { status: 'ready'; db: 'ok'; bus: 'ok' } | { status: 'unready'; db: 'ok' | 'down'; bus: 'ok' | 'down'; code: 'not_ready' };

export async function readiness(database: Database, bus: Bus, timeoutMs = READY_DB_TIMEOUT_MS): Promise<Readiness> {
  const db = (await within(database.executeSql('SELECT 1'), timeoutMs)) ? 'ok' : 'down';
  const busUp = bus.status().connected ? 'ok' : 'down';
  return db === 'ok' && busUp === 'ok' ? { status: 'ready', db, bus: busUp } : { status: 'unready', db, bus: busUp, code: 'not_ready' };
}

export async function healthRoutes(app: FastifyInstance, opts: { database: Database; bus: Bus }): Promise<void> {
  const { database, bus } = opts;
  // Checkers poll these every few seconds from the proxy's address: never counted against a rate limit.
  const routeConfig = { rateLimit: false } as const;

  // Live: the process answers. Nothing it depends on is asked, or a database outage would get
  // every replica restarted instead of waited for.
  app.get('/api/health', { schema: { hide: true }, config: routeConfig }, async () => ({ status: 'ok', db: database.driver }));

  app.get('/api/health/ready', { schema: { hide: true }, config: routeConfig }, async (_request, reply) => {
    const ready = await readiness(database, bus);
    void reply.header('cache-control', 'no-store');
    return reply.code(ready.status === 'ready' ? 200 : 503).send(ready);
  });
}
