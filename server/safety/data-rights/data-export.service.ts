/**
 * A member's own data as one JSON document (GET /api/me/export). Built as a stream of pieces:
 * each list is read page by page (keyset, a few hundred rows a statement) and each row is turned
 * into JSON by the database, so a member with fifty thousand posts never sits in memory at once.
 *
 * Exactly their data: their rows, and of others only what their own rows point at by name (the
 * title of a topic they wrote in or were told about, the handle of someone they ignore), never
 * another member's address or post text.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../../db/client.js';
import { tooMany, unauthorized } from '../../errors/errors.js';
import { hitCounter } from '../../limits/counters.js';
import type { Viewer } from '../../visibility/viewer.js';
import { UPLOAD_EXTENSIONS } from '../../uploads/upload.types.js';

/** Exports are heavy reads: a few an hour per account is plenty for taking one's data along. */
export const EXPORTS_PER_HOUR = 5;
const PAGE = 500;

export const EXPORT_FORMAT = 'parley-export';
export const EXPORT_VERSION = 1;

/** Counted before the first byte: a refused export answers 429, not a broken document. */
export async function allowExport(db: Executor, viewer: Viewer): Promise<number> {
  if (!viewer.user) throw unauthorized();
  const hit = await hitCounter(db, `export:${viewer.user.id}`, 3600);
  if (hit.count > EXPORTS_PER_HOUR)
    throw tooMany('too_many_exports', 'You asked for your data several times this hour; try again later.', hit.resetInSeconds, {
      limit: EXPORTS_PER_HOUR,
    });
  return viewer.user.id;
}

/** One list of the archive: `page(after)` answers rows `{k, j}` in `k` order after `after` (keyset), `j` a JSON text. */
interface Section {
  name: string;
  page: (me: number, after: number) => SQL;
}

const iso = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * The title of a topic (alias `t`) as the member may read it: a topic hidden since, that is not
 * theirs, keeps its title from them here as everywhere (server/visibility).
 */
const titleFor = (me: number) => sql`CASE WHEN t.hidden AND t.author_id <> ${me} THEN NULL ELSE t.title END`;

/** A blob's path (alias `b`), as uploadPath writes it: `/uploads/<hash>.<ext>`. */
const uploadPathSql = sql`'/uploads/' || b.hash || '.' || CASE b.type ${sql.join(
  Object.entries(UPLOAD_EXTENSIONS).map(([type, ext]) => sql`WHEN ${type}::text THEN ${ext}::text`),
  sql` `,
)} END`;

