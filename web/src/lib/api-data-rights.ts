/**
 * The API calls of a member's data rights: download the archive of their data, delete their
 * account. Kept out of api.ts: only the settings page, loaded on first use, carries them.
 */
import type { Static } from 'typebox';
import type * as dataRights from '../../../server/safety/data-rights/data-rights.schema.js';
import { api, type CallOptions } from './api';
import { ApiError, pageLanguage } from './api-request';
import { apiUrl } from './api-url';

type Request = typeof api.request;

export type DeleteAccountBody = Static<typeof dataRights.DeleteAccountBody>;
export type DeletionContent = DeleteAccountBody['content'];
export const DELETION_CONTENT = ['anonymise', 'remove'] as const satisfies readonly DeletionContent[];
type Assert<T extends true> = T;
export type DeletionChoicesAreComplete = Assert<[DeletionContent] extends [(typeof DELETION_CONTENT)[number]] ? true : false>;

export interface Archive {
  blob: Blob;
  fileName: string;
}

/** The file name the server chose (Content-Disposition), else a plain one. */
const fileNameOf = (disposition: string | null): string => /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? 'parley-export.json';

export function dataRightsCalls(request: Request) {
  return {
    /**
     * `GET /api/me/export` as a file, not as parsed JSON: the archive can be large, and is handed to
     * the browser to save as it came. `429 too_many_exports` past a few an hour.
     */
    async exportArchive(opts?: CallOptions): Promise<Archive> {
      const headers: Record<string, string> = { accept: 'application/json' };
      const language = pageLanguage();
      if (language) headers['accept-language'] = language;
      let res: Response;
      try {
        res = await fetch(apiUrl('/me/export'), { headers, credentials: 'same-origin', signal: opts?.signal });
      } catch (cause) {
        throw new ApiError({ statusCode: 0, error: 'Network Error', code: 'network_error', message: 'Could not reach the server.' }, { cause });
      }
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as ConstructorParameters<typeof ApiError>[0] | null;
        throw new ApiError(
          body?.code ? body : { statusCode: res.status, error: res.statusText, code: `http_${res.status}`, message: `The server answered ${res.status}.` },
        );
      }
      return { blob: await res.blob(), fileName: fileNameOf(res.headers.get('content-disposition')) };
    },
    /** `DELETE /api/me`: `403 invalid_credentials` (password), `400 confirm_required` / `403 confirm_mismatch` (accounts without one). */
    async deleteAccount(body: DeleteAccountBody, opts?: CallOptions): Promise<void> {
      await request<void>('DELETE', '/me', { ...opts, body });
    },
  };
}

export const dataRightsApi = dataRightsCalls(api.request);
