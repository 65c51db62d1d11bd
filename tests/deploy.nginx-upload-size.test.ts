/**
 * deploy/nginx.conf in a real nginx (when one is installed) in front of a small HTTP server standing
 * in for the app: small bodies everywhere, a file's size on the upload route only, and the same
 * proxy headers on every route (a location that sets a header of its own would lose the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../server/config/config.js';
import { NGINX_CONF as CONF, nginxInstalled, startNginx, type RunningNginx } from './helpers/nginx.js';

// Skipped on a machine without nginx, never in CI (.ci/run installs it): there it fails instead.
const runInNginx = nginxInstalled() || process.env.CI === 'true';
// What a browser wraps around one file in multipart/form-data is well under this.
const MULTIPART_ENVELOPE = 64 * 1024;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

describe('deploy/nginx.conf', () => {
  it('lets the largest file the app accepts, with its envelope, through the upload route', async () => {
    const conf = await readFile(CONF, 'utf8');
    const size = /location = \/api\/uploads \{[^}]*client_max_body_size (\d+)m;/.exec(conf);
    expect(size, 'a client_max_body_size in location = /api/uploads').not.toBeNull();
    expect(defaultConfig().uploads.maxFileBytes + MULTIPART_ENVELOPE).toBeLessThanOrEqual(Number(size![1]) * 1024 * 1024);
    expect(conf).toMatch(/^ {2}client_max_body_size 300k;$/m);
  });

  it('keeps no proxy_cache for uploaded files (who may fetch one is decided per reader)', async () => {
    const conf = await readFile(CONF, 'utf8');
    expect(conf).not.toMatch(/proxy_cache_path|proxy_cache\s+(?!off)/);
  });
});

describe.runIf(runInNginx)('deploy/nginx.conf in nginx', () => {
  let app: Server;
  let nginx: RunningNginx | undefined;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    app = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes }));
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    // The compose file's replicas become the stand-in, and the port a free one: nothing else changes.
    nginx = await startNginx({ upstreams: [`127.0.0.1:${(app.address() as AddressInfo).port}`] });
    base = nginx.base;
    seen.length = 0;
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  });

  const post = (path: string, bytes: number) =>
    fetch(base + path, {
      method: 'POST',
      body: new Uint8Array(bytes),
      headers: { 'content-type': 'application/octet-stream', 'x-forwarded-for': '203.0.113.9' },
    });

  it('refuses a body over 300k anywhere but the upload route, before the app sees it', async () => {
    const res = await post('/api/topics/1/posts', 400 * 1024);
    expect(res.status).toBe(413);
    expect(seen.find((s) => s.url === '/api/topics/1/posts')).toBeUndefined();
  });

  it('passes the largest file the app accepts to the upload route, whole', async () => {
    const bytes = defaultConfig().uploads.maxFileBytes + MULTIPART_ENVELOPE;
    const res = await post('/api/uploads', bytes);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes });
  });

  it('refuses more than that on the upload route too', async () => {
    const res = await post('/api/uploads', 10 * 1024 * 1024);
    expect(res.status).toBe(413);
  });

  it('sends the same proxy headers from every route', async () => {
    seen.length = 0;
    await post('/api/uploads', 10);
    await fetch(`${base}/uploads/${'a'.repeat(64)}.png`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    await fetch(`${base}/api/live`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(seen.map((s) => s.url)).toEqual(['/api/uploads', `/uploads/${'a'.repeat(64)}.png`, '/api/live']);
    for (const s of seen) {
      expect(s.headers.host, s.url).toBe(new URL(base).hostname);
      expect(s.headers['x-forwarded-for'], s.url).toBe('203.0.113.9, 127.0.0.1');
      expect(s.headers['x-forwarded-proto'], s.url).toBe('http');
    }
  });
});
