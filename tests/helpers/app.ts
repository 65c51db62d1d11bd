import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { defaultConfig, type Config, type ConfigOverrides } from '../../server/config/config.js';
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

export async function startTestApp(overrides: ConfigOverrides = {}): Promise<TestApp> {
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
  });
  const app = await buildApp(config);
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
