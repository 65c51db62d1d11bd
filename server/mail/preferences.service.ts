/**
 * A member's e-mail preferences: notification mail (never / only when away / always), the digest
 * (off / daily / weekly), the weekly summary for community admins (weekly / off), and the topics
 * and kinds they stopped through unsubscribe links.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { emailOptOuts, users, type EmailDigestChoice, type EmailNotificationChoice } from '../../db/schema.js';
import { unauthorized } from '../errors/errors.js';
import type { Translator } from '../i18n/translator.js';
import type { Viewer } from '../visibility/viewer.js';
import { streamLabels } from './mail.streams.js';
import { SUMMARY_KIND } from './summary/summary.rules.js';

/** The weekly summary to admins of a community: on unless stopped (an opt-out of kind SUMMARY_KIND, which its unsubscribe link also writes). */
export type SummaryChoice = 'weekly' | 'off';

export interface EmailPreferences {
  notifications: EmailNotificationChoice;
  digest: EmailDigestChoice;
  summary: SummaryChoice;
  optOuts: { stream: 'topic' | 'kind'; target: string; label: string }[];
}

export interface Reader {
  locale: string;
  translator: Translator;
}

function signedIn(viewer: Viewer): number {
  if (!viewer.user) throw unauthorized();
  return viewer.user.id;
}

export async function readPreferences(db: Executor, userId: number, reader: Reader): Promise<EmailPreferences> {
  const [user] = await db.select({ notifications: users.emailNotifications, digest: users.emailDigest }).from(users).where(eq(users.id, userId));
  if (!user) throw unauthorized();
  const outs = await db
    .select({ stream: emailOptOuts.stream, target: emailOptOuts.target })
    .from(emailOptOuts)
    .where(eq(emailOptOuts.userId, userId))
    .orderBy(asc(emailOptOuts.createdAt), asc(emailOptOuts.target));
  const labels = await streamLabels(db, userId, outs, reader.locale, reader.translator);
  const summary: SummaryChoice = outs.some((o) => o.stream === 'kind' && o.target === SUMMARY_KIND) ? 'off' : 'weekly';
  return { ...user, summary, optOuts: outs.map((o, i) => ({ ...o, label: labels[i]! })) };
}

export const getEmailPreferences = (db: Db, viewer: Viewer, reader: Reader) => readPreferences(db, signedIn(viewer), reader);

export async function setEmailPreferences(
  db: Db,
  viewer: Viewer,
  input: { notifications?: EmailNotificationChoice | undefined; digest?: EmailDigestChoice | undefined; summary?: SummaryChoice | undefined },
  reader: Reader,
): Promise<EmailPreferences> {
  const userId = signedIn(viewer);
  const change = {
    ...(input.notifications ? { emailNotifications: input.notifications } : {}),
    ...(input.digest ? { emailDigest: input.digest } : {}),
  };
  if (Object.keys(change).length) await db.update(users).set(change).where(eq(users.id, userId));
  if (input.summary === 'off') await db.insert(emailOptOuts).values({ userId, stream: 'kind', target: SUMMARY_KIND }).onConflictDoNothing();
  if (input.summary === 'weekly')
    await db.delete(emailOptOuts).where(and(eq(emailOptOuts.userId, userId), eq(emailOptOuts.stream, 'kind'), eq(emailOptOuts.target, SUMMARY_KIND)));
  return readPreferences(db, userId, reader);
}

/** Mail about the topic or kind again. Removing an opt-out that is not there changes nothing. */
export async function removeOptOut(db: Db, viewer: Viewer, ref: { stream: 'topic' | 'kind'; target: string }, reader: Reader): Promise<EmailPreferences> {
  const userId = signedIn(viewer);
  await db.delete(emailOptOuts).where(and(eq(emailOptOuts.userId, userId), eq(emailOptOuts.stream, ref.stream), eq(emailOptOuts.target, ref.target)));
  return readPreferences(db, userId, reader);
}
