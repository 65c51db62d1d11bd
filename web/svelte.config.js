/** Svelte options, read by vite-plugin-svelte (root web/) and svelte-check. */
export default {
  compilerOptions: {
    // Runes only: no legacy `export let`, `$:` or implicit reactivity anywhere in the app.
    runes: true,
  },
};
