/**
 * Streams of mail a member can stop (one topic, one kind of notification, the digest, all) in
 * words: what an unsubscribe link stops, and the opt-outs listed in the e-mail preferences.
 */
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import type { Role, UnsubscribeStream } from '../../db/schema.js';
import type { Translator } from '../i18n/translator.js';
import { canSeeTopic } from '../visibility/visibility.js';
import type { Viewer } from '../visibility/viewer.js';

export interface StreamRef {
  stream: UnsubscribeStream;
  /** The topic id (topic), the notification kind (kind), '' otherwise. */
  target: string;
}

/** A topic id as stored in a target: digits that fit an integer column, else no topic. */
export const topicIdOf = (target: string): number | null => (/^[1-9][0-9]{0,8}$/.test(target) ? Number(target) : null);

/**
 * Each stream in the reader's words: a topic by its title when the member may still see it (a
 * title must not outlive the topic's hiding), a kind by its name.
 */
export async function streamLabels(db: Executor, userId: number, refs: StreamRef[], locale: string, translator: Translator): Promise<string[]> {
  const ids = [...new Set(refs.filter((r) => r.stream === 'topic').flatMap((r) => topicIdOf(r.target) ?? []))];
  const topics = new Map<number, string | null>();
  if (ids.length) {
    const found = await rows<{ id: number; title: string; hidden: boolean; author_id: number; is_site_admin: boolean; role: Role | null }>(
      db,
      sql`
      SELECT t.id, t.title, t.hidden, t.author_id, u.is_site_admin,
        (SELECT m.role FROM memberships m WHERE m.community_id = t.community_id AND m.user_id = u.id) AS role
      FROM topics t JOIN users u ON u.id = ${userId}
      WHERE t.id IN (${sql.join(
        ids.map((id) => sql`${id}::int`),
        sql`, `,
      )})`,
    );
    for (const t of found) {
      const viewer: Viewer = {
        user: { id: userId, handle: '', displayName: '', avatarUrl: null, createdAt: new Date(0), isSiteAdmin: !!t.is_site_admin },
        sessionId: null,
        roles: new Map(),
      };
      const visible = canSeeTopic({ viewer, role: t.role }, { hidden: !!t.hidden, authorId: Number(t.author_id) });
      topics.set(Number(t.id), visible ? t.title : null);
    }
  }
  const t = (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params);
  return refs.map((ref) => {
    switch (ref.stream) {
      case 'topic': {
        const title = topics.get(topicIdOf(ref.target) ?? 0);
        return title ? t('mail.stream.topic', { title }) : t('mail.stream.topic_unavailable');
      }
      case 'kind':
        return t('mail.stream.kind', { kind: ref.target });
      case 'digest':
        return t('mail.stream.digest');
      case 'all':
        return t('mail.stream.all');
    }
  });
}
