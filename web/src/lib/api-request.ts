/**
 * The HTTP core of the API client: one request function with the errors, headers and language
 * every call shares. The forum's client (api.ts) puts a method per route on top of it; the widget
 * uses this core alone with the few routes it needs (embed-api.ts), which keeps its first load small.
 */
import type { Static } from 'typebox';
import type * as common from '../../../server/schemas/common.schema.js';
import { apiUrl, type Query } from './api-url.js';

export type { Query };

/** The body of every error reply (Fastify's shape plus a stable `code`). */
export type ApiErrorBody = Static<typeof common.ErrorResponse>;

/** A page of a list, and the cursor for the next one (null at the end). */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * An error reply from the API, or a failure to reach it at all (`status` 0, `code` "network_error").
 * Branch on `code` (stable snake_case) or `status`; `message` is for humans.
 */
export class ApiError extends Error implements ApiErrorBody {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly error: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(body: ApiErrorBody, options?: { cause?: unknown }) {
    super(body.message, options);
    this.status = body.statusCode;
    this.code = body.code;
    this.error = body.error;
    this.details = body.details;
  }

  /** Alias of `status`, matching the wire format. */
  get statusCode(): number {
    return this.status;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  toJSON(): ApiErrorBody {
    const body: ApiErrorBody = { statusCode: this.status, error: this.error, code: this.code, message: this.message };
    if (this.details) body.details = this.details;
    return body;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.statusCode === 'number' && typeof v.code === 'string' && typeof v.message === 'string';
}

/** True for the error a fetch throws when its AbortSignal fires (not a failure to report). */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

export interface ApiClientOptions {
  /**
   * Origin of the Parley server, e.g. "http://127.0.0.1:3000". Empty (the default) means the
   * current page's origin: what the SPA and the embed iframe use. Node callers must set it.
   */
  baseUrl?: string;
  /** A bearer token (embed sessions, API clients), or a function read before every request. */
  token?: string | (() => string | null | undefined);
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** The reader's language, sent as Accept-Language so error messages come back in it. */
  language?: () => string | null | undefined;
  /** A reply the page already holds for a GET of this URL (lib/page-data.ts takePreloadedReply), used once. */
  embedded?: (url: string) => { value: unknown } | undefined;
}

/** Per-call options every function accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface RequestOptions extends CallOptions {
  query?: Query;
  body?: unknown;
}

/** The page's language (i18n.svelte.ts keeps `<html lang>` on the reader's locale). */
export const pageLanguage = () => (globalThis as { document?: { documentElement: { lang: string } } }).document?.documentElement.lang;

export function createRequester(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  // Looked up per call, so a test can stub globalThis.fetch after creating the client.
  const doFetch: typeof globalThis.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  const tokenOf = typeof options.token === 'function' ? options.token : () => options.token as string | undefined;

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = `${baseUrl}${apiUrl(path, opts.query)}`;
    // A server-rendered page carries the replies it was rendered from: the first read of each is answered from it.
    if (method === 'GET' && options.embedded) {
      const embedded = options.embedded(apiUrl(path, opts.query));
      if (embedded) return embedded.value as T;
    }

    const headers: Record<string, string> = { accept: 'application/json' };
    const token = tokenOf();
    if (token) headers.authorization = `Bearer ${token}`;
    const language = options.language?.();
    if (language) headers['accept-language'] = language;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }

    let res: Response;
    try {
      res = await doFetch(url, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
    } catch (cause) {
      if (isAbortError(cause)) throw cause;
      throw new ApiError({ statusCode: 0, error: 'Network Error', code: 'network_error', message: 'Could not reach the server.' }, { cause });
    }

    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      throw new ApiError(
        isErrorBody(data)
          ? { ...data, error: typeof data.error === 'string' ? data.error : res.statusText }
          : { statusCode: res.status, error: res.statusText, code: `http_${res.status}`, message: `The server answered ${res.status}.` },
      );
    }
    if (data === undefined) {
      throw new ApiError({
        statusCode: res.status,
        error: 'Bad Response',
        code: 'bad_response',
        message: 'The server sent a reply that is not JSON.',
      });
    }
    return data as T;
  }

  /** A list reply (`L`: its schema's type), as a Paged of its items. */
  const paged = async <L extends Paged<unknown>>(path: string, query: Query, opts?: CallOptions): Promise<Paged<L['items'][number]>> => {
    const page = await request<L>('GET', path, { ...opts, query });
    return { items: page.items, nextCursor: page.nextCursor ?? null };
  };

  return { request, paged };
}

export type Requester = ReturnType<typeof createRequester>;
