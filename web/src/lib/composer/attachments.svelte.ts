import { tick } from 'svelte';
import { t } from '../i18n.svelte';
import { insertBlock, placeholderFor, replacePlaceholder } from './upload-text';
import UploadList from './UploadList.svelte';
import { UploadQueue } from './uploads.svelte';

export interface AttachmentsOptions {
  /** The text the placeholders go into (the composer's draft). */
  draft: () => { body: string };
  textarea: () => HTMLTextAreaElement | undefined;
  /** The community the text is for (its slug). */
  community: () => string | null | undefined;
  /** The widget's bearer token. */
  token?: () => string | null | undefined;
  /** What to tell the reader about a refused upload (error-text.ts errorText; passed in, which keeps it in the composer's chunk). */
  describeError: (error: unknown) => string;
  /** The upload code could not be loaded (offline): the composer shows this. */
  onerror: (message: string) => void;
}

/**
 * A composer's uploads (attach-events.ts loads this on the first file): a placeholder goes into
 * the text at the caret, the queue uploads the file, and the file's Markdown takes the
 * placeholder's place, with the writer's caret kept where it was. `List` renders the queue.
 */
export class Attachments {
  readonly queue: UploadQueue;
  readonly List = UploadList;

  constructor(private readonly options: AttachmentsOptions) {
    this.queue = new UploadQueue({ replace: (placeholder, replacement) => this.replace(placeholder, replacement) }, options);
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  get stalled(): boolean {
    return this.queue.stalled;
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  sent(): void {
    this.queue.dismissFailed();
  }

  /** Starts uploading `files` into the text, at the caret (or in place of the selection). */
  add(files: readonly File[]): void {
    const draft = this.options.draft();
    const textarea = this.options.textarea();
    const start = textarea?.selectionStart ?? draft.body.length;
    const end = textarea?.selectionEnd ?? start;
    const placeholders: string[] = [];
    for (const file of files) {
      placeholders.push(placeholderFor(t('common.composer.upload.placeholder', { name: file.name }), `${draft.body}\n${placeholders.join('\n')}`));
    }
    const { text, caret } = insertBlock(draft.body, start, end, placeholders.join('\n'));
    draft.body = text;
    void tick().then(() => {
      textarea?.focus();
      textarea?.setSelectionRange(caret, caret);
    });
    files.forEach((file, i) => this.queue.start(file, placeholders[i]!));
  }

  /** Replaces the first `placeholder` in the text, keeping the writer's caret where it was. */
  replace(placeholder: string, replacement: string): boolean {
    const draft = this.options.draft();
    const before = draft.body;
    const { text, found } = replacePlaceholder(before, placeholder, replacement);
    if (!found) return false;
    const textarea = this.options.textarea();
    const selection = textarea && document.activeElement === textarea ? [textarea.selectionStart, textarea.selectionEnd] : null;
    draft.body = text;
    if (selection && textarea) {
      const at = before.indexOf(placeholder);
      const delta = text.length - before.length;
      // After the placeholder: moved by the change; inside it: to the end of what replaced it.
      const moved = (p: number) => (p >= at + placeholder.length ? p + delta : Math.min(p, at + Math.max(0, placeholder.length + delta)));
      void tick().then(() => textarea.setSelectionRange(moved(selection[0]!), moved(selection[1]!)));
    }
    return true;
  }
}
