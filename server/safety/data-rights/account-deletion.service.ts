/**
 * A member leaves (DELETE /api/me). The users row stays, because posts, the moderation log and
 * others' notifications point at it, but it no longer says who it was: handle and address are
 * freed at once, and everything that was only theirs goes. One transaction of set-based
 * statements, so a member with fifty thousand posts costs a handful of statements, not a loop.
 *
 * Choices (API.md "Safety tools", docs in the route):
 * - content "anonymise": posts stay, under the deleted member. "remove": posts become tombstones
 *   (text, history and search words gone); topics they opened that nobody else answered go
 *   entirely; topics others answered keep going, their title kept, since the title is what those
 *   replies answer and where links to them lead, with the opening post a tombstone. Accepted answers
 *   stay, anonymised, where the community keeps them (communities.keep_accepted_answers).
 * - reactions and idea votes stay as anonymous counts: they are others' reputation and an idea's
 *   standing, and after the scrub they name nobody.
 * - the moderation log keeps every entry; its free text (reasons, details) and others' @mentions
 *   are rewritten to the placeholder handle, so the old handle is nowhere.
 * - files they uploaded: those a remaining post shows stay with it, no longer naming who sent them
 *   or the name they were sent under; the rest (never posted, or shown only by posts removed here)
 *   lose their last sending, and maintenance removes their bytes.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { intArray, rows, type Executor } from '../../../db/client.js';
import { AppError, badRequest, tooMany, unauthorized } from '../../errors/errors.js';
import { hitCounter, peekCounter } from '../../limits/counters.js';
import { verifyPassword } from '../../auth/password.js';
import { accountChanged } from '../../auth/session.js';
import { loadAccount, type AccountRow } from '../../accounts/account.js';
import { communityChannel, topicChannel, userChannel, type EventDraft } from '../../live/outbox.js';
import type { Viewer } from '../../visibility/viewer.js';
import { write, type ServiceContext, type WriteScope } from '../../write/unit-of-work.js';

export const DELETION_CONTENT = ['anonymise', 'remove'] as const;
export type DeletionContent = (typeof DELETION_CONTENT)[number];

export interface DeleteAccountInput {
  content: DeletionContent;
  /** Accounts with a password confirm with it. */
  password?: string | undefined;
  /** Accounts without one (SSO, embed) confirm by typing their handle. */
  confirm?: string | undefined;
}

/** Valid by HANDLE's rule (letters, digits, - and _; 3 to 32), unique by its randomness, and saying nothing about who it was. */
export const placeholderHandle = (): string => `deleted-${randomBytes(6).toString('hex')}`;

const FAILURES_MAX = 10;
const FAILURES_WINDOW = 15 * 60;

/** A stolen session must not become a way to guess the password: failures are counted as sign-ins count them. */
async function confirmIdentity(db: Executor, account: AccountRow, input: DeleteAccountInput): Promise<void> {
  const key = `delete-account:${account.id}`;
  const failures = await peekCounter(db, key, FAILURES_WINDOW);
  if (failures.count >= FAILURES_MAX) throw tooMany('too_many_attempts', 'Too many wrong confirmations; try again later.', failures.resetInSeconds);
  if (account.passwordHash) {
    if (!input.password || !(await verifyPassword(account.passwordHash, input.password))) {
      await hitCounter(db, key, FAILURES_WINDOW);
      throw new AppError(403, 'invalid_credentials', 'The password is wrong.', { field: 'password' });
    }
    return;
  }
  if (input.confirm === undefined) throw badRequest('confirm_required', 'This account has no password: type your handle to confirm.', { field: 'confirm' });
  if (input.confirm.trim().toLowerCase() !== account.handle.toLowerCase()) {
    await hitCounter(db, key, FAILURES_WINDOW);
    throw new AppError(403, 'confirm_mismatch', 'What you typed is not your handle.', { field: 'confirm' });
  }
}

