declare module 'virtual:parley-i18n/app' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
declare module 'virtual:parley-i18n/embed' {
  const bundle: import('./lib/i18n.svelte').MessageBundle;
  export default bundle;
}
