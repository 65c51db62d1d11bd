/**
 * The catalogues as bundles (server/i18n/messages.vite.ts): `app`, `embed`, and each page scope of
 * server/i18n/catalogues.ts PAGE_SCOPES (a page's own words, loaded with the page: see
 * web/src/lib/page-messages.ts).
 */
declare module 'virtual:parley-i18n/*' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
