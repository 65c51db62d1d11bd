/**
 * A signed-in reader's topic page is the guests' cached page with their own part spliced in (their
 * state, capabilities and reactions, read in one query). What they receive must be exactly what a
 * page rendered for them alone says: compared here for every kind of reader, on every kind of page.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, makeSiteAdmin, reply, scene, signUp, type SignedIn } from './helpers/factories.js';
import { users } from '../db/schema.js';
import { toViewerUser } from '../server/auth/session.js';
import { readTopicPage } from '../server/topics/topics.service.js';
import { userViewer } from '../server/visibility/viewer.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** The page as rendered for this reader alone, as JSON carries it. */
async function renderedFor(who: SignedIn, topicId: number, after: number, limit: number) {
  const [row] = await t.app.parley.ctx.db.select().from(users).where(eq(users.id, who.userId));
  const page = await readTopicPage(t.app.parley.ctx.db, userViewer(toViewerUser(row!)), topicId, { after, limit });
  return JSON.parse(JSON.stringify(page));
}

describe('a signed-in topic read from the cached page plus the reader’s overlay', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  let readers: Record<string, SignedIn>;
  let question: number;
  let idea: number;
  let locked: number;

  beforeAll(async () => {
    s = await scene(t);
    const hiddenAuthor = await signUp(t);
    const banned = await signUp(t);
    const outsider = await signUp(t);
    const siteAdmin = await signUp(t);
    await makeSiteAdmin(t, siteAdmin.userId);
    readers = { member: s.member, other: s.other, staff: s.staff, hiddenAuthor, banned, outsider, moderator: s.moderator, admin: s.admin, siteAdmin };

    // A question by `member`: an accepted answer, reactions, a hidden reply (pinned before it was
    // hidden, so guests do not get it among the pinned), a deleted one, a pinned one.
    const q = await createTopic(s.member, s.slug, { kind: 'question' });
    question = q.topic.id;
    const answer = await reply(s.staff, question);
    const liked = await reply(s.staff, question);
    const hidden = await reply(hiddenAuthor, question, { body: 'Hidden but mine' });
    const gone = await reply(s.other, question);
    const pinned = await reply(s.member, question);
    await reply(banned, question);
    for (const path of [`/api/posts/${hidden.id}/pin`, `/api/posts/${pinned.id}/pin`]) expect((await s.moderator.post(path)).status).toBe(200);
    expect((await s.moderator.post(`/api/posts/${hidden.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect((await s.other.delete(`/api/posts/${gone.id}`)).status).toBe(204);
    expect((await s.member.post(`/api/topics/${question}/solution`, { postId: answer.id })).status).toBe(200);
    for (const [who, postId, kind] of [
      [s.other, liked.id, 'like'],
      [s.other, liked.id, 'helpful'],
      [s.other, q.post.id, 'like'],
      [banned, answer.id, 'helpful'],
      [s.member, answer.id, 'helpful'],
    ] as const) {
      expect((await who.post(`/api/posts/${postId}/reactions`, { kind })).status).toBe(200);
    }
    expect((await s.admin.post(`/api/communities/${s.slug}/bans`, { handle: banned.handle, reason: 'Spam' })).status).toBe(201);
    expect((await s.other.put(`/api/topics/${question}/read`, { number: 3 })).status).toBe(200);
    expect((await s.other.put(`/api/topics/${question}/notification-level`, { level: 'muted' })).status).toBe(200);

    // An idea with a vote, and a locked discussion.
    idea = (await createTopic(s.other, s.slug, { kind: 'idea' })).topic.id;
    expect((await s.member.post(`/api/topics/${idea}/vote`)).status).toBe(200);
    locked = (await createTopic(s.other, s.slug)).topic.id;
    await reply(s.member, locked);
    expect((await s.moderator.post(`/api/topics/${locked}/lock`)).status).toBe(200);
  });

  const pages = () => [
    { topic: question, after: 0, limit: 50 },
    { topic: question, after: 2, limit: 3 },
    { topic: question, after: 5, limit: 50 },
    { topic: idea, after: 0, limit: 50 },
    { topic: locked, after: 0, limit: 50 },
  ];

  it('answers members, staff, outsiders and banned members from the overlay, exactly as their own rendering', async () => {
    for (const name of ['member', 'other', 'staff', 'banned', 'outsider']) {
      const who = readers[name]!;
      for (const p of pages()) {
        const res = await who.get(`/api/topics/${p.topic}?after=${p.after}&limit=${p.limit}`);
        expect(res.status, `${name} on ${JSON.stringify(p)}`).toBe(200);
        expect(res.headers['x-parley-cache'], `${name} on ${JSON.stringify(p)}`).toBe('overlay');
        expect(res.body, `${name} on ${JSON.stringify(p)}`).toEqual(await renderedFor(who, p.topic, p.after, p.limit));
      }
    }
  });

  it('sends the same pages gzipped: the shared part compressed once for readers without reactions on it, theirs added as it is', async () => {
    // A reader without reactions on the page gets its shared part, deflated once, with their own part
    // after it (last in the object); one with reactions gets the whole page compressed for them.
    const gzipped = async (who: SignedIn, url: string) => {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie: who.cookie!, 'accept-encoding': 'br, gzip' } });
      expect(res.statusCode).toBe(200);
      return { encoding: res.headers['content-encoding'], text: res.rawPayload };
    };
    const ownPartLast = (text: string) => text.lastIndexOf('"viewerCan":') > text.lastIndexOf('"posts":');
    for (const name of ['member', 'other', 'staff', 'banned', 'outsider']) {
      const who = readers[name]!;
      for (const p of pages()) {
        const url = `/api/topics/${p.topic}?after=${p.after}&limit=${p.limit}`;
        const expected = await renderedFor(who, p.topic, p.after, p.limit);
        const reacted = expected.posts.some((post: { viewerReactions: string[] }) => post.viewerReactions.length > 0);
        let answer = await gzipped(who, url);
        // The shared part is deflated off the event loop by the first reader who needs it.
        for (let i = 0; i < 50 && !reacted && answer.encoding === 'br'; i++) {
          await new Promise((r) => setTimeout(r, 10));
          answer = await gzipped(who, url);
        }
        const at = `${name} on ${JSON.stringify(p)}`;
        expect(answer.encoding, at).toBe(reacted ? 'br' : 'gzip');
        const text = (answer.encoding === 'gzip' ? gunzipSync(answer.text) : brotliDecompressSync(answer.text)).toString();
        expect(JSON.parse(text), at).toEqual(expected);
        expect(ownPartLast(text), at).toBe(!reacted);
      }
    }
  });

  it('shows each reader their own reactions, read position, vote, notification level and capabilities', async () => {
    const other = (await readers.other!.get(`/api/topics/${question}`)).body;
    expect(other.viewerState).toEqual({ lastReadNumber: 3, notificationLevel: 'muted', voted: false, ignoredUserIds: [] });
    expect(other.posts[0].viewerReactions).toEqual(['like']);
    expect(other.posts[2].viewerReactions).toEqual(['helpful', 'like']);
    expect(other.viewerCan).toMatchObject({ reply: true, acceptAnswer: false, moderate: false });
    const banned = (await readers.banned!.get(`/api/topics/${question}`)).body;
    expect(banned.viewerCan).toMatchObject({ reply: false, react: false, report: false });
    expect(banned.posts[1].viewerReactions).toEqual(['helpful']);
    const author = (await readers.member!.get(`/api/topics/${question}`)).body;
    expect(author.viewerCan).toMatchObject({ acceptAnswer: true, edit: true });
    expect(author.viewerState.notificationLevel).toBe('watching');
    expect((await readers.member!.get(`/api/topics/${idea}`)).body.viewerState.voted).toBe(true);
    expect((await readers.member!.get(`/api/topics/${locked}`)).body.viewerCan.reply).toBe(false);
  });

  it('renders its own page for whoever may read hidden text on it: moderators, admins, site admins, the hidden post’s author', async () => {
    for (const name of ['moderator', 'admin', 'siteAdmin', 'hiddenAuthor']) {
      const who = readers[name]!;
      const res = await who.get(`/api/topics/${question}`);
      expect(res.status).toBe(200);
      expect(res.headers['x-parley-cache'], name).toBeUndefined();
      expect(res.body, name).toEqual(await renderedFor(who, question, 0, 50));
      expect(res.text, name).toContain('Hidden but mine');
      expect(res.body.pinnedPosts.map((p: any) => p.body)).toContain('Hidden but mine');
    }
    // Guests and other members get neither the text nor the hidden pinned post.
    for (const res of [await t.guest().get(`/api/topics/${question}`), await readers.other!.get(`/api/topics/${question}`)]) {
      expect(res.text).not.toContain('Hidden but mine');
      expect(res.body.pinnedPosts).toHaveLength(1);
    }
    // A page without the hidden post is the guests' page for its author too.
    const later = await readers.hiddenAuthor!.get(`/api/topics/${question}?after=5`);
    expect(later.headers['x-parley-cache']).toBe('overlay');
    expect(later.body).toEqual(await renderedFor(readers.hiddenAuthor!, question, 5, 50));
  });

  it('follows a change of role or ban at once, without the page changing', async () => {
    const outsider = readers.outsider!;
    expect((await outsider.get(`/api/topics/${question}`)).body.viewerCan.moderate).toBe(false);
    expect((await s.admin.put(`/api/communities/${s.slug}/members/${outsider.handle}`, { role: 'moderator' })).status).toBe(200);
    const promoted = await outsider.get(`/api/topics/${question}`);
    expect(promoted.body.viewerCan.moderate).toBe(true);
    expect(promoted.text).toContain('Hidden but mine');
  });

  it('answers a hidden topic’s author and moderators, and 404s everyone else', async () => {
    const { topic } = await createTopic(s.other, s.slug);
    expect((await s.moderator.post(`/api/topics/${topic.id}/hide`, { reasonCode: 'spam' })).status).toBe(200);
    expect((await t.guest().get(`/api/topics/${topic.id}`)).status).toBe(404);
    expect((await readers.member!.get(`/api/topics/${topic.id}`)).status).toBe(404);
    for (const who of [s.other, s.moderator]) {
      const res = await who.get(`/api/topics/${topic.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(await renderedFor(who, topic.id, 0, 50));
    }
  });
});
