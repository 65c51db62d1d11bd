import type { IdeaStatus } from './api.js';

/** Badge.svelte's tones (repeated here so that this file also loads outside Svelte, in tests). */
type BadgeTone = 'neutral' | 'accent' | 'success' | 'warning' | 'danger' | 'info';

/** How an idea's status reads, and its badge colour. */
export const IDEA_STATUS: Record<IdeaStatus, { label: string; tone: BadgeTone }> = {
  under_review: { label: 'Under review', tone: 'info' },
  planned: { label: 'Planned', tone: 'accent' },
  in_progress: { label: 'In progress', tone: 'warning' },
  shipped: { label: 'Shipped', tone: 'success' },
  declined: { label: 'Declined', tone: 'neutral' },
};
