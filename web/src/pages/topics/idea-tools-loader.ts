/**
 * Loads an idea's controls (vote, status banner, status form) on demand: one chunk, fetched with
 * the first idea a reader opens.
 *
 * The dynamic import lives here, not in TopicPage: sv-router 0.16 tells lazy routes from
 * components by matching `() => import(` in a function's source, so a routed component whose
 * compiled code contains one is mistaken for a lazy route and called without arguments.
 */
export type IdeaTools = typeof import('./idea-tools');

export function loadIdeaTools(): Promise<IdeaTools> {
  return import('./idea-tools');
}
