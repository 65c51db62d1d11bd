/**
 * Mail leaves through a durable queue: it is recorded with the write that caused it, handed to a
 * real SMTP server by a job, retried after a temporary refusal (and then sent once), kept in the
 * local mailbox when no SMTP server is configured, and still sent after a restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/app.js';
import { defaultConfig } from '../server/config/config.js';
import type { MailDraft } from '../server/mail/mail.draft.js';
import { write } from '../server/write/unit-of-work.js';
import { startTestApp, ORIGIN, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { makeSiteAdmin, signUp } from './helpers/factories.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import type { FastifyInstance } from 'fastify';

const draft = (to: string, over: Partial<MailDraft> = {}): MailDraft => ({
  kind: 'test',
  userId: null,
  to,
  locale: 'en',
  subject: 'Hello from the queue',
  blocks: [
    { type: 'heading', text: 'Hello' },
    { type: 'paragraph', text: 'A <b>plain</b> paragraph & more.' },
    { type: 'action', label: 'Open it', url: `${ORIGIN}/somewhere` },
  ],
  critical: true,
  ...over,
});

const queue = (app: FastifyInstance, d: MailDraft) => write(app.parley.ctx, ({ tx }) => app.parley.ctx.mail.queue(tx, d));

describe('mail through SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      mail: { smtpUrl: sink.url, from: 'Acme Community <community@acme.example>', retryDelaySeconds: 1 },
      jobs: { pollingIntervalSeconds: 0.5 },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('arrives with a text and an HTML part, a Message-ID, Auto-Submitted and a VERP return path', async () => {
    await queue(t.app, draft('ann@example.org'));
    const mail = await sink.next((m) => m.to === 'ann@example.org');
    expect(mail.subject).toBe('Hello from the queue');
    expect(mail.parsed.from?.value).toEqual([{ name: 'Acme Community', address: 'community@acme.example' }]);
    expect(mail.text).toContain('A <b>plain</b> paragraph & more.');
    expect(mail.text).toContain(`Open it: ${ORIGIN}/somewhere`);
    // The HTML part escapes what the text part says literally.
    expect(mail.html).toContain('A &lt;b&gt;plain&lt;/b&gt; paragraph &amp; more.');
    expect(mail.html).toContain(`href="${ORIGIN}/somewhere"`);
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@parley\.test>$/);
    expect(mail.envelope.from).toMatch(/^bounce\+[0-9a-f]{32}@parley\.test$/);
  });

  it('retries after a temporary refusal (421) and delivers exactly one copy', async () => {
    sink.refuseNext(1, 421, 'Busy, try later', 'bea@example.org');
    const refusedBefore = sink.refused;
    const id = await queue(t.app, draft('bea@example.org', { subject: 'Second try' }));
    const mail = await sink.next((m) => m.to === 'bea@example.org', 15_000);
    expect(mail.subject).toBe('Second try');
    expect(sink.refused).toBe(refusedBefore + 1);
    // Give a wrongly repeated job the time to send a second copy.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sink.to('bea@example.org')).toHaveLength(1);
    const admin = await signUp(t);
    await makeSiteAdmin(t, admin.userId);
    const record = await admin.get(`/api/admin/mail/${id}`);
    expect(record.body).toMatchObject({ status: 'sent', transport: 'smtp', attempts: 2 });
  });

  it('gives up on a permanent refusal (550) without retrying', async () => {
    sink.refuseNext(1, 550, 'No such user', 'gone@example.org');
    const refusedBefore = sink.refused;
    const id = await queue(t.app, draft('gone@example.org', { subject: 'Never arrives' }));
    const admin = await signUp(t);
    await makeSiteAdmin(t, admin.userId);
    await expect.poll(async () => (await admin.get(`/api/admin/mail/${id}`)).body.status, { timeout: 10_000 }).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sink.refused).toBe(refusedBefore + 1);
    expect((await admin.get(`/api/admin/mail/${id}`)).body).toMatchObject({ attempts: 1, lastError: expect.stringContaining('No such user') });
  });

  it('mail queued in a write that rolls back is never sent', async () => {
    await expect(
      write(t.app.parley.ctx, async ({ tx }) => {
        await t.app.parley.ctx.mail.queue(tx, draft('rollback@example.org'));
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    await queue(t.app, draft('after@example.org'));
    await sink.next((m) => m.to === 'after@example.org');
    expect(sink.to('rollback@example.org')).toHaveLength(0);
  });
});

describe('DKIM', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    t = await startTestApp({
      mail: {
        smtpUrl: sink.url,
        dkim: { domainName: 'acme.example', keySelector: 'parley2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('signs every mail with the configured domain and selector', async () => {
    await queue(t.app, draft('signed@example.org'));
    const mail = await sink.next((m) => m.to === 'signed@example.org');
    const signature = mail.header('dkim-signature') ?? '';
    expect(signature).toMatch(/\bd=acme\.example;/);
    expect(signature).toMatch(/\bs=parley2026;/);
    expect(signature).toMatch(/\bh=[^;]*from/i);
  });
});

describe('the local mailbox (no SMTP server configured)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps the mail for site admins to read, and for nobody else', async () => {
    const id = await queue(t.app, draft('local@example.org', { subject: 'Kept here' }));
    const admin = await signUp(t);
    await makeSiteAdmin(t, admin.userId);
    await expect.poll(async () => (await admin.get(`/api/admin/mail/${id}`)).body.status).toBe('sent');
    const list = await admin.get('/api/admin/mail?to=local@example.org');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id, subject: 'Kept here', transport: 'local', status: 'sent' })]);
    const one = await admin.get(`/api/admin/mail/${id}`);
    expect(one.body.text).toContain(`Open it: ${ORIGIN}/somewhere`);
    expect(one.body.html).toContain('<!doctype html>');

    const member = await signUp(t);
    expect((await member.get('/api/admin/mail')).body.code).toBe('not_site_admin');
    expect((await member.get(`/api/admin/mail/${id}`)).status).toBe(403);
    expect((await t.guest().get('/api/admin/mail')).status).toBe(401);
  });
});

describe('a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-mail-restart-'));
  let drop = async () => {};
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await sink?.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends mail that was waiting when the server stopped', async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    sink = await startSmtpSink();
    const base = {
      databaseUrl: database.url,
      dataDir,
      logLevel: 'silent' as const,
      origin: ORIGIN,
      rateLimits: false,
      seedDemo: false,
      webDir: './tests/fixtures/no-web',
    };
    // The SMTP server is down (refusing) while the first process runs.
    sink.refuseNext(1000, 421, 'Down for maintenance');
    const first = await buildApp(defaultConfig({ ...base, mail: { smtpUrl: sink.url, retryDelaySeconds: 1 } }));
    await queue(first, draft('later@example.org', { subject: 'Survives a restart' }));
    await expect.poll(() => sink!.refused, { timeout: 10_000 }).toBeGreaterThan(0);
    await first.close();

    sink.refuseNext(0);
    const second = await buildApp(defaultConfig({ ...base, mail: { smtpUrl: sink.url, retryDelaySeconds: 1 }, jobs: { pollingIntervalSeconds: 0.5 } }));
    try {
      const mail = await sink.next((m) => m.to === 'later@example.org', 15_000);
      expect(mail.subject).toBe('Survives a restart');
      expect(sink.to('later@example.org')).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
