import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PageRenderer } from './page-contract.js';

export type { PageRenderer };

/** The built client's manifest entry of a module: its file and its CSS. */
interface ManifestChunk {
  file: string;
  src?: string;
  css?: string[];
  isDynamicEntry?: boolean;
}

export interface WebBuild {
  /** dist/web/index.html: the page every render fills in. */
  template: string;
  /** The CSS and script of a page loaded on demand (a lazy route), by component name. */
  lazyAssets(componentName: string): { css: string[]; script: string | null };
}

/**
 * The built web app: its HTML template and manifest (`webDir`), and the server build
 * (`<webDir>/../server/entry-server.js`) unless the caller brings its own renderer (tests import
 * web/src/entry-server.ts through Vite). Null pieces when the web app was not built.
 */
export async function loadWebBuild(webDir: string): Promise<{ build: WebBuild | null; renderer: PageRenderer | null }> {
  const root = resolve(webDir);
  const templatePath = resolve(root, 'index.html');
  const build = existsSync(templatePath) ? readBuild(root, readFileSync(templatePath, 'utf8')) : null;
  const entry = resolve(root, '../server/entry-server.js');
  const renderer = existsSync(entry) ? ((await import(pathToFileURL(entry).href)) as PageRenderer) : null;
  return { build, renderer };
}

function readBuild(root: string, template: string): WebBuild {
  const manifestPath = resolve(root, '.vite/manifest.json');
  const manifest = (existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {}) as Record<string, ManifestChunk>;
  const chunks = Object.values(manifest);
  return {
    template,
    lazyAssets(componentName) {
      const chunk = chunks.find((c) => c.isDynamicEntry && c.src?.endsWith(`/${componentName}.svelte`));
      return { css: (chunk?.css ?? []).map((file) => `/${file}`), script: chunk ? `/${chunk.file}` : null };
    },
  };
}

/** The template of the source tree (tests without a build): its script is not served, the markup is what matters. */
export function sourceTemplate(webRoot: string): WebBuild {
  return { template: readFileSync(resolve(webRoot, 'index.html'), 'utf8'), lazyAssets: () => ({ css: [], script: null }) };
}
