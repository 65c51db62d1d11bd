/**
 * deploy/nginx.conf in a real nginx (when one is installed) in front of a small HTTP server standing
 * in for the app: small bodies everywhere, a file's size on the upload route only, and the same
 * proxy headers on every route (a location that sets a header of its own would lose the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../server/config/config.js';

const CONF = new URL('../deploy/nginx.conf', import.meta.url);
const nginxInstalled = spawnSync('nginx', ['-v']).error === undefined;
// Skipped on a machine without nginx, never in CI (.ci/run installs it): there it fails instead.
const runInNginx = nginxInstalled || process.env.CI === 'true';
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
  let dir: string;
  let app: Server;
  let nginx: ChildProcess;
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
    const appPort = (app.address() as AddressInfo).port;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;

    dir = await mkdtemp(join(tmpdir(), 'parley-nginx-'));
    // The compose file's replicas become the stand-in, and the port a free one: nothing else changes.
    const site = (await readFile(CONF, 'utf8'))
      .replace(/(upstream parley \{)[^}]*?(keepalive)/, `$1\n  server 127.0.0.1:${appPort};\n  $2`)
      .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
    await writeFile(join(dir, 'site.conf'), site);
    await writeFile(
      join(dir, 'nginx.conf'),
      // Started as root, nginx's workers would run as nobody, who may not write the temp files here.
      `${process.getuid?.() === 0 ? 'user root;\n' : ''}pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        `  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  include ${dir}/site.conf;\n}\n`,
    );
    const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    await waitFor(base);
    seen.length = 0;
  });

  afterAll(async () => {
    if (nginx?.pid) nginx.kill('SIGQUIT');
    await new Promise<void>((resolve) => (nginx?.exitCode === null ? nginx.once('exit', () => resolve()) : resolve()));
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
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

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not answer at ${url}`);
}
