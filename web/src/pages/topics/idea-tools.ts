/** An idea's controls, loaded on demand by the topic page (one chunk). */
export { default as IdeaStatusBanner } from './IdeaStatusBanner.svelte';
export { default as IdeaStatusForm } from './IdeaStatusForm.svelte';
export { default as IdeaVote } from './IdeaVote.svelte';
