/**
 * One-click unsubscribe (RFC 8058): the token in a mail's List-Unsubscribe names a member and one
 * stream of mail; whoever holds it may stop that stream (and undo that) without signing in. Only
 * the token's hash is stored (mailer.ts creates it).
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { emailOptOuts, unsubscribeTokens, users, type EmailDigestChoice, type EmailNotificationChoice, type UnsubscribeStream } from '../../db/schema.js';
import { notFound } from '../errors/errors.js';
import type { Translator } from '../i18n/translator.js';
import { hashSecret, looksLikeSecret } from './mail.secrets.js';
import { streamLabels } from './mail.streams.js';

export interface UnsubscribeState {
  stream: UnsubscribeStream;
  target: string;
  label: string;
  /** Whether this mail is stopped now. */
  unsubscribed: boolean;
  /** Before this unsubscribe stopped the digest or all mail: what undo may restore. */
  previous?: { notifications: EmailNotificationChoice; digest: EmailDigestChoice };
}

/** What undo restores for the digest and notification mail when not told: the defaults. */
export interface Restore {
  notifications?: 'away' | 'always' | undefined;
  digest?: 'daily' | 'weekly' | undefined;
}

const unknownToken = () => notFound('unsubscribe_not_found', 'This unsubscribe link is not valid (any more).');

interface Found {
  tokenHash: string;
  userId: number;
  stream: UnsubscribeStream;
  target: string;
  notifications: EmailNotificationChoice;
  digest: EmailDigestChoice;
  previous: { notifications: EmailNotificationChoice; digest: EmailDigestChoice } | null;
}

async function find(db: Executor, token: string): Promise<Found> {
  if (!looksLikeSecret(token)) throw unknownToken();
  const [row] = await db
    .select({
      tokenHash: unsubscribeTokens.tokenHash,
      previous: unsubscribeTokens.previous,
      userId: unsubscribeTokens.userId,
      stream: unsubscribeTokens.stream,
      target: unsubscribeTokens.target,
      notifications: users.emailNotifications,
      digest: users.emailDigest,
    })
    .from(unsubscribeTokens)
    .innerJoin(users, eq(users.id, unsubscribeTokens.userId))
    .where(eq(unsubscribeTokens.tokenHash, hashSecret(token)));
  if (!row) throw unknownToken();
  return row;
}

async function optedOut(db: Executor, f: Found): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(emailOptOuts)
    .where(and(eq(emailOptOuts.userId, f.userId), eq(emailOptOuts.stream, f.stream as 'topic' | 'kind'), eq(emailOptOuts.target, f.target)));
  return !!row;
}

async function inEffect(db: Executor, f: Found): Promise<boolean> {
  switch (f.stream) {
    case 'topic':
    case 'kind':
      return optedOut(db, f);
    case 'digest':
      return f.digest === 'off';
    case 'all':
      return f.notifications === 'never' && f.digest === 'off';
  }
}

async function state(db: Executor, f: Found, unsubscribed: boolean, locale: string, translator: Translator): Promise<UnsubscribeState> {
  const [label] = await streamLabels(db, f.userId, [f], locale, translator);
  return { stream: f.stream, target: f.target, label: label!, unsubscribed };
}

/** What the link stops and whether it is stopped: for the landing page. */
export async function describeUnsubscribe(db: Db, token: string, locale: string, translator: Translator): Promise<UnsubscribeState> {
  const f = await find(db, token);
  return state(db, f, await inEffect(db, f), locale, translator);
}

/** Stops the link's stream. Twice is the same as once. */
export async function unsubscribe(db: Db, token: string, locale: string, translator: Translator): Promise<UnsubscribeState> {
  const f = await find(db, token);
  const already = await inEffect(db, f);
  if (!already) {
    switch (f.stream) {
      case 'topic':
      case 'kind':
        await db.insert(emailOptOuts).values({ userId: f.userId, stream: f.stream, target: f.target }).onConflictDoNothing();
        break;
      case 'digest':
        await db.update(users).set({ emailDigest: 'off' }).where(eq(users.id, f.userId));
        break;
      case 'all':
        await db.update(users).set({ emailNotifications: 'never', emailDigest: 'off' }).where(eq(users.id, f.userId));
        break;
    }
    // Kept with the token, so that undo puts back exactly what was there, from any browser.
    if (f.stream === 'digest' || f.stream === 'all')
      await db
        .update(unsubscribeTokens)
        .set({ previous: { notifications: f.notifications, digest: f.digest } })
        .where(eq(unsubscribeTokens.tokenHash, f.tokenHash));
  }
  const answer = await state(db, f, true, locale, translator);
  const settings = f.stream === 'digest' || f.stream === 'all';
  return settings && !already ? { ...answer, previous: { notifications: f.notifications, digest: f.digest } } : answer;
}

/**
 * Takes the unsubscribe back: the topic or kind is mailed again; the digest (and, for "all",
 * notification mail) comes back as it was before this link stopped it (kept with the token), else
 * as `restore` says, else the defaults (weekly, only when away).
 */
export async function undoUnsubscribe(db: Db, token: string, restore: Restore, locale: string, translator: Translator): Promise<UnsubscribeState> {
  const f = await find(db, token);
  switch (f.stream) {
    case 'topic':
    case 'kind':
      await db.delete(emailOptOuts).where(and(eq(emailOptOuts.userId, f.userId), eq(emailOptOuts.stream, f.stream), eq(emailOptOuts.target, f.target)));
      break;
    case 'digest':
      if (f.digest === 'off')
        await db
          .update(users)
          .set({ emailDigest: f.previous?.digest ?? restore.digest ?? 'weekly' })
          .where(eq(users.id, f.userId));
      break;
    case 'all': {
      const change = {
        ...(f.notifications === 'never' ? { emailNotifications: f.previous?.notifications ?? restore.notifications ?? 'away' } : {}),
        ...(f.digest === 'off' ? { emailDigest: f.previous?.digest ?? restore.digest ?? 'weekly' } : {}),
      };
      if (Object.keys(change).length) await db.update(users).set(change).where(eq(users.id, f.userId));
      break;
    }
  }
  return state(db, f, false, locale, translator);
}

/** Links in mail older than a year stop working: their tokens go. */
export async function pruneUnsubscribeTokens(db: Db): Promise<void> {
  await db.delete(unsubscribeTokens).where(lt(unsubscribeTokens.createdAt, sql`now() - interval '1 year'`));
}
