import type { FastifyInstance, InjectOptions } from 'fastify';
import { createApi, type ApiClient } from '../../web/src/lib/api.js';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Talks to the app like a browser would: keeps the session cookie and sends an Origin.
 *
 * Two ways in. `api` is the SPA's own typed client (web/src/lib/api.ts) running over
 * `app.inject`: its arguments and answers are the server schemas' types, and an error reply
 * throws an ApiError with its `code`. The raw `get`/`post`/… return whatever was answered, for
 * tests about status codes, headers and malformed requests.
 */
export class TestClient {
  cookie: string | null = null;
  bearer: string | null = null;
  origin: string | null;
  /** The status of the last reply, e.g. to tell a 201 from a 200 after an `api` call. */
  lastStatus: number | null = null;
  /** The SPA's typed API client, over this client's session. */
  readonly api: ApiClient;

  constructor(
    private readonly app: FastifyInstance,
    opts: { origin?: string | null } = {},
  ) {
    this.origin = opts.origin ?? null;
    this.api = createApi({ fetch: this.fetch });
  }

  async request<T = any>(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await this.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}) });
    let body: any = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers, text: res.body };
  }

  get<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, undefined, headers);
  }
  post<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, payload ?? {}, headers);
  }
  put<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', url, payload ?? {}, headers);
  }
  patch<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', url, payload ?? {}, headers);
  }
  delete<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', url, undefined, headers);
  }

  /** `fetch` onto `app.inject`, for the typed client: same cookie, bearer and Origin as the raw calls. */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string') throw new Error('TestClient.fetch takes the path as a string, as the API client sends it');
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new Error('TestClient.fetch sends text bodies only');
    const res = await this.inject({ method: (init.method ?? 'GET') as Method, url: input, headers, ...(body ? { payload: body } : {}) });
    const answer = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, String(v));
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : res.body, { status: res.statusCode, statusText: res.statusMessage, headers: answer });
  };

  private async inject(options: InjectOptions & { method: Method; url: string; headers: Record<string, string> }) {
    const h: Record<string, string> = { ...options.headers };
    if (this.origin && !('origin' in h)) h.origin = this.origin;
    if (this.cookie && !('cookie' in h)) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await this.app.inject({ ...options, headers: h });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      if (!pair?.startsWith('parley_session=')) continue;
      this.cookie = /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c) || pair === 'parley_session=' ? null : pair;
    }
    this.lastStatus = res.statusCode;
    return res;
  }
}
