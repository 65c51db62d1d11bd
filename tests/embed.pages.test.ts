/**
 * The embed's documents: only /embed/:community may be framed, and only by the community's
 * allowed origins; the sign-in popup and every other page keep frame-ancestors 'none';
 * /embed.js is loadable from any host page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, signUp, unique } from './helpers/factories.js';
import type { Reply } from './helpers/client.js';

const WEB = './tests/fixtures/embed-web';
let t: TestApp;
let slug: string;
let closedSlug: string;
beforeAll(async () => {
  t = await startTestApp({ webDir: WEB });
  const admin = await signUp(t);
  slug = (await createCommunity(admin)).slug;
  const res = await admin.patch(`/api/communities/${slug}`, { embed: { allowedOrigins: ['https://blog.example', 'http://localhost:5173'] } });
  expect(res.status).toBe(200);
  closedSlug = (await createCommunity(admin)).slug;
});
afterAll(async () => {
  await t?.close();
});

const directives = (res: Reply) => {
  const csp = String(res.headers['content-security-policy'] ?? '');
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values.join(' ')] as const;
      }),
  );
};

describe('GET /embed/:community', () => {
  it('serves embed.html, frameable by exactly the allowed origins, not indexed, not cached', async () => {
    const res = await t.guest().get(`/embed/${slug}?url=${encodeURIComponent('https://blog.example/a')}&theme=dark&accent=%23ff0000`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toBe(readFileSync(`${WEB}/embed.html`, 'utf8'));
    const csp = directives(res);
    expect(csp.get('frame-ancestors')).toBe('https://blog.example http://localhost:5173');
    // The rest of the site's policy is unchanged.
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it("is frame-ancestors 'none' when the community allows no origin", async () => {
    const res = await t.guest().get(`/embed/${closedSlug}?url=${encodeURIComponent('https://blog.example/a')}`);
    expect(res.status).toBe(200);
    expect(directives(res).get('frame-ancestors')).toBe("'none'");
  });

  it('follows changes to the allowed origins at once', async () => {
    const admin = await signUp(t);
    const c = await createCommunity(admin);
    expect(directives(await t.guest().get(`/embed/${c.slug}`)).get('frame-ancestors')).toBe("'none'");
    await admin.patch(`/api/communities/${c.slug}`, { embed: { allowedOrigins: ['https://news.example'] } });
    expect(directives(await t.guest().get(`/embed/${c.slug}`)).get('frame-ancestors')).toBe('https://news.example');
  });

  it('is a stable 404 community_not_found for an unknown community, never frameable', async () => {
    const res = await t.guest().get(`/embed/nope-${unique()}`);
    expectError(res, 404, 'community_not_found');
    expect(directives(res).get('frame-ancestors')).toBe("'none'");
  });
});

describe('GET /embed/:community/signin', () => {
  it('serves the same HTML as a popup that may never be framed, and keeps its opener', async () => {
    const res = await t.guest().get(`/embed/${slug}/signin`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(readFileSync(`${WEB}/embed.html`, 'utf8'));
    expect(directives(res).get('frame-ancestors')).toBe("'none'");
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
  });

  it('is 404 for an unknown community', async () => {
    expectError(await t.guest().get(`/embed/nope-${unique()}/signin`), 404, 'community_not_found');
  });
});

describe('GET /embed.js', () => {
  it('serves the loader as JavaScript, cacheable for 5 minutes, loadable cross-origin', async () => {
    const res = await t.guest().get('/embed.js');
    expect(res.status).toBe(200);
    expect(res.text).toBe(readFileSync(`${WEB}/embed.js`, 'utf8'));
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('every other page', () => {
  it("keeps frame-ancestors 'none' and X-Frame-Options", async () => {
    for (const path of ['/', `/c/${slug}`, `/c/${slug}/t/1`, '/embed', `/embed/${slug}/other`, '/api/health', `/api/embed/${slug}/config`, '/embed.html']) {
      const res = await t.guest().get(path);
      expect(res.status, path).toBeLessThan(500);
      expect(directives(res).get('frame-ancestors'), path).toBe("'none'");
      expect(res.headers['x-frame-options'], path).toBeDefined();
    }
  });

  it('does not serve embed.html directly or let the SPA pages be framed', async () => {
    const res = await t.guest().get('/embed.html');
    expect(res.text).not.toContain('embed fixture');
  });
});

describe('without a built front end', () => {
  it('answers 404 embed_not_built instead of an error', async () => {
    const bare = await startTestApp();
    try {
      const admin = await signUp(bare);
      const c = await createCommunity(admin);
      expectError(await bare.guest().get(`/embed/${c.slug}`), 404, 'embed_not_built');
      expectError(await bare.guest().get('/embed.js'), 404, 'embed_not_built');
    } finally {
      await bare.close();
    }
  });
});
