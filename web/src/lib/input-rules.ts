/**
 * The server's input rules (handles, slugs, titles, posts, names…), the very values its schemas
 * validate with: forms check them before sending, so the two cannot disagree. The module is plain
 * data and two small functions; Vite bundles it like any web module.
 */
export * from '../../../server/rules/input-rules.js';
