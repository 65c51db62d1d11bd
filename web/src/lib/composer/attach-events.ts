/**
 * What both composers (forum and widget) wire to their textarea and picker to take files: small,
 * because the forum's composer is in its first load. The upload code itself (attachments.svelte.ts,
 * the queue, its list, the request) loads on the first file.
 */
import { t } from '../i18n.svelte';
import type { Attachments, AttachmentsOptions } from './attachments.svelte';

const FILE_EXTENSIONS: Record<string, string> = { 'application/pdf': '.pdf', 'text/plain': '.txt' };

/**
 * The file picker's `accept`: images, and the file types the community allows. The server decides
 * by the bytes; this only spares a refusal.
 */
export const acceptFor = (fileTypes: readonly string[] = []): string =>
  ['image/png', 'image/jpeg', 'image/webp', 'image/gif', ...fileTypes.flatMap((type) => (FILE_EXTENSIONS[type] ? [type, FILE_EXTENSIONS[type]] : []))].join(
    ',',
  );

/** The files picked, and the picker emptied (so the same file can be picked again after a cancel). */
export function pickedFiles(input: HTMLInputElement): File[] {
  const files = [...(input.files ?? [])];
  input.value = '';
  return files;
}

/** A pasted screenshot or image; text (even with a picture of it, as office programs copy) pastes as text. */
export function pastedFiles(event: ClipboardEvent): File[] {
  const data = event.clipboardData;
  if (!data || data.files.length === 0 || data.getData('text/plain') !== '') return [];
  event.preventDefault();
  return [...data.files];
}

/** Files dragged over the textarea may be dropped there (true while they are). */
export function acceptsDrag(event: DragEvent): boolean {
  if (!event.dataTransfer?.types.includes('Files')) return false;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
  return true;
}

export function droppedFiles(event: DragEvent): File[] {
  const files = event.dataTransfer?.files;
  if (!files || files.length === 0) return [];
  event.preventDefault();
  return [...files];
}

export interface LazyAttachments {
  /** Uploads `files` into the text at the caret (loading the upload code first). */
  add(files: readonly File[]): void;
  /** Something is uploading, or about to: a send waits. */
  busy(): boolean;
  /** An upload gave up on the connection and still holds its place in the text: a send must not go out. */
  stalled(): boolean;
  /** Resolves once nothing is uploading. */
  settled(): Promise<void>;
  /** After a send: refusals shown so far are done with. */
  sent(): void;
}

/**
 * A composer's uploads, loaded on the first file by `importer` (`() => import('…/attachments.svelte')`,
 * written in the composer: a dynamic import here would cost both first loads a chunk of its own);
 * `loaded` hands the composer what to render.
 */
export function lazyAttachments(
  importer: () => Promise<typeof import('./attachments.svelte')>,
  options: AttachmentsOptions,
  loaded: (attachments: Attachments) => void,
): LazyAttachments {
  let current: Attachments | null = null;
  let loading: Promise<Attachments | null> | null = null;
  let waiting = 0;
  const load = () =>
    (loading ??= importer().then(
      ({ Attachments }) => {
        current = new Attachments(options);
        loaded(current);
        return current;
      },
      () => {
        // Next time, try again: the connection may be back.
        loading = null;
        options.onerror(t('common.errors.network'));
        return null;
      },
    ));
  return {
    add(files) {
      if (files.length === 0) return;
      waiting++;
      void load()
        .then((attachments) => attachments?.add(files))
        .finally(() => waiting--);
    },
    busy: () => waiting > 0 || (current?.busy ?? false),
    stalled: () => current?.stalled ?? false,
    async settled() {
      await loading;
      await current?.settled();
    },
    sent: () => current?.sent(),
  };
}
