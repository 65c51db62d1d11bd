import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { messagesPlugin } from './server/i18n/messages.vite.js';

export default defineConfig({
  // The web's modules that tests import (message sentences, the i18n runtime) use runes and the catalogues.
  plugins: [svelte(), messagesPlugin()],
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
