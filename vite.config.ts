import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type ProxyOptions } from 'vite';
import { messagesPlugin } from './server/i18n/messages.vite.js';

const webRoot = fileURLToPath(new URL('./web', import.meta.url));

/**
 * The HTML pages of the build, relative to web/: the SPA, and the embed iframe app (served by the
 * server for /embed/:community and /embed/:community/signin). embed.js, the small framework-free
 * loader for host pages, is a separate library-style build: vite.embed-loader.config.ts.
 */
const pages: Record<string, string> = {
  main: 'index.html',
  embed: 'embed.html',
};

/**
 * `/api` (HTTP and the /api/live WebSocket) goes to the Fastify server in development.
 * The Host header is kept (no changeOrigin): the server derives the site origin from it, so the
 * browser's `Origin` (the Vite dev server) passes the CSRF and WebSocket origin checks.
 */
const apiProxy: Record<string, ProxyOptions> = {
  '/api': { target: process.env.PARLEY_API_URL ?? 'http://127.0.0.1:3000', ws: true },
};

export default defineConfig({
  root: webRoot,
  // Keep Vite's dependency cache with the project's node_modules, not in web/.
  cacheDir: fileURLToPath(new URL('./node_modules/.vite', import.meta.url)),
  plugins: [svelte(), messagesPlugin()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The server reads it to link a lazily loaded page's CSS into the page it renders (server/pages).
    manifest: true,
    // Every browser that runs ES2022 either supports <link rel="modulepreload"> or safely ignores it.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: Object.fromEntries(Object.entries(pages).map(([name, file]) => [name, resolve(webRoot, file)])),
    },
  },
  server: { host: '127.0.0.1', proxy: apiProxy },
  preview: { host: '127.0.0.1', proxy: apiProxy },
});