const SECTIONS: Section[] = [
  {
    name: 'memberships',
    page: (me, after) => sql`
      SELECT c.id AS k, json_build_object('community', c.slug, 'communityName', c.name, 'role', m.role, 'since', ${iso('m.created_at')})::text AS j
      FROM memberships m JOIN communities c ON c.id = m.community_id
      WHERE m.user_id = ${me} AND c.id > ${after} ORDER BY c.id LIMIT ${PAGE}`,
  },
  {
    name: 'topicsStarted',
    page: (me, after) => sql`
      SELECT t.id AS k, json_build_object('id', t.id, 'community', c.slug, 'title', t.title, 'kind', t.kind, 'createdAt', ${iso('t.created_at')},
        'hidden', t.hidden, 'hiddenReason', t.hidden_reason, 'hiddenReasonCode', t.hidden_reason_code, 'locked', t.locked,
        'ideaStatus', t.idea_status, 'votes', t.votes)::text AS j
      FROM topics t JOIN communities c ON c.id = t.community_id
      WHERE t.author_id = ${me} AND t.id > ${after} ORDER BY t.id LIMIT ${PAGE}`,
  },
  {
    name: 'posts',
    page: (me, after) => sql`
      SELECT p.id AS k, json_build_object('id', p.id, 'community', c.slug, 'topicId', p.topic_id, 'topicTitle', ${titleFor(me)}, 'number', p.number,
        'body', p.body, 'createdAt', ${iso('p.created_at')}, 'editedAt', ${iso('p.edited_at')},
        'hidden', p.hidden, 'hiddenReason', p.hidden_reason, 'hiddenReasonCode', p.hidden_reason_code, 'hiddenPending', p.hidden_pending,
        'deleted', p.deleted, 'acceptedAnswer', t.solution_post_id IS NOT DISTINCT FROM p.id,
        'revisions', (SELECT coalesce(json_agg(json_build_object('body', r.body, 'replacedAt', ${iso('r.created_at')}) ORDER BY r.id), '[]'::json)
                      FROM post_revisions r WHERE r.post_id = p.id))::text AS j
      FROM posts p JOIN topics t ON t.id = p.topic_id JOIN communities c ON c.id = t.community_id
      WHERE p.author_id = ${me} AND p.id > ${after} ORDER BY p.id LIMIT ${PAGE}`,
  },
  {
    // Each file they sent: its address, and the size and name it was sent with.
    name: 'uploads',
    page: (me, after) => sql`
      SELECT u.id AS k, json_build_object('id', u.id, 'url', ${uploadPathSql}, 'type', b.type, 'size', u.size, 'fileName', u.file_name,
        'createdAt', ${iso('u.created_at')})::text AS j
      FROM uploads u JOIN upload_blobs b ON b.hash = u.blob_hash
      WHERE u.uploader_id = ${me} AND u.id > ${after} ORDER BY u.id LIMIT ${PAGE}`,
  },
  {
    // One row per post: the kinds given to it together (the key must be one number).
    name: 'reactions',
    page: (me, after) => sql`
      SELECT r.post_id AS k, json_build_object('postId', r.post_id, 'topicId', min(p.topic_id),
        'kinds', json_agg(json_build_object('kind', r.kind, 'at', ${iso('r.created_at')}) ORDER BY r.kind))::text AS j
      FROM reactions r JOIN posts p ON p.id = r.post_id
      WHERE r.user_id = ${me} AND r.post_id > ${after} GROUP BY r.post_id ORDER BY r.post_id LIMIT ${PAGE}`,
  },
  {
    name: 'ideaVotes',
    page: (me, after) => sql`
      SELECT v.topic_id AS k, json_build_object('topicId', v.topic_id, 'title', ${titleFor(me)}, 'at', ${iso('v.created_at')})::text AS j
      FROM topic_votes v JOIN topics t ON t.id = v.topic_id
      WHERE v.user_id = ${me} AND v.topic_id > ${after} ORDER BY v.topic_id LIMIT ${PAGE}`,
  },
  {
    // What they were told, not what others wrote: the kind, why, where and when.
    name: 'notifications',
    page: (me, after) => sql`
      SELECT n.id AS k, json_build_object('kind', n.kind, 'reason', n.reason, 'community', c.slug, 'topicId', n.topic_id, 'topicTitle', ${titleFor(me)},
        'postId', n.post_id, 'count', n.count, 'createdAt', ${iso('n.created_at')}, 'readAt', ${iso('n.read_at')})::text AS j
      FROM notifications n JOIN communities c ON c.id = n.community_id LEFT JOIN topics t ON t.id = n.topic_id
      WHERE n.user_id = ${me} AND n.id > ${after} ORDER BY n.id LIMIT ${PAGE}`,
  },
  {
    name: 'notificationLevels',
    page: (me, after) => sql`
      SELECT row_number() OVER (ORDER BY target_type, target_id)::int AS k,
        json_build_object('targetType', target_type, 'targetId', target_id, 'level', level, 'updatedAt', ${iso('updated_at')})::text AS j
      FROM notification_levels WHERE user_id = ${me} ORDER BY k OFFSET ${after} LIMIT ${PAGE}`,
  },
  {
    name: 'ignoredMembers',
    page: (me, after) => sql`
      SELECT i.ignored_id AS k, json_build_object('handle', u.handle, 'since', ${iso('i.created_at')})::text AS j
      FROM user_ignores i JOIN users u ON u.id = i.ignored_id
      WHERE i.user_id = ${me} AND i.ignored_id > ${after} ORDER BY i.ignored_id LIMIT ${PAGE}`,
  },
  {
    // Their own words; the post they flagged by id only (its text is someone else's).
    name: 'flagsFiled',
    page: (me, after) => sql`
      SELECT q.id AS k, json_build_object('kind', q.kind, 'postId', q.post_id, 'topicId', q.topic_id, 'reason', q.reason, 'status', q.status,
        'createdAt', ${iso('q.created_at')})::text AS j
      FROM queue_items q WHERE q.reporter_id = ${me} AND q.id > ${after} ORDER BY q.id LIMIT ${PAGE}`,
  },
  {
    // Never the token or its digest (the row's id).
    name: 'sessions',
    page: (me, after) => sql`
      SELECT row_number() OVER (ORDER BY created_at, id)::int AS k,
        json_build_object('kind', kind, 'createdAt', ${iso('created_at')}, 'expiresAt', ${iso('expires_at')})::text AS j
      FROM sessions WHERE user_id = ${me} ORDER BY k OFFSET ${after} LIMIT ${PAGE}`,
  },
  {
    name: 'mailSent',
    page: (me, after) => sql`
      SELECT m.id AS k, json_build_object('kind', m.kind, 'subject', m.subject, 'status', m.status, 'createdAt', ${iso('m.created_at')},
        'sentAt', ${iso('m.sent_at')})::text AS j
      FROM mail_messages m WHERE m.user_id = ${me} AND m.id > ${after} ORDER BY m.id LIMIT ${PAGE}`,
  },
  {
    name: 'bansReceived',
    page: (me, after) => sql`
      SELECT b.id AS k, json_build_object('community', c.slug, 'reason', b.reason, 'reasonCode', b.reason_code, 'until', ${iso('b.until')},
        'liftedAt', ${iso('b.lifted_at')}, 'createdAt', ${iso('b.created_at')})::text AS j
      FROM bans b JOIN communities c ON c.id = b.community_id
      WHERE b.user_id = ${me} AND b.id > ${after} ORDER BY b.id LIMIT ${PAGE}`,
  },
];

