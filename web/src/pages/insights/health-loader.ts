/**
 * Loads the community page's public health panel only for communities that show one: most do
 * not, and the community page is part of the app's first load.
 *
 * The dynamic import lives here, not in CommunityPage: sv-router 0.16 tells lazy routes from
 * components by matching `() => import(` in a function's source (see topics/idea-tools-loader.ts).
 */
export type CommunityHealthPanel = typeof import('../communities/CommunityHealth.svelte').default;

export function loadCommunityHealth(): Promise<CommunityHealthPanel> {
  return import('../communities/CommunityHealth.svelte').then((module) => module.default);
}
