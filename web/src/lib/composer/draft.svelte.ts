import { newClientId } from './client-id';
import { readDraft, removeDraft, withoutUploadPlaceholders, writeDraft } from './storage';

export interface DraftStart {
  /** The text a fresh draft starts from (an edit starts from the post's source). */
  body?: string;
  /** The form's other inputs when fresh (a new topic's kind and category…). */
  fields?: Record<string, string>;
}

/**
 * One draft, kept in localStorage under `key` as it changes and restored when the same place is
 * opened again. It carries the clientId of its send: made once, kept until the send succeeds
 * (`clear()`), so a retry after a network error repeats the same request instead of posting twice.
 *
 * Create it during component initialisation (it owns an effect). A draft that is back to its
 * starting point is removed from storage rather than saved.
 */
export class Draft {
  body = $state('');
  /** The post a reply answers (replies only). */
  replyToId: number | null = $state(null);
  fields: Record<string, string> = $state({});
  /** A stored draft was found when this one was created: the UI says so and offers to discard it. */
  restored = $state(false);
  #clientId: string;
  readonly #start: Required<DraftStart>;

  constructor(
    readonly key: string,
    start: DraftStart = {},
  ) {
    this.#start = { body: start.body ?? '', fields: { ...start.fields } };
    const stored = readDraft(key);
    if (stored) {
      this.body = stored.body;
      this.replyToId = stored.replyToId;
      this.fields = { ...this.#start.fields, ...stored.fields };
      this.#clientId = stored.clientId;
      this.restored = !this.#pristine();
    } else {
      this.body = this.#start.body;
      this.fields = { ...this.#start.fields };
      this.#clientId = newClientId();
    }

    // Saved on every change: one small write per keystroke is cheaper than losing a draft to a
    // closed tab, and effects already batch what changes in one tick.
    $effect(() => {
      const snapshot = { body: withoutUploadPlaceholders(this.body), replyToId: this.replyToId, fields: { ...this.fields } };
      if (this.#pristine()) removeDraft(key);
      else writeDraft(key, { ...snapshot, clientId: this.#clientId, savedAt: Date.now() });
    });
  }

  /** The idempotency key of this draft's send. */
  get clientId(): string {
    return this.#clientId;
  }

  /** Nothing was written yet (or it was all taken back). */
  get pristine(): boolean {
    return this.#pristine();
  }

  #pristine(): boolean {
    if (this.body !== this.#start.body || this.replyToId !== null) return false;
    const names = new Set([...Object.keys(this.fields), ...Object.keys(this.#start.fields)]);
    for (const name of names) if ((this.fields[name] ?? '') !== (this.#start.fields[name] ?? '')) return false;
    return true;
  }

  /** After a successful send, or when the writer discards it: back to the start, with a new clientId. */
  clear(): void {
    this.body = this.#start.body;
    this.replyToId = null;
    this.fields = { ...this.#start.fields };
    this.restored = false;
    this.#clientId = newClientId();
    removeDraft(this.key);
  }
}
