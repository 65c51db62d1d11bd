/**
 * Vite plugin: the catalogues (server/i18n/catalogues.ts) as modules of compiled message functions,
 * so browsers get plain functions and a few hundred bytes of runtime instead of an ICU parser.
 *
 *   import i18n from 'virtual:parley-i18n/app'   // or /embed
 *   i18n.locales        every locale, pseudo-locales included
 *   i18n.source         the source (English) messages, in the bundle
 *   i18n.load('de')     any other locale: its own chunk, loaded on demand
 */
import type { Plugin } from 'vite';
import { createRequire } from 'node:module';
import { LOCALES_DIR, catalogueLocales, messageFormat, readCatalogues, scoped, type Scope } from './catalogues.js';
import { SOURCE_LOCALE } from './locales.js';

// CommonJS (module.exports = the function) with types that declare a default export: see catalogues.ts.
const compileModule = createRequire(import.meta.url)(
  '@messageformat/core/compile-module',
) as typeof import('@messageformat/core/lib/compile-module.js').default;

const INDEX = 'virtual:parley-i18n/';
const MESSAGES = 'virtual:parley-messages/';

export function messagesPlugin(): Plugin {
  return {
    name: 'parley-messages',
    resolveId(id) {
      if (id.startsWith(INDEX) || id.startsWith(MESSAGES)) return `\0${id}`;
      return undefined;
    },
    load(id) {
      if (!id.startsWith('\0virtual:parley-')) return undefined;
      for (const locale of catalogueLocales()) this.addWatchFile(`${LOCALES_DIR}${locale}.json`);
      const catalogues = readCatalogues();
      if (id.startsWith(`\0${INDEX}`)) {
        const scope = id.slice(INDEX.length + 1) as Scope;
        const locales = [...catalogues.keys()];
        // The source is in the bundle already: importing it again would only make it a chunk of its own.
        const cases = locales
          .filter((l) => l !== SOURCE_LOCALE)
          .map((l) => `    case ${JSON.stringify(l)}: return import(${JSON.stringify(`${MESSAGES}${scope}/${l}`)}).then((m) => m.default);`);
        return [
          `import source from ${JSON.stringify(`${MESSAGES}${scope}/${SOURCE_LOCALE}`)};`,
          `export default {`,
          `  locales: ${JSON.stringify(locales)},`,
          `  source,`,
          `  load(locale) {`,
          `    switch (locale) {`,
          `      case ${JSON.stringify(SOURCE_LOCALE)}: return Promise.resolve(source);`,
          ...cases,
          `      default: return Promise.resolve(undefined);`,
          `    }`,
          `  },`,
          `};`,
        ].join('\n');
      }
      const [scope, locale] = id.slice(MESSAGES.length + 1).split('/') as [Scope, string];
      const messages = catalogues.get(locale);
      if (!messages) throw new Error(`no catalogue for ${locale}`);
      return compileModule(messageFormat(locale), scoped(messages, scope));
    },
  };
}