const profileSql = (me: number) => sql`
  SELECT json_build_object('id', u.id, 'handle', u.handle, 'displayName', u.display_name, 'avatarUrl', u.avatar_url,
    'email', u.email, 'emailVerifiedAt', ${iso('u.email_verified_at')}, 'locale', u.locale,
    'mail', json_build_object('notifications', u.email_notifications, 'digest', u.email_digest,
      'optOuts', (SELECT coalesce(json_agg(json_build_object('stream', o.stream, 'target', o.target, 'since', ${iso('o.created_at')}) ORDER BY o.stream, o.target), '[]'::json)
                  FROM email_opt_outs o WHERE o.user_id = u.id)),
    'mentionsFrom', u.mentions_from, 'isSiteAdmin', u.is_site_admin, 'signsInThroughOrganisation', u.sso_subject IS NOT NULL,
    'createdAt', ${iso('u.created_at')}, 'lastSeenAt', ${iso('u.last_seen_at')})::text AS j
  FROM users u WHERE u.id = ${me}`;

/** The archive's file name: parley-<handle>-<YYYY-MM-DD>.json. */
export const exportFileName = (handle: string, now = new Date()) => `parley-${handle.replace(/[^A-Za-z0-9_-]/g, '_')}-${now.toISOString().slice(0, 10)}.json`;

/**
 * The archive, piece by piece. Reads happen as the reader takes the pieces (a slow download
 * holds no more than a page); every statement stands alone, so no transaction is held open
 * across the download.
 */
export async function* exportArchive(db: Executor, me: number, now = new Date()): AsyncGenerator<string> {
  const [profile] = await rows<{ j: string }>(db, profileSql(me));
  if (!profile) throw unauthorized();
  yield `{"format":${JSON.stringify(EXPORT_FORMAT)},"version":${EXPORT_VERSION},"exportedAt":${JSON.stringify(now.toISOString())},\n"profile":${profile.j}`;
  for (const section of SECTIONS) {
    yield `,\n${JSON.stringify(section.name)}:[`;
    let after = 0;
    let first = true;
    for (;;) {
      const found = await rows<{ k: number; j: string }>(db, section.page(me, after));
      if (!found.length) break;
      let piece = '';
      for (const r of found) {
        piece += (first ? '\n' : ',\n') + (typeof r.j === 'string' ? r.j : JSON.stringify(r.j));
        first = false;
      }
      yield piece;
      if (found.length < PAGE) break;
      after = Number(found[found.length - 1]!.k);
    }
    yield ']';
  }
  yield '}\n';
}
