/**
 * How many bytes a member may send a day: `dailyBytes`, or `newAccountDailyBytes` while the
 * account is younger than `newAccountDays` (a fresh account is where a spam wave comes from).
 * Counted from their `uploads` rows of the last 24 hours, the size of each as it was sent.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { Config } from '../config/config.js';
import { tooMany } from '../errors/errors.js';

const DAY_MS = 24 * 3600 * 1000;

export type QuotaLimits = Pick<Config['uploads'], 'dailyBytes' | 'newAccountDailyBytes' | 'newAccountDays'>;

export function dailyLimitFor(user: { createdAt: Date }, limits: QuotaLimits, now = new Date()): number {
  const young = now.getTime() - user.createdAt.getTime() < limits.newAccountDays * DAY_MS;
  return young ? limits.newAccountDailyBytes : limits.dailyBytes;
}

/**
 * Refuses `size` more bytes over the member's day (429 `upload_quota_exceeded`), telling them
 * when enough of the day's sendings will have aged out for this one to fit.
 */
export async function checkUploadQuota(
  db: Executor,
  user: { id: number; createdAt: Date },
  size: number,
  limits: QuotaLimits,
  now = new Date(),
): Promise<void> {
  const limit = dailyLimitFor(user, limits, now);
  const since = new Date(now.getTime() - DAY_MS);
  const [total] = await rows<{ used: number | string }>(
    db,
    sql`SELECT coalesce(sum(size), 0)::bigint AS used FROM uploads WHERE uploader_id = ${user.id} AND created_at > ${since}`,
  );
  const used = Number(total?.used ?? 0);
  if (used + size <= limit) return;
  // Over: newest first, the running total says which sending must age out for this one to fit.
  const sent = await rows<{ size: number; created_at: Date | string }>(
    db,
    sql`SELECT size, created_at FROM uploads WHERE uploader_id = ${user.id} AND created_at > ${since} ORDER BY created_at DESC LIMIT 10000`,
  );
  let kept = 0;
  let freeAt = now.getTime() + DAY_MS;
  for (const r of sent) {
    kept += Number(r.size);
    if (kept + size > limit) {
      freeAt = new Date(r.created_at).getTime() + DAY_MS;
      break;
    }
  }
  // A file larger than the whole day's allowance never fits: a day is the honest answer.
  if (size > limit) freeAt = now.getTime() + DAY_MS;
  const retryAfter = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
  // For the sentence people read: megabytes, and the wait in minutes, or in hours once it is that long.
  const minutes = Math.ceil(retryAfter / 60);
  const wait = minutes < 120 ? { unit: 'minutes', amount: minutes } : { unit: 'hours', amount: Math.ceil(minutes / 60) };
  throw tooMany('upload_quota_exceeded', `You can upload ${limit} bytes a day; try again in ${retryAfter} s.`, retryAfter, {
    limit,
    used,
    megabytes: Math.round((limit / (1024 * 1024)) * 10) / 10,
    ...wait,
  });
}