/** Handles are letters, digits, - and _ (HANDLE); escaped anyway, for accounts older than the rule. */
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NOT_HANDLE_CHAR = '[A-Za-z0-9_-]';
const mentionPattern = (handle: string) => `@${escapeRegex(handle)}(?!${NOT_HANDLE_CHAR})`;
const profileLinkPattern = (handle: string) => `/u/${escapeRegex(handle)}(?!${NOT_HANDLE_CHAR})`;
const wordPattern = (handle: string) => `(^|[^A-Za-z0-9_-])${escapeRegex(handle)}(?!${NOT_HANDLE_CHAR})`;
/** A literal for LIKE: the display name may hold % or _. */
const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface Touched {
  topicId: number;
  slug: string;
}

export async function deleteAccount(ctx: ServiceContext, viewer: Viewer, input: DeleteAccountInput): Promise<void> {
  if (!viewer.user) throw unauthorized();
  const account = await loadAccount(ctx.db, viewer.user.id);
  if (account.deletedAt) throw unauthorized();
  await confirmIdentity(ctx.db, account, input);
  const placeholder = placeholderHandle();
  const touched = await write(ctx, (scope) => scrub(scope, account, placeholder, input.content));
  // Every process forgets the account's cached sessions before this answers (their rows are gone).
  await accountChanged(ctx.bus, account.id);
  // Topic lists and kept pages show authors' names; a removed topic leaves its lists.
  for (const t of touched) ctx.bumps.bump(t.slug, t.topicId, 'topic.updated');
}

