/**
 * `POST /api/uploads` (API.md "Uploads"), for the forum and the widget alike. XMLHttpRequest, not
 * fetch: only it reports the progress of a request body. Errors are the same ApiError the rest of
 * the client throws; an abort rejects with the DOMException a fetch would (isAbortError).
 */
import { ApiError, type ApiErrorBody } from './api-request.js';
import type { UploadedFile } from './composer/upload-text.js';

export interface UploadOptions {
  /** The community the file is for (its slug): it decides which file types other than images are allowed. */
  community?: string | null;
  /** The widget's bearer token; the forum sends its session cookie instead. */
  token?: string | null;
  /** Sent as Accept-Language, so an error's message comes back in the reader's language. */
  language?: string | null;
  /** The share of the file sent, 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

const networkError = () => new ApiError({ statusCode: 0, error: 'Network Error', code: 'network_error', message: 'Could not reach the server.' });

function errorFrom(status: number, statusText: string, data: unknown): ApiError {
  const body = data as Partial<ApiErrorBody> | null;
  if (body && typeof body.code === 'string' && typeof body.message === 'string') {
    return new ApiError({
      statusCode: status,
      error: typeof body.error === 'string' ? body.error : statusText,
      code: body.code,
      message: body.message,
      details: body.details,
    });
  }
  return new ApiError({ statusCode: status, error: statusText, code: `http_${status}`, message: `The server answered ${status}.` });
}

export function uploadFile(file: File, options: UploadOptions = {}): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const settle = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', '/api/uploads');
    xhr.setRequestHeader('accept', 'application/json');
    if (options.token) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    if (options.language) xhr.setRequestHeader('accept-language', options.language);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      settle();
      let data: unknown;
      try {
        data = JSON.parse(xhr.responseText) as unknown;
      } catch {
        data = null;
      }
      const upload = (data as { upload?: UploadedFile } | null)?.upload;
      if (xhr.status >= 200 && xhr.status < 300 && upload && typeof upload.url === 'string') resolve(upload);
      else if (xhr.status >= 200 && xhr.status < 300)
        reject(new ApiError({ statusCode: xhr.status, error: 'Bad Response', code: 'bad_response', message: 'The server sent a reply that is not JSON.' }));
      else reject(errorFrom(xhr.status, xhr.statusText, data));
    };
    xhr.onerror = xhr.ontimeout = () => {
      settle();
      reject(networkError());
    };
    xhr.onabort = () => {
      settle();
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const form = new FormData();
    // Before the file: the server reads the parts in order and needs the community to judge the file.
    if (options.community) form.append('community', options.community);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
