import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';

/**
 * The API as a browser on the site calls it (its Host and Origin, a member's session cookie), for
 * building a browser test's scene and making live changes while a page is open.
 */
export function siteApi(app: FastifyInstance, url: string) {
  const cookies: Record<string, string> = {};

  async function call<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    as: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const { host, origin } = new URL(url);
    const res = await app.inject({
      method,
      url: path,
      headers: { host, origin, ...(as ? { cookie: cookies[as]! } : {}), ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${path} answered ${res.statusCode}: ${res.body}`);
    return { json: res.json<T>(), headers: res.headers };
  }

  /** A member, signed up a week ago (first-day posting limits are not what browser tests are about). */
  async function signUp(handle: string, displayName: string): Promise<void> {
    const res = await call('POST', '/api/auth/signup', null, { handle, email: `${handle}@example.org`, password: 'correct horse battery', displayName });
    const setCookie = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('parley_session='));
    cookies[handle] = String(setCookie).split(';')[0]!;
    await app.parley.ctx.db.execute(sql`UPDATE users SET created_at = now() - interval '7 days' WHERE handle = ${handle}`);
  }

  return { call, signUp, cookies };
}