async function scrub(scope: WriteScope, account: AccountRow, placeholder: string, content: DeletionContent): Promise<Touched[]> {
  const { tx } = scope;
  const me = account.id;
  const [locked] = await rows<{ deleted_at: string | null }>(tx, sql`SELECT deleted_at FROM users WHERE id = ${me} FOR UPDATE`);
  if (!locked || locked.deleted_at !== null) throw unauthorized();

  // Every topic the account wrote in, before anything is removed: their readers and lists are told.
  const touched = await rows<{ topic_id: number; slug: string }>(
    tx,
    sql`SELECT t.id AS topic_id, c.slug FROM topics t JOIN communities c ON c.id = t.community_id
        WHERE t.id IN (SELECT topic_id FROM posts WHERE author_id = ${me} UNION SELECT id FROM topics WHERE author_id = ${me})`,
  );
  let tombstoned: Array<{ id: number; topic_id: number }> = [];
  const removedTopics = new Set<number>();
  if (content === 'anonymise') {
    // Posts they had already deleted keep their text in the row though nobody can read it: it goes, with its history and its files.
    await tx.execute(
      sql`WITH emptied AS (
            UPDATE posts SET body = '', body_html = '' WHERE author_id = ${me} AND deleted AND body <> '' RETURNING id),
          revisions AS (DELETE FROM post_revisions WHERE post_id IN (SELECT id FROM emptied))
          DELETE FROM post_uploads WHERE post_id IN (SELECT id FROM emptied)`,
    );
  } else {
    const removed = await rows<{ id: number }>(
      tx,
      sql`DELETE FROM topics t WHERE t.author_id = ${me}
          AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.topic_id = t.id AND p.author_id <> ${me} AND NOT p.deleted)
          RETURNING t.id`,
    );
    for (const r of removed) removedTopics.add(Number(r.id));
    tombstoned = await rows<{ id: number; topic_id: number }>(
      tx,
      sql`UPDATE posts p SET body = '', body_html = '', deleted = true, pinned = false, search = NULL
          WHERE p.author_id = ${me} AND NOT (p.deleted AND p.body = '')
          AND NOT EXISTS (
            SELECT 1 FROM topics t JOIN communities c ON c.id = t.community_id
            WHERE t.solution_post_id = p.id AND c.keep_accepted_answers)
          RETURNING p.id, p.topic_id`,
    );
    const ids = tombstoned.map((p) => Number(p.id));
    if (ids.length) {
      const idList = sql`ANY(${intArray(ids)}::int[])`;
      await tx.execute(sql`DELETE FROM post_revisions WHERE post_id = ${idList}`);
      // A tombstone shows no file: who may fetch one follows the posts that still show it.
      await tx.execute(sql`DELETE FROM post_uploads WHERE post_id = ${idList}`);
      await tx.execute(sql`UPDATE topics SET solution_post_id = NULL, solved_at = NULL WHERE solution_post_id = ${idList}`);
      await tx.execute(sql`DELETE FROM mailed_posts WHERE post_id = ${idList}`);
    }
  }

  // Mail: what went to them, and others' mail that carried their name or words (a post block names its author).
  const names = [sql`m.text_body ~* ${wordPattern(account.handle)}`, sql`m.subject ~* ${wordPattern(account.handle)}`];
  if (account.displayName.trim().length >= 3)
    names.push(sql`m.text_body ILIKE ${likeLiteral(account.displayName)}`, sql`m.subject ILIKE ${likeLiteral(account.displayName)}`);
  await tx.execute(
    sql`DELETE FROM mail_messages m WHERE m.user_id = ${me}
        ${account.email ? sql`OR lower(m.to_address) = ${account.email.toLowerCase()}` : sql``}
        OR ${sql.join(names, sql` OR `)}`,
  );

  // What was only theirs.
  for (const statement of [
    sql`DELETE FROM sessions WHERE user_id = ${me}`,
    sql`DELETE FROM email_tokens WHERE user_id = ${me}`,
    sql`DELETE FROM unsubscribe_tokens WHERE user_id = ${me}`,
    sql`DELETE FROM email_opt_outs WHERE user_id = ${me}`,
    sql`DELETE FROM mail_reply_keys WHERE user_id = ${me}`,
    sql`DELETE FROM mailed_posts WHERE user_id = ${me}`,
    sql`DELETE FROM embed_codes WHERE user_id = ${me}`,
    sql`DELETE FROM inbox_claims WHERE user_id = ${me}`,
    sql`DELETE FROM notifications WHERE user_id = ${me}`,
    sql`DELETE FROM notification_levels WHERE user_id = ${me}`,
    sql`DELETE FROM user_ignores WHERE user_id = ${me} OR ignored_id = ${me}`,
    sql`DELETE FROM topic_reads WHERE user_id = ${me}`,
    sql`DELETE FROM community_visits WHERE user_id = ${me}`,
    // A deleted account holds no role anywhere: a former moderator moderates nothing (roles.changed below tells open sockets).
    sql`DELETE FROM memberships WHERE user_id = ${me}`,
    // Files they sent: what no post shows goes (maintenance removes the bytes); what posts show stays, naming nobody.
    sql`DELETE FROM uploads u WHERE u.uploader_id = ${me} AND NOT EXISTS (SELECT 1 FROM post_uploads pu WHERE pu.blob_hash = u.blob_hash)`,
    sql`UPDATE uploads SET uploader_id = NULL, file_name = NULL WHERE uploader_id = ${me}`,
    sql`UPDATE queue_items SET reason = NULL WHERE reporter_id = ${me} AND reason IS NOT NULL`,
    // Failed sign-ins are counted under what was typed (login:unknown:<handle or address>).
    sql`DELETE FROM rate_counters WHERE key ILIKE ${likeLiteral(account.handle)} ${account.email ? sql`OR key ILIKE ${likeLiteral(account.email)}` : sql``}`,
  ])
    await tx.execute(statement);

  // The old handle, wherever others wrote it: mentions and profile links in posts, the log's and moderators' words.
  const mention = mentionPattern(account.handle);
  const link = profileLinkPattern(account.handle);
  const word = wordPattern(account.handle);
  const mentioned = await rows<{ id: number; topic_id: number }>(
    tx,
    sql`UPDATE posts SET body = regexp_replace(body, ${mention}, ${'@' + placeholder}, 'gi'),
          body_html = regexp_replace(regexp_replace(body_html, ${mention}, ${'@' + placeholder}, 'gi'), ${link}, ${'/u/' + placeholder}, 'gi')
        WHERE body ~* ${mention} OR body_html ~* ${link}
        RETURNING id, topic_id`,
  );
  await tx.execute(sql`UPDATE post_revisions SET body = regexp_replace(body, ${mention}, ${'@' + placeholder}, 'gi') WHERE body ~* ${mention}`);
  const replaceWord = (table: string, column: string) => {
    const [t, c] = [sql.identifier(table), sql.identifier(column)];
    return sql`UPDATE ${t} SET ${c} = regexp_replace(${c}, ${word}, ${'\\1' + placeholder}, 'gi') WHERE ${c} ~* ${word}`;
  };
  for (const [table, column] of [
    ['moderation_log', 'reason'],
    ['moderation_log', 'detail'],
    ['queue_items', 'reason'],
    ['posts', 'hidden_reason'],
    ['topics', 'hidden_reason'],
    ['topics', 'idea_status_note'],
    ['bans', 'reason'],
  ] as const)
    await tx.execute(replaceWord(table, column));

  // The row itself: a deleted member with a handle nobody chose.
  await tx.execute(
    sql`UPDATE users SET handle = ${placeholder}, display_name = '', email = NULL, password_hash = NULL, avatar_url = NULL,
          locale = NULL, sso_community_id = NULL, sso_subject = NULL, email_verified_at = NULL, email_bounce_score = 0,
          last_seen_at = NULL, digest_sent_at = NULL, email_notifications = 'never', email_digest = 'off', mentions_from = 'anyone',
          is_site_admin = false, suspended_reason = NULL, deleted_at = now()
        WHERE id = ${me}`,
  );
  await tx.execute(sql`DELETE FROM member_reputation WHERE user_id = ${me}`);

  // Sockets still open for the account stop seeing what its roles let it see.
  await scope.emit(userChannel(me), 'roles.changed', {});
  await announce(scope, touched, tombstoned, mentioned, removedTopics);
  return touched.map((t) => ({ topicId: Number(t.topic_id), slug: t.slug }));
}

