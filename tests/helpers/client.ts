import type { FastifyInstance, InjectOptions } from 'fastify';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Talks to the app like a browser would: keeps the session cookie and sends an Origin. */
export class TestClient {
  cookie: string | null = null;
  bearer: string | null = null;
  origin: string | null;

  constructor(private readonly app: FastifyInstance, opts: { origin?: string | null } = {}) {
    this.origin = opts.origin ?? null;
  }

  async request<T = any>(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.origin && !('origin' in h)) h.origin = this.origin;
    if (this.cookie && !('cookie' in h)) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const options: InjectOptions = { method, url, headers: h };
    if (payload !== undefined) options.payload = payload as InjectOptions['payload'];
    const res = await this.app.inject(options);
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = c.split(';');
      if (!pair?.startsWith('parley_session=')) continue;
      this.cookie = /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c) || pair === 'parley_session=' ? null : pair;
    }
    let body: any = res.body;
    try { body = res.body ? JSON.parse(res.body) : null; } catch { /* not JSON */ }
    return { status: res.statusCode, body, headers: res.headers, text: res.body };
  }

  get<T = any>(url: string, headers?: Record<string, string>) { return this.request<T>('GET', url, undefined, headers); }
  post<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) { return this.request<T>('POST', url, payload ?? {}, headers); }
  put<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) { return this.request<T>('PUT', url, payload ?? {}, headers); }
  patch<T = any>(url: string, payload?: unknown, headers?: Record<string, string>) { return this.request<T>('PATCH', url, payload ?? {}, headers); }
  delete<T = any>(url: string, headers?: Record<string, string>) { return this.request<T>('DELETE', url, undefined, headers); }
}
