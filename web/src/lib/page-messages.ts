import { SOURCE_LOCALE } from '../../../server/i18n/locales';
import { currentLocale, extendMessages, type Catalogue, type MessageBundle } from './i18n.svelte';

const pageBundles: { bundle: MessageBundle; loaded: Map<string, Catalogue> }[] = [];

async function pageMessages(locale: string): Promise<Catalogue> {
  const found = await Promise.all(
    pageBundles.map(async ({ bundle, loaded }) => {
      let catalogue = loaded.get(locale);
      if (!catalogue) {
        catalogue = locale === SOURCE_LOCALE ? bundle.source : await bundle.load(locale);
        if (catalogue) loaded.set(locale, catalogue);
      }
      return catalogue ?? {};
    }),
  );
  return Object.assign({}, ...found) as Catalogue;
}

/**
 * A page's own words (a page scope of server/i18n/catalogues.ts: `virtual:parley-i18n/<scope>`),
 * loaded with the page rather than with the app; from then on in whichever language the reader
 * switches to. Resolves once the current language's are in: a page module awaits it at its top,
 * so the page never shows in another language first.
 */
export async function addMessages(page: MessageBundle): Promise<void> {
  if (pageBundles.some((added) => added.bundle === page)) return;
  pageBundles.push({ bundle: page, loaded: new Map() });
  const source = Object.assign({}, ...pageBundles.map((p) => p.bundle.source)) as Catalogue;
  const locale = currentLocale();
  extendMessages(source, pageMessages, { locale, messages: await pageMessages(locale) });
}
