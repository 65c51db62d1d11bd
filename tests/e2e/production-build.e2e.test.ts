import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `npm start` runs in production: the compiled server (dist/app, no TypeScript loader) with
// its catalogues, migrations and the built web app found from where the build put them.

const ENTRY = 'dist/app/server/main.js';
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  if (!existsSync(ENTRY)) throw new Error('build the app first: npm run build');
  server = spawn(process.execPath, [ENTRY], {
    env: { ...process.env, DATABASE_URL: '', PARLEY_DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PARLEY_RATE_LIMITS: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the compiled server exited (code ${code}) before listening`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const listening = /listening on (http:\/\/\S+)/.exec(line);
      if (listening) resolve(listening[1]!);
    });
  });
});

/** As sent (fetch would undo the compression before the test could see it). */
function raw(url: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

afterAll(async () => {
  if (server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
});

describe('the production build', () => {
  it('starts on the embedded database with its migrations applied and the demo seeded', async () => {
    const health = await fetch(`${base}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok', db: 'pglite' });
    const communities = (await (await fetch(`${base}/api/communities`)).json()) as { items: { slug: string }[] };
    expect(communities.items.map((c) => c.slug)).toContain('demo');
  });

  it('renders pages in the reader’s language, compressed', async () => {
    for (const [language, lang] of [
      ['en', 'en'],
      ['de-DE,de;q=0.9', 'de'],
    ]) {
      // The community list: its language is the reader's (a community page would be in the community's).
      const { res, body } = await raw(`${base}/`, { accept: 'text/html', 'accept-language': language!, 'accept-encoding': 'br' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      const html = brotliDecompressSync(body).toString();
      expect(html).toContain(`<html lang="${lang}"`);
      expect(html).toContain('Acme Lamps (demo)');
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
