import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { defaultConfig, type ConfigOverrides } from '../../server/config/config.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** The real app, built web app included, listening on an ephemeral port. */
export async function startServer(overrides: ConfigOverrides = {}): Promise<{ app: FastifyInstance; url: string }> {
  if (!existsSync('dist/web/index.html')) throw new Error('build the web app first: npm run build:web');
  // A spike of sign-ups (tests make many) would ask every later one for the challenge: a test of it passes its own threshold.
  const app = await buildApp(
    defaultConfig({
      port: 0,
      dataDir: 'memory://',
      logLevel: 'silent',
      rateLimits: false,
      ...overrides,
      signupChallenge: { autoThreshold: 1_000_000, ...overrides.signupChallenge },
    }),
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** Collects what a user would count as breakage: script errors, console errors, CSP violations. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return problems;
}