/** At most one per channel, as emitMany wants: a post of each topic per round, so a long thread costs rounds, not a statement per post. */
function inRounds<T>(items: T[], channelOf: (item: T) => string): T[][] {
  const byChannel = new Map<string, T[]>();
  for (const item of items) {
    const list = byChannel.get(channelOf(item));
    if (list) list.push(item);
    else byChannel.set(channelOf(item), [item]);
  }
  const rounds: T[][] = [];
  for (const list of byChannel.values()) list.forEach((item, i) => (rounds[i] ??= []).push(item));
  return rounds;
}

/** Readers of each topic hear of each changed post (as a delete or an edit tells them); kept pages and caches follow the events. */
async function announce(
  scope: WriteScope,
  touched: Array<{ topic_id: number; slug: string }>,
  tombstoned: Array<{ id: number; topic_id: number }>,
  mentioned: Array<{ id: number; topic_id: number }>,
  removedTopics: Set<number>,
): Promise<void> {
  const live = (p: { topic_id: number }) => !removedTopics.has(Number(p.topic_id));
  const drafts: EventDraft[] = [
    ...tombstoned.filter(live).map((p) => ({ channel: topicChannel(Number(p.topic_id)), type: 'post.deleted' as const, ref: { postId: Number(p.id) } })),
    ...mentioned.filter(live).map((p) => ({ channel: topicChannel(Number(p.topic_id)), type: 'post.updated' as const, ref: { postId: Number(p.id) } })),
    // Each topic once more, for the author's name on every post of it (kept pages are per topic).
    ...touched.filter(live).map((t) => ({ channel: topicChannel(Number(t.topic_id)), type: 'topic.updated' as const, ref: { topicId: Number(t.topic_id) } })),
  ];
  for (const round of inRounds(drafts, (d) => d.channel)) await scope.emitMany(round);
  // Lists lose removed topics: the community channel is where lists listen.
  const gone = new Map<string, EventDraft>();
  for (const t of touched)
    if (removedTopics.has(Number(t.topic_id)))
      gone.set(t.slug, { channel: communityChannel(t.slug), type: 'topic.updated', ref: { topicId: Number(t.topic_id) } });
  if (gone.size) await scope.emitMany([...gone.values()]);
}
