/**
 * Maintenance prunes notifications: read ones past their age go, recent read ones and unread ones
 * stay, but no member keeps more unread ones than the cap (the oldest go). Each delete is a short
 * batch that an index serves, never a scan of the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executorSql, rows } from '../db/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCommunity, createTopic, reply, scene, signUp, type SignedIn } from './helpers/factories.js';
import { notificationsOf } from './helpers/notifications.js';
import { pruneNotifications } from '../server/maintenance/maintenance.js';
import { runQuestionReminders } from '../server/notifications/reminders.js';
import { ConfigError, configFromEnv } from '../server/config/config.js';

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
let slug: string;
/** Statements the app's database ran, while a test collects them. */
let captured: { sql: string; params: unknown[] }[] | null = null;

beforeAll(async () => {
  t = await startTestApp({}, { onStatement: (text, params) => captured?.push({ sql: text, params }) });
  s = await scene(t);
  slug = (await createCommunity(s.admin)).slug;
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const KEEP = { keepDays: 90, unreadCap: 500 };

/** A fresh reader told of a reply in each of `n` topics of their own; their notification ids, oldest first. */
async function readerWith(n: number): Promise<{ reader: SignedIn; ids: number[] }> {
  const reader = await signUp(t);
  for (let i = 0; i < n; i++) {
    const { topic } = await createTopic(reader, slug);
    await reply(s.other, topic.id);
  }
  const found = await rows<{ id: number }>(db(), sql`SELECT id FROM notifications WHERE user_id = ${reader.userId} ORDER BY id`);
  expect(found).toHaveLength(n);
  return { reader, ids: found.map((r) => Number(r.id)) };
}

/** Makes notifications `days` old (their last news), and read then when `read`. */
async function age(ids: number[], days: number, read: boolean) {
  await db().execute(
    sql`UPDATE notifications SET updated_at = now() - make_interval(days => ${days}), created_at = now() - make_interval(days => ${days}),
      read_at = ${read ? sql`now() - make_interval(days => ${days})` : sql`NULL`}
    WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::int`),
      sql`, `,
    )})`,
  );
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

const idsOf = async (reader: SignedIn) => (await notificationsOf(reader, '?limit=50')).items.map((n) => n.id as number).sort((a, b) => a - b);

describe('pruneNotifications', () => {
  it('removes read notifications past the age, keeps recent read ones and old unread ones', async () => {
    const { reader, ids } = await readerWith(4);
    const [oldRead, recentRead, oldUnread, fresh] = ids as [number, number, number, number];
    await age([oldRead], 91, true);
    await age([recentRead], 89, true);
    await age([oldUnread], 400, false);

    const pruned = await pruneNotifications(db(), KEEP);
    expect(pruned.read).toBeGreaterThanOrEqual(1);
    expect(await idsOf(reader)).toEqual([recentRead, oldUnread, fresh]);
  });

  it('keeps a member’s newest unread up to the cap and removes the oldest beyond it, sparing read ones to the age rule', async () => {
    const { reader, ids } = await readerWith(6);
    const other = await readerWith(2);
    // The oldest was read: it is not unread, so the cap does not count or take it.
    expect((await reader.post(`/api/notifications/${ids[0]}/read`)).status).toBe(200);

    const pruned = await pruneNotifications(db(), { keepDays: 90, unreadCap: 3 });
    expect(pruned.unread).toBe(2);
    expect(await idsOf(reader)).toEqual([ids[0], ids[3], ids[4], ids[5]]);
    expect((await notificationsOf(reader)).unreadCount).toBe(3);
    // Under the cap: untouched.
    expect(await idsOf(other.reader)).toEqual(other.ids);
  });

  it('removes a backlog in batches, at most so many per run, the rest on the next run', async () => {
    const { reader, ids } = await readerWith(5);
    await age(ids, 200, true);
    expect(await pruneNotifications(db(), KEEP, { batch: 2, maxBatches: 2 })).toMatchObject({ read: 4 });
    expect(await idsOf(reader)).toHaveLength(1);
    expect((await pruneNotifications(db(), KEEP, { batch: 2, maxBatches: 2 })).read).toBeGreaterThanOrEqual(1);
    expect(await idsOf(reader)).toEqual([]);
  });

  it('keeps a question’s reminder, read and old: it is what makes the reminder come once', async () => {
    const asker = await signUp(t);
    const { topic } = await createTopic(asker, slug, { kind: 'question' });
    await reply(s.other, topic.id);
    const remind = () => runQuestionReminders(t.app.parley.ctx, { afterDays: 3, now: new Date(Date.now() + 4 * 86_400_000) });
    await remind();
    const reminders = () => rows<{ id: number }>(db(), sql`SELECT id FROM notifications WHERE user_id = ${asker.userId} AND kind = 'reminder'`);
    const [reminder] = await reminders();
    expect(reminder).toBeDefined();
    await age([Number(reminder!.id)], 365, true);

    await pruneNotifications(db(), KEEP);
    await remind();
    expect(await reminders()).toEqual([reminder]);
  });

  it('deletes through indexes, never scanning the notifications table', async () => {
    const { ids } = await readerWith(4);
    await age(ids.slice(0, 2), 100, true);
    captured = [];
    await pruneNotifications(db(), { keepDays: 90, unreadCap: 1 });
    const statements = captured;
    captured = null;
    const deletes = statements.filter((st) => /\bDELETE\s+FROM\s+notifications\b/i.test(st.sql));
    expect(deletes.length).toBeGreaterThanOrEqual(2);
    for (const st of deletes) {
      const plan = await db().transaction(async (tx) => {
        const ex = executorSql(tx);
        // Priced out of reach: only a plan with no index to use would still pick them.
        for (const setting of ['enable_seqscan', 'enable_bitmapscan']) await ex.executeSql(`SET LOCAL ${setting} = off`);
        const raw = ((await ex.executeSql(`EXPLAIN (FORMAT JSON) ${st.sql}`, st.params)).rows[0] as Record<string, unknown>)['QUERY PLAN'];
        return ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0]!.Plan;
      });
      const nodes = nodesOf(plan);
      expect(
        nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'notifications'),
        st.sql,
      ).toEqual([]);
      // The old read ones by their age; a member's unread ones from their own.
      const index = /read_at IS NOT NULL/.test(st.sql) ? 'notifications_read_age_idx' : 'notifications_user_idx';
      expect(
        nodes.map((n) => n['Index Name']),
        st.sql,
      ).toContain(index);
    }
  });
});

describe('configuration', () => {
  it('reads the age and the cap from the environment, with defaults, and refuses nonsense', () => {
    expect(configFromEnv({}).notifications).toEqual({ keepDays: 90, unreadCap: 500 });
    expect(configFromEnv({ PARLEY_NOTIFICATIONS_KEEP_DAYS: '30', PARLEY_NOTIFICATIONS_UNREAD_CAP: '1000' }).notifications).toEqual({
      keepDays: 30,
      unreadCap: 1000,
    });
    for (const env of [{ PARLEY_NOTIFICATIONS_KEEP_DAYS: '0' }, { PARLEY_NOTIFICATIONS_KEEP_DAYS: 'soon' }, { PARLEY_NOTIFICATIONS_UNREAD_CAP: '5' }]) {
      expect(() => configFromEnv(env)).toThrow(ConfigError);
    }
  });
});
