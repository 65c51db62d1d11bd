declare module 'virtual:parley-i18n/app' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/embed' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
/** A page's own words (server/i18n/catalogues.ts PAGE_SCOPES), loaded with the page: see web/src/lib/page-messages.ts. */
declare module 'virtual:parley-i18n/insights' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/safety' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/account' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/calm' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/log' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
