import type { IdeaStatus } from './api.js';
import { t } from './i18n.svelte';

/** Badge.svelte's tones (repeated here so that this file also loads outside Svelte, in tests). */
type BadgeTone = 'neutral' | 'accent' | 'success' | 'warning' | 'danger' | 'info';

const status = (id: IdeaStatus, tone: BadgeTone) => ({
  /** In the reader's language, read when shown (so it follows a change of language). */
  get label(): string {
    return t('app.idea_status', { status: id });
  },
  tone,
});

/** How an idea's status reads, and its badge colour. */
export const IDEA_STATUS: Record<IdeaStatus, { readonly label: string; tone: BadgeTone }> = {
  under_review: status('under_review', 'info'),
  planned: status('planned', 'accent'),
  in_progress: status('in_progress', 'warning'),
  shipped: status('shipped', 'success'),
  declined: status('declined', 'neutral'),
};
