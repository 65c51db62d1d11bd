import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * embed.js, the loader host pages include (web/embed-loader/): one framework-free classic script
 * (an IIFE, so it runs from a plain `<script async src>` on any page), written next to the web app
 * in dist/web. Runs after the main build (vite.config.ts), which empties dist/web first.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web/embed-loader', import.meta.url)),
  cacheDir: fileURLToPath(new URL('./node_modules/.vite-embed-loader', import.meta.url)),
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: false,
    target: 'es2020',
    minify: true,
    copyPublicDir: false,
    lib: {
      entry: fileURLToPath(new URL('./web/embed-loader/loader.ts', import.meta.url)),
      formats: ['iife'],
      name: 'ParleyEmbedLoader',
      fileName: () => 'embed.js',
    },
  },
});
