import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { messagesPlugin } from './server/i18n/messages.vite.js';

export default defineConfig({
  // The web's modules that tests import (message sentences, the i18n runtime) use runes and the catalogues.
  plugins: [svelte(), messagesPlugin()],
  // Tests render pages from the source (web/src/entry-server.ts), with the server's stand-in for sv-router, as the SSR build does.
  resolve: {
    alias: [{ find: /^sv-router$/, replacement: fileURLToPath(new URL('./web/src/ssr/sv-router.server.ts', import.meta.url)) }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    // Each file opens its own database; two workers match the two cores we have.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
