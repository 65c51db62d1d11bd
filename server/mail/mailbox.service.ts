/** The local mailbox: every mail Parley sent or will send, for site admins (the try-out's inbox). */
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { mailMessages } from '../../db/schema.js';
import { forbidden, notFound, unauthorized } from '../errors/errors.js';
import type { Viewer } from '../visibility/viewer.js';

function requireSiteAdmin(viewer: Viewer): void {
  if (!viewer.user) throw unauthorized();
  if (!viewer.user.isSiteAdmin) throw forbidden('not_site_admin', 'Only site admins can do this.');
}

const summary = (m: typeof mailMessages.$inferSelect) => ({
  id: m.id,
  kind: m.kind,
  to: m.toAddress,
  subject: m.subject,
  status: m.status,
  transport: m.transport,
  attempts: m.attempts,
  lastError: m.lastError,
  createdAt: m.createdAt.toISOString(),
  sentAt: m.sentAt?.toISOString() ?? null,
});

export async function listMail(db: Db, viewer: Viewer, query: { cursor?: string | undefined; limit?: number | undefined; to?: string | undefined }) {
  requireSiteAdmin(viewer);
  const limit = query.limit ?? 50;
  const before = query.cursor ? Number(query.cursor) : null;
  const rows = await db
    .select()
    .from(mailMessages)
    .where(
      and(
        before !== null && Number.isSafeInteger(before) ? lt(mailMessages.id, before) : undefined,
        query.to ? eq(mailMessages.toAddress, query.to) : undefined,
      ),
    )
    .orderBy(desc(mailMessages.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(summary), nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
}

export async function readMail(db: Db, viewer: Viewer, id: number) {
  requireSiteAdmin(viewer);
  const [m] = await db.select().from(mailMessages).where(eq(mailMessages.id, id));
  if (!m) throw notFound('mail_not_found', 'There is no such mail.');
  return { ...summary(m), messageId: m.messageId, headers: m.headers, text: m.textBody, html: m.htmlBody };
}
