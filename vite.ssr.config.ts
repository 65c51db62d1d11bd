import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vite';
import base from './vite.config.js';

/**
 * The server's build of the web app (`web/src/entry-server.ts`): the same components, compiled for
 * svelte/server, with sv-router replaced by its server stand-in (it reads `window.location`).
 * Output: dist/server/entry-server.js, which server/pages loads.
 */
export default mergeConfig(
  base,
  defineConfig({
    resolve: {
      alias: [{ find: /^sv-router$/, replacement: fileURLToPath(new URL('./web/src/ssr/sv-router.server.ts', import.meta.url)) }],
    },
    // Self-contained: the production image prunes dev dependencies (Svelte and its helpers among them).
    ssr: { noExternal: true },
    build: {
      ssr: 'src/entry-server.ts',
      outDir: '../dist/server',
      emptyOutDir: true,
      manifest: false,
      rolldownOptions: { input: undefined, output: { entryFileNames: '[name].js' } },
    },
  }),
);
