import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { scene } from './helpers/factories.js';
import { CSP_DIRECTIVES } from '../server/security/security.plugin.js';

// Helmet's headers are worked out once per set of options instead of per request
// (server/security/security-headers.ts): what a browser gets must be what helmet itself sends.

const SITE: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/** The headers helmet's own middleware sets on a real response. */
async function helmetOnARealServer(options: HelmetOptions): Promise<IncomingHttpHeaders> {
  const middleware = helmet(options);
  const server = createServer((req, res) => middleware(req, res, () => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return Object.fromEntries(res.headers);
  } finally {
    server.close();
  }
}

const SECURITY = /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-)/;
const securityHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => SECURITY.test(name) && name !== 'x-parley-cache' && name !== 'x-robots-tag' && name !== 'x-request-id'),
  );

let t: TestApp;
let slug: string;
beforeAll(async () => {
  t = await startTestApp();
  slug = (await scene(t)).slug;
});
afterAll(() => t.close());

describe('security headers', () => {
  it('are exactly the ones helmet sends for the site’s options, on API answers and on unknown paths', async () => {
    const expected = securityHeaders(await helmetOnARealServer(SITE));
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    for (const url of ['/api/health', `/api/communities/${slug}`, '/api/no-such-route']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(securityHeaders(res.headers), url).toEqual(expected);
    }
  });

  it('follow a route’s own helmet options over the site’s: the embed loader may be loaded by any site', async () => {
    const expected = securityHeaders(await helmetOnARealServer({ ...SITE, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
    const res = await t.app.inject({ method: 'GET', url: '/embed.js' });
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(securityHeaders(res.headers)).toEqual(expected);
  });
});
