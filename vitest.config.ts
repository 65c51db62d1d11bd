import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { messagesPlugin } from './server/i18n/messages.vite.js';

/** Files that replace modules (vi.mock) or the clock: they get modules of their own. */
const ISOLATED = [
  'tests/races.accepted-answer.test.ts',
  'tests/races.reply-vs-moderation.test.ts',
  'tests/races.writes-after-checks.test.ts',
  'tests/live.client.test.ts',
];

export default defineConfig({
  // The web's modules that tests import (message sentences, the i18n runtime) use runes and the catalogues.
  plugins: [svelte(), messagesPlugin()],
  // Tests render pages from the source (web/src/entry-server.ts), with the server's stand-in for sv-router, as the SSR build does.
  resolve: {
    alias: [{ find: /^sv-router$/, replacement: fileURLToPath(new URL('./web/src/ssr/sv-router.server.ts', import.meta.url)) }],
  },
  test: {
    // Each file opens its own database, a copy of one migrated here once per run; two workers match the two cores we have.
    globalSetup: ['tests/helpers/database-template.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'node_modules/**', ...ISOLATED],
          // A worker keeps the modules it has loaded from one file to the next: loading the server
          // again for each of 130 files was a third of the suite's time. Nothing in server/ keeps
          // state at module level that is not keyed by its database (WeakMaps over Db).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
