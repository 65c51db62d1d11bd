import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import type { TestApp } from './app.js';

/** The queues between a notification and a mail in the SMTP sink. */
const NOTIFICATION_MAIL_QUEUES = ['mail.notification.fanout', 'mail.notification', 'mail.notification.rollup', 'mail.send'];

/**
 * Waits until notification mail has nothing left to do: no job waiting (delays included), running
 * or due for a retry. After it, a mail that did not arrive is one that was never going to.
 */
export async function mailSettled(t: TestApp, timeout = 15_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const [row] = await rows<{ n: number }>(
          t.app.parley.ctx.db,
          sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name IN (${sql.join(
            NOTIFICATION_MAIL_QUEUES.map((q) => sql`${q}`),
            sql`, `,
          )}) AND state IN ('created', 'retry', 'active')`,
        );
        return Number(row?.n);
      },
      { timeout, interval: 200 },
    )
    .toBe(0);
}
