/**
 * Drafts in localStorage, framework-free. Every access is guarded: storage can be missing
 * (privacy modes), full, or hold something another version of the app wrote.
 */

/** What is kept for one draft. `fields` carries the extra inputs of a form (a topic's title…). */
export interface StoredDraft {
  body: string;
  clientId: string;
  replyToId: number | null;
  fields: Record<string, string>;
  savedAt: number;
}

const PREFIX = 'parley:draft:';

/** The storage keys, one per place a draft is written. */
export const draftKeys = {
  reply: (topicId: number) => `${PREFIX}reply:${topicId}`,
  topic: (communitySlug: string) => `${PREFIX}topic:${communitySlug}`,
  edit: (postId: number) => `${PREFIX}edit:${postId}`,
};

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function readDraft(key: string): StoredDraft | null {
  try {
    const raw = storage()?.getItem(key);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredDraft> | null;
    if (!value || typeof value.body !== 'string' || typeof value.clientId !== 'string') return null;
    const fields: Record<string, string> = {};
    if (value.fields && typeof value.fields === 'object') {
      for (const [name, field] of Object.entries(value.fields)) if (typeof field === 'string') fields[name] = field;
    }
    return {
      body: value.body,
      clientId: value.clientId.slice(0, 64),
      replyToId: typeof value.replyToId === 'number' ? value.replyToId : null,
      fields,
      savedAt: typeof value.savedAt === 'number' ? value.savedAt : 0,
    };
  } catch {
    return null;
  }
}

// An upload's placeholder (upload-text.ts placeholderFor): an image with an empty URL.
const UPLOAD_PLACEHOLDER = /!\[[^\]\n]*\]\(\)[ \t]*\n?/g;

/**
 * The text to keep of a draft: without the placeholders of uploads still running, which after a
 * reload nothing would fill and which must not pass for images.
 */
export const withoutUploadPlaceholders = (body: string): string => body.replace(UPLOAD_PLACEHOLDER, '');

/** Returns false when the draft could not be kept (no storage, quota): the page still works. */
export function writeDraft(key: string, draft: StoredDraft): boolean {
  try {
    const store = storage();
    if (!store) return false;
    store.setItem(key, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function removeDraft(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    /* nothing to clean up then */
  }
}
