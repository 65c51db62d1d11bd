/**
 * Error replies keep their stable `code` and carry `message` in the reader's language: every code
 * the server can send has `errors.<code>` in every catalogue, and the language is chosen as
 * everywhere else (the member's choice, the community's language, Accept-Language, English).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createCommunity, signUp } from './helpers/factories.js';
import { LiveClient, liveUrl } from './helpers/live-client.js';
import { catalogueLocales, LOCALES_DIR } from '../server/i18n/catalogues.js';

const SERVER = new URL('../server/', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every error code passed to the error helpers, AppError, live error frames and the error handler's own mappings. */
function errorCodesInServer(): Map<string, string[]> {
  const patterns = [
    /\b(?:badRequest|forbidden|notFound|conflict|tooMany|unauthorized|tooLarge|unsupportedType|unprocessable)\(\s*['"]([a-z0-9_]+)['"]/g,
    /\bnew AppError\(\s*\d{3}\s*,\s*['"]([a-z0-9_]+)['"]/g,
    /\bsendError\(\s*['"]([a-z0-9_]+)['"]/g,
    /\[\s*\d{3}\s*,\s*['"]([a-z0-9_]+)['"]\s*\]/g,
  ];
  const found = new Map<string, string[]>();
  const add = (code: string, where: string) => found.set(code, [...(found.get(code) ?? []), where]);
  for (const file of tsFiles(SERVER)) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(SERVER.length - 'server/'.length);
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) add(m[1]!, where);
    if (/\bunauthorized\(\s*\)/.test(text)) add('not_signed_in', where);
    // The error handler's own codes, and the live protocol's list of error codes.
    if (file.endsWith('errors.plugin.ts') || file.endsWith('web.plugin.ts')) for (const m of text.matchAll(/\bcode: '([a-z0-9_]+)'/g)) add(m[1]!, where);
    if (file.endsWith('live.protocol.ts')) {
      const union = /export type LiveErrorCode =([^;]+);/.exec(text)?.[1] ?? '';
      for (const m of union.matchAll(/'([a-z0-9_]+)'/g)) add(m[1]!, where);
    }
  }
  return found;
}

describe('every error code has a message in every catalogue', () => {
  const codes = errorCodesInServer();
  const catalogues = catalogueLocales().map(
    (locale) => [locale, JSON.parse(readFileSync(`${LOCALES_DIR}/${locale}.json`, 'utf8')) as Record<string, string>] as const,
  );

  it('finds the codes (the scan itself works)', () => {
    for (const code of [
      'not_signed_in',
      'invalid_input',
      'rate_limited',
      'route_not_found',
      'internal_error',
      'payload_too_large',
      'invalid_message',
      'banned',
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
  });

  it.each(catalogueLocales())('%s has errors.<code> for every code the server sends', (locale) => {
    const messages = catalogues.find(([l]) => l === locale)![1];
    const missing = [...codes]
      .filter(([code]) => !Object.hasOwn(messages, `errors.${code}`))
      .map(([code, where]) => `errors.${code} (${[...new Set(where)].join(', ')})`);
    expect(missing, `add these keys (node /tmp/i18n-add.mjs or the catalogues)`).toEqual([]);
  });
});

describe('error messages over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const de = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' };
  const en = { 'accept-language': 'en-US,en;q=0.9' };

  it('speaks English by default, German to a browser that asks for it, with the same code', async () => {
    const guest = t.guest();
    expect(expectError(await guest.get('/api/topics/2147483647'), 404, 'topic_not_found').message).toBe('No such topic.');
    expect(expectError(await guest.get('/api/topics/2147483647', en), 404, 'topic_not_found').message).toBe('No such topic.');
    expect(expectError(await guest.get('/api/topics/2147483647', de), 404, 'topic_not_found').message).toBe('Dieses Thema gibt es nicht.');
    // A language the server has no catalogue for: English.
    expect(expectError(await guest.get('/api/topics/2147483647', { 'accept-language': 'sw' }), 404, 'topic_not_found').message).toBe('No such topic.');
    // The pseudo-locale shows every message came from the catalogue.
    expect(expectError(await guest.get('/api/topics/2147483647', { 'accept-language': 'en-XA' }), 404, 'topic_not_found').message).toMatch(/^⟦Ñó šúçĥ ŧóƥíç\./);
  });

  it('puts the details into the sentence, and the web gets the same details', async () => {
    const guest = t.guest();
    const body = expectError(await guest.get('/api/users/nobody_here_at_all', de), 404, 'user_not_found');
    expect(body.message).toBe('Es gibt kein Mitglied „nobody_here_at_all“.');
    expect(body.details).toEqual({ handle: 'nobody_here_at_all' });
    expect(expectError(await guest.get('/api/users/nobody_here_at_all'), 404, 'user_not_found').message).toBe('No user "nobody_here_at_all".');
  });

  it('translates validation errors, naming the field', async () => {
    const guest = t.guest();
    const signup = { handle: 'a b', email: 'x@example.org', password: 'correct horse battery' };
    const german = expectError(await guest.post('/api/auth/signup', signup, de), 400, 'invalid_input');
    expect(german.message).toBe('Das Feld „handle“ ist ungültig.');
    expect(german.details).toEqual({ in: 'body', field: 'handle' });
    expect(expectError(await guest.post('/api/auth/signup', signup), 400, 'invalid_input').message).toBe('The field “handle” is not valid.');
  });

  it('translates the error handler’s own errors: unknown routes, bad JSON, bad URLs, not signed in', async () => {
    const guest = t.guest();
    const route = expectError(await guest.get('/api/nope?secret=1', de), 404, 'route_not_found');
    expect(route.message).toBe('Diese Adresse gibt es nicht: GET /api/nope');
    expect(route.details).toEqual({ method: 'GET', path: '/api/nope' });
    expect(expectError(await guest.get('/api/nope'), 404, 'route_not_found').message).toBe('No route GET /api/nope');

    const json = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: '{"login":', headers: { 'content-type': 'application/json', ...de } });
    expect(json.json()).toMatchObject({ code: 'invalid_json', message: 'Der Inhalt der Anfrage ist kein gültiges JSON.' });

    const badUrl = await t.app.inject({ method: 'GET', url: '/api/topics/%E0%A4%A', headers: de });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json()).toMatchObject({ code: 'invalid_url', message: 'Diese Adresse ist ungültig.' });

    expect(expectError(await guest.get('/api/me', de), 401, 'not_signed_in').message).toBe('Melde dich an, um das zu tun.');
  });

  it('a member who chose German gets German, even when the browser asks for English', async () => {
    const member = await signUp(t);
    expect((await member.put('/api/me/preferences', { locale: 'de' })).status).toBe(200);
    expect(expectError(await member.get('/api/topics/2147483647', en), 404, 'topic_not_found').message).toBe('Dieses Thema gibt es nicht.');
    // The member's choice beats the community's language too.
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    expect((await admin.patch(`/api/communities/${slug}`, { language: 'en' })).status).toBe(200);
    expect(expectError(await member.get(`/api/communities/${slug}/bans`, en), 403, 'not_moderator').message).toBe(
      'Nur Moderatoren dieser Community können das tun.',
    );
    // Back to automatic: the browser decides again.
    expect((await member.put('/api/me/preferences', { locale: null })).status).toBe(200);
    expect(expectError(await member.get('/api/topics/2147483647', en), 404, 'topic_not_found').message).toBe('No such topic.');
  });

  it("a community's language speaks to guests on its routes, over their browser's wishes", async () => {
    const admin = await signUp(t);
    const { slug } = await createCommunity(admin);
    const guest = t.guest();
    expect(expectError(await guest.get(`/api/communities/${slug}/bans`, en), 401, 'not_signed_in').message).toBe('Sign in to do this.');
    expect((await admin.patch(`/api/communities/${slug}`, { language: 'de' })).status).toBe(200);
    expect(expectError(await guest.get(`/api/communities/${slug}/bans`, en), 401, 'not_signed_in').message).toBe('Melde dich an, um das zu tun.');
    expect(expectError(await guest.get(`/api/communities/${slug}/topics?sort=nonsense`, en), 400, 'invalid_input').message).toBe(
      'Der Abfrageparameter „sort“ ist ungültig.',
    );
    // Routes about no community still follow the browser.
    expect(expectError(await guest.get('/api/topics/2147483647', en), 404, 'topic_not_found').message).toBe('No such topic.');
    // A community that does not exist has no language: the browser decides.
    expect(expectError(await guest.get('/api/communities/no-such-community-here', de), 404, 'community_not_found').message).toBe(
      'Es gibt keine Community „no-such-community-here“.',
    );
  });

  it('keeps the thrown English message when the details lack a value the sentence needs', () => {
    const { errorMessages } = t.app.parley;
    expect(errorMessages.message('de', 'banned', undefined, 'You are banned from this community: spam')).toBe('You are banned from this community: spam');
    expect(errorMessages.message('de', 'banned', { until: null, reason: 'Spam' }, 'x')).toBe('Du bist in dieser Community gesperrt: Spam');
    expect(errorMessages.message('en', 'banned', { until: '2030-01-02T10:00:00.000Z', reason: 'Spam' }, 'x')).toBe(
      'You are banned from this community until 2030-01-02T10:00:00.000Z: Spam',
    );
    // A select without its value takes the general sentence.
    expect(errorMessages.message('de', 'post_deleted', undefined, 'x')).toBe('Dieser Beitrag wurde gelöscht.');
    expect(errorMessages.message('de', 'no_such_code_anywhere', undefined, 'as thrown')).toBe('as thrown');
  });

  it('live error frames speak the reader’s language too', async () => {
    const url = await liveUrl(t.app);
    const german = await LiveClient.connect(url, { origin: null, headers: de });
    german.send({ type: 'typing', channel: 'topic:1' });
    expect(await german.nextOf('error')).toEqual({ type: 'error', code: 'not_subscribed', message: 'Abonniere zuerst den Kanal.', channel: 'topic:1' });
    german.ws.send('not json');
    expect(await german.nextOf('error')).toEqual({ type: 'error', code: 'invalid_message', message: 'Nachrichten sind JSON-Textframes.' });
    german.ws.close();

    const english = await LiveClient.connect(url, { origin: null });
    english.send({ type: 'typing', channel: 'topic:1' });
    expect(await english.nextOf('error')).toEqual({ type: 'error', code: 'not_subscribed', message: 'Subscribe to the channel first.', channel: 'topic:1' });
    english.ws.close();
  });
});
