/**
 * Live and ready (API.md "Deployment options"): `/api/health` answers while the process runs;
 * `/api/health/ready` answers 200 only while the database answers and the bus is connected, so a
 * proxy stops routing to a replica that lost either. The outages here are real: a database
 * dropped under the app, its LISTEN connection terminated by PostgreSQL, its NATS server stopped.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { NATS_SERVER, NatsServer } from './helpers/cluster.js';
import { freePort } from './helpers/nginx.js';

const onPostgres = !!process.env.DATABASE_URL;

const ready = async (app: FastifyInstance) => {
  const res = await app.inject({ method: 'GET', url: '/api/health/ready' });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>(), headers: res.headers };
};

/** Asks again until `done` or `ms` are up; without a pause by default, as some outages last a fraction of a second. */
async function readyUntil(app: FastifyInstance, done: (r: Awaited<ReturnType<typeof ready>>) => boolean, ms: number, pauseMs = 0) {
  const end = Date.now() + ms;
  let answer = await ready(app);
  while (!done(answer) && Date.now() < end) {
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    answer = await ready(app);
  }
  return answer;
}

let t: TestApp;
beforeAll(async () => {
  // The bus PostgreSQL brings (LISTEN/NOTIFY) even when the suite runs on NATS: NATS has its own case below.
  t = await startTestApp({ busUrl: undefined });
});
afterAll(async () => {
  await t?.close();
});

describe('live and ready on a healthy app', () => {
  it('answers ready with the database and the bus both ok, never cached', async () => {
    const res = await ready(t.app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', db: 'ok', bus: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('keeps /api/health as it was: 200 naming the database in use', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', db: onPostgres ? 'postgres' : 'pglite' });
  });

  it('counts neither against the rate limit', async () => {
    const limited = await startTestApp({ rateLimits: true });
    try {
      // The global budget is 600 a minute per address: a checker polling far faster is still answered.
      for (let i = 0; i < 620; i++) {
        const url = i % 2 ? '/api/health' : '/api/health/ready';
        const res = await limited.app.inject({ method: 'GET', url });
        expect(res.statusCode, `${url} #${i}`).toBe(200);
      }
      // The limit is on: an API read beyond the budget is refused.
      const statuses = [];
      for (let i = 0; i < 610; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/api/me' })).statusCode);
      expect(statuses).toContain(429);
    } finally {
      await limited.close();
    }
  });
});

describe.runIf(onPostgres)('ready on PostgreSQL', () => {
  it('says 503 db:"down" once its database is gone, while /api/health still answers', async () => {
    const database = await createTestDatabase();
    const app = await buildApp({ ...t.config, databaseUrl: database.url });
    try {
      expect((await ready(app)).status).toBe(200);
      // DROP … WITH (FORCE) ends every connection of the app, and no new one can be made.
      await database.drop();
      const res = await readyUntil(app, (r) => r.body.db === 'down', 5000, 20);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unready', db: 'down', code: 'not_ready' });
      const live = await app.inject({ method: 'GET', url: '/api/health' });
      expect(live.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('says 503 bus:"down" while the LISTEN connection is gone, and ready again once it reconnects', async () => {
    const exec = (text: string, values?: unknown[]) => t.app.parley.database.executeSql(text, values);
    const listening = (await exec(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`)).rows as Array<{
      pid: number;
    }>;
    expect(listening).toHaveLength(1);
    await exec('SELECT pg_terminate_backend($1)', [listening[0]!.pid]);
    // The bus reconnects within about 100 ms: ready is asked back to back until it has seen the gap.
    const down = await readyUntil(t.app, (r) => r.status === 503, 3000);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unready', db: 'ok', bus: 'down', code: 'not_ready' });
    const back = await readyUntil(t.app, (r) => r.status === 200, 5000, 20);
    expect(back.body).toEqual({ status: 'ready', db: 'ok', bus: 'ok' });
  });
});

describe.runIf(onPostgres && existsSync(NATS_SERVER))('ready on the NATS bus', () => {
  let nats: NatsServer;
  let app: FastifyInstance;
  beforeAll(async () => {
    nats = new NatsServer(await freePort());
    await nats.start();
    app = await buildApp({ ...t.config, busUrl: nats.url });
  });
  afterAll(async () => {
    await app?.close();
    await nats?.stop();
  });

  it('says 503 bus:"down" while the broker is stopped, and ready again once it is back', async () => {
    expect((await ready(app)).body).toEqual({ status: 'ready', db: 'ok', bus: 'ok' });
    await nats.stop();
    const down = await readyUntil(app, (r) => r.status === 503, 5000, 10);
    expect(down.body).toEqual({ status: 'unready', db: 'ok', bus: 'down', code: 'not_ready' });
    await nats.start();
    const back = await readyUntil(app, (r) => r.status === 200, 10_000, 50);
    expect(back.body).toEqual({ status: 'ready', db: 'ok', bus: 'ok' });
  });
});
