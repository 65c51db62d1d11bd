/**
 * The upload queue of one composer (forum and widget alike), loaded on the first paste, drop or
 * pick (attach-events.ts): each file uploads with its progress, can be cancelled, and tries
 * again by itself after a lost connection (the server stores a file by its bytes, so a repeated
 * send is the same upload). Its placeholder in the text becomes the file's Markdown when done, and
 * goes away on cancel or a refusal.
 */
import { ApiError, isAbortError, pageLanguage } from '../api-request';
import { uploadFile } from '../api-uploads';
import { t } from '../i18n.svelte';
import { uploadMarkdown } from './upload-text';

/** Where the placeholders are: the composer's text, edited so the writer's caret stays put. */
export interface TextHost {
  /** Replaces the first `placeholder` ('' removes it); false when the writer has taken it out. */
  replace(placeholder: string, replacement: string): boolean;
}

export interface UploadContext {
  /** The community the text is for (its slug), when known. */
  community: () => string | null | undefined;
  /** The widget's bearer token. */
  token?: () => string | null | undefined;
  /** What to tell the reader about a refused upload. */
  describeError: (error: unknown) => string;
}

/**
 * uploading → done (gone from the list) | retrying (a lost connection, tried again by itself) |
 * stalled (still no connection: the placeholder stays, the writer tries again or cancels) |
 * failed (refused: the placeholder is gone, the reason shows until dismissed).
 */
export type UploadStatus = 'uploading' | 'retrying' | 'stalled' | 'failed';

/** Waits before each automatic retry after a lost connection. */
export const RETRY_DELAYS_MS = [1000, 3000, 9000];

/** A lost connection or a server that could not answer now: worth sending the same bytes again. */
export const isRetryable = (error: unknown): boolean => error instanceof ApiError && (error.status === 0 || error.status === 408 || error.status >= 500);

let nextId = 1;

export class UploadItem {
  readonly id = nextId++;
  status: UploadStatus = $state('uploading');
  /** 0 to 1. */
  progress = $state(0);
  /** Why it failed or stalled, in the reader's language. */
  message: string | null = $state(null);
  controller = new AbortController();

  constructor(
    readonly file: File,
    readonly placeholder: string,
  ) {}

  get name(): string {
    return this.file.name;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

export class UploadQueue {
  items: UploadItem[] = $state([]);
  /** For screen readers: the last upload that finished. */
  announcement = $state('');
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly host: TextHost,
    private readonly context: UploadContext,
  ) {}

  /** Something is uploading or about to try again: a send waits for it. */
  get busy(): boolean {
    return this.items.some((item) => item.status === 'uploading' || item.status === 'retrying');
  }

  /** An upload gave up on the connection and its placeholder is still in the text: a send must not go out. */
  get stalled(): boolean {
    return this.items.some((item) => item.status === 'stalled');
  }

  /** Uploads `file` into the place `placeholder` holds in the text. */
  start(file: File, placeholder: string): void {
    this.#run(new UploadItem(file, placeholder));
  }

  retry(item: UploadItem): void {
    if (item.status !== 'stalled') return;
    item.controller = new AbortController();
    this.#run(item);
  }

  /** Stops an upload and takes its placeholder out; a refused one is only dismissed. */
  cancel(item: UploadItem): void {
    item.controller.abort();
    if (item.status !== 'failed') this.host.replace(item.placeholder, '');
    this.#forget(item);
  }

  /** Resolves once nothing is uploading (finished, stalled, refused or cancelled). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** After a send: refusals shown so far are done with. */
  dismissFailed(): void {
    this.items = this.items.filter((item) => item.status !== 'failed');
  }

  #run(item: UploadItem): void {
    if (!this.items.includes(item)) this.items.push(item);
    const running = this.#attempts(item).finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  async #attempts(item: UploadItem): Promise<void> {
    const { signal } = item.controller;
    item.message = null;
    for (let attempt = 0; ; attempt++) {
      item.status = attempt === 0 ? 'uploading' : 'retrying';
      item.progress = 0;
      try {
        const upload = await uploadFile(item.file, {
          community: this.context.community(),
          token: this.context.token?.(),
          language: pageLanguage(),
          signal,
          onProgress: (fraction) => (item.progress = fraction),
        });
        if (signal.aborted) return;
        this.host.replace(item.placeholder, uploadMarkdown(upload, item.file.name));
        this.#forget(item);
        this.announcement = t('common.composer.upload.done', { name: item.name });
        return;
      } catch (error) {
        if (signal.aborted || isAbortError(error)) return;
        const delay = RETRY_DELAYS_MS[attempt];
        if (isRetryable(error) && delay !== undefined) {
          item.status = 'retrying';
          if (await pause(delay, signal)) continue;
          return;
        }
        item.message = t('common.composer.upload.failed', { name: item.name, reason: this.context.describeError(error) });
        if (isRetryable(error)) {
          item.status = 'stalled';
        } else {
          item.status = 'failed';
          this.host.replace(item.placeholder, '');
        }
        return;
      }
    }
  }

  #forget(item: UploadItem): void {
    this.items = this.items.filter((other) => other !== item);
  }
}
