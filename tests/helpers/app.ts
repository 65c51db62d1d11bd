import type { FastifyInstance } from 'fastify';
import { buildApp, type AppParts } from '../../server/app.js';
import { defaultConfig, type Config, type ConfigOverrides } from '../../server/config/config.js';
import { sourceTemplate, type PageRenderer } from '../../server/pages/page-renderer.js';
import { createTestDatabase } from './database.js';
import { TestClient } from './client.js';

export const ORIGIN = 'http://parley.test';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** A client with no session, sending the site's Origin like a browser on the site would. */
  guest(): TestClient;
  close(): Promise<void>;
}

export async function startTestApp(overrides: ConfigOverrides = {}, parts: AppParts = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = defaultConfig({
    databaseUrl: database.url,
    dataDir: 'memory://',
    rateLimits: false,
    seedDemo: false,
    logLevel: 'silent',
    origin: ORIGIN,
    webDir: './tests/fixtures/no-web',
    ...overrides,
    // Tests sign up far more often than people do: the sign-up challenge's spike (mode auto) stays
    // out of their way; tests of the challenge pass their own threshold.
    signupChallenge: { autoThreshold: 1_000_000, ...overrides.signupChallenge },
    // The whole PostgreSQL suite runs on the NATS bus with PARLEY_TEST_BUS_URL set (.ci/run does so once).
    ...(database.url && process.env.PARLEY_TEST_BUS_URL && !('busUrl' in overrides) ? { busUrl: process.env.PARLEY_TEST_BUS_URL } : {}),
  });
  const app = await buildApp(config, { embeddedTemplate: database.embeddedTemplate, ...parts });
  return {
    app,
    config,
    guest: () => new TestClient(app, { origin: ORIGIN }),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * An app that renders its public pages from the source (web/src/entry-server.ts, compiled by
 * Vite for the server as the SSR build is), with the source's index.html as the template.
 */
export async function startPagesApp(overrides: ConfigOverrides = {}): Promise<TestApp> {
  // Not a static import: the web's modules are type-checked by web/tsconfig.json, not with the server's.
  const entry = '../../web/src/entry-server.ts';
  const renderer = (await import(/* @vite-ignore */ entry)) as PageRenderer;
  return startTestApp(overrides, { pages: { renderer, build: sourceTemplate('web') } });
}
