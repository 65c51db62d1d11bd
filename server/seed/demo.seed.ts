import { count, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { communities, memberships, users } from '../../db/schema.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import { createCommunity } from '../communities/communities.service.js';
import { createCategory } from '../communities/categories.service.js';
import { createTopic, setSolution, type CreateTopicInput } from '../topics/topics.service.js';
import { addReaction, createReply } from '../posts/posts.service.js';
import { userViewer, type Viewer } from '../visibility/viewer.js';

const PEOPLE = [
  { handle: 'acme-team', displayName: 'Acme Community Team' },
  { handle: 'maria', displayName: 'Maria Lindqvist (Acme)' },
  { handle: 'sam', displayName: 'Sam Okafor' },
  { handle: 'priya', displayName: 'Priya Raman' },
  { handle: 'jonas', displayName: 'Jonas Weber' },
  { handle: 'lee', displayName: 'Lee Chen' },
] as const;

type Handle = (typeof PEOPLE)[number]['handle'];

/**
 * A small, realistic community for someone trying Parley on the embedded database. Its
 * accounts have no password (nobody can sign in as them) and the community says it is a demo.
 */
export async function seedDemo(ctx: ServiceContext): Promise<void> {
  const { db } = ctx;
  const people = {} as Record<Handle, Viewer>;
  for (const p of PEOPLE) {
    const [row] = await db.insert(users).values({ handle: p.handle, displayName: p.displayName, passwordHash: null, email: null }).returning();
    people[p.handle] = userViewer({ ...row!, isSiteAdmin: false });
  }
  await db.execute(
    sql`UPDATE users SET created_at = now() - interval '90 days' WHERE id IN (${sql.join(
      Object.values(people).map((v) => sql`${v.user!.id}`),
      sql`, `,
    )})`,
  );
  for (const v of Object.values(people)) v.user!.createdAt = new Date(Date.now() - 90 * 86_400_000);

  const slug = 'demo';
  const team = people['acme-team'];
  const community = await createCommunity(db, team, {
    slug,
    name: 'Acme Lamps (demo)',
    description: 'A demo community seeded on first start so there is something to look at. Sign up to take part, or create your own community.',
    // The demo story is written in English, so its community is English.
    language: 'en',
    defaultCategory: {
      name: ctx.translator.t('en', 'community.default_category.name'),
      description: ctx.translator.t('en', 'community.default_category.description'),
    },
  });
  await db.update(communities).set({ isDemo: true, accentColor: '#b45309' }).where(eq(communities.id, community.id));
  await createCategory(ctx, team, slug, { slug: 'help', name: 'Help', description: 'Questions about setting up and using your lamp.', position: 1 });
  await createCategory(ctx, team, slug, { slug: 'ideas', name: 'Ideas', description: 'What should we build next?', position: 2 });
  // Maria works for Acme: she takes part like anyone else, with a staff badge.
  await db.insert(memberships).values({ communityId: community.id, userId: people.maria.user!.id, role: 'staff' });
  // The story is told through the same services as everything else; posting limits stay off.
  const story: ServiceContext = { ...ctx, postingLimits: { enabled: false } };
  const start = (who: Viewer, topic: Omit<CreateTopicInput, 'body'>, body: string) => createTopic(story, who, slug, { ...topic, body });
  const say = (who: Viewer, topicId: number, body: string, replyToId?: number) => createReply(story, who, topicId, { body, replyToId });

  const welcome = await start(
    team,
    { category: 'general', kind: 'discussion', title: 'Welcome to the Acme Lamps community' },
    'Hi everyone! This is a place for **owners of Acme lamps** to help each other.\n\n- Ask questions in *Help*\n- Suggest features in *Ideas*\n- Be kind; moderation here is public, see the moderation log.\n\nOur staff (look for the badge) will drop in, but this is your space.',
  );
  await say(people.sam, welcome.topic.id, 'Glad this exists. The old support mailbox was a black hole 🙂');

  const question = await start(
    people.priya,
    { category: 'help', kind: 'question', title: 'How do I reset my lamp to factory settings?' },
    'My Lumo 2 stopped answering the app after a firmware update. I tried unplugging it. What is the **proper** way to reset it?',
  );
  const guess = await say(people.jonas, question.topic.id, 'I think holding the button for 5 seconds does it, but I am not sure that is a *full* reset.');
  const answer = await say(
    people.maria,
    question.topic.id,
    'Close! A full reset is:\n\n1. Switch the lamp on.\n2. Hold the button for **10 seconds** until it blinks orange twice.\n3. Re-add it in the app.\n\nSee also [the reset guide](https://example.org/acme/reset) and ping @priya if it still misbehaves.',
    guess.post.id,
  );
  await say(people.priya, question.topic.id, 'That worked, thank you both! Marking this as the answer.');
  await setSolution(story, people.priya, question.topic.id, answer.post.id);
  await addReaction(story, people.priya, answer.post.id, 'helpful');
  await addReaction(story, people.jonas, answer.post.id, 'like');

  const idea = await start(
    people.lee,
    { category: 'ideas', kind: 'idea', title: 'Sunrise mode that follows the real sunrise' },
    'It would be great if the wake-up light followed the actual sunrise time for my location instead of a fixed time.',
  );
  await say(people.sam, idea.topic.id, '+1, especially in winter when sunrise is at 8:30 here.');
  await addReaction(story, people.sam, idea.post.id, 'like');

  await start(
    people.sam,
    { category: 'help', kind: 'question', title: 'Can two lamps share one schedule?' },
    'I have one lamp in the bedroom and one in the hall. Can they run the same schedule, or do I set it twice?',
  );

  // Spread the story over the last days, so "latest" and relative times look like a real forum.
  await db.execute(sql`
    UPDATE posts SET created_at = now() - make_interval(hours => ((SELECT max(id) FROM posts) - id + 1) * 4) WHERE topic_id IN (SELECT id FROM topics WHERE community_id = ${community.id})`);
  await db.execute(sql`
    UPDATE topics t SET created_at = p.first, last_post_at = p.last
    FROM (SELECT topic_id, min(created_at) AS first, max(created_at) AS last FROM posts GROUP BY topic_id) p
    WHERE p.topic_id = t.id AND t.community_id = ${community.id}`);
}

/** Seeds only a brand-new embedded database: no accounts and no communities yet. */
export async function seedDemoIfEmpty(ctx: ServiceContext, log: FastifyBaseLogger): Promise<void> {
  const [u] = await ctx.db.select({ n: count() }).from(users);
  const [c] = await ctx.db.select({ n: count() }).from(communities);
  if ((u?.n ?? 0) > 0 || (c?.n ?? 0) > 0) return;
  await seedDemo(ctx);
  log.info('seeded the demo community "demo" into the new embedded database');
}
