import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/expect-error.js';
import { createTopic, reply, scene } from './helpers/factories.js';
import { overlapping } from './helpers/write-gate.js';

/**
 * Edits, reactions and votes check the topic and the post before they write; a lock, hide or
 * delete committed between those checks and the write must still refuse it. Each case holds its
 * service just before its write (tests/helpers/write-gate.ts) while the other action commits.
 */
vi.mock('../server/write/unit-of-work.js', async (importOriginal) => (await import('./helpers/write-gate.js')).gatedWrites(await importOriginal()));

let t: TestApp;
let s: Awaited<ReturnType<typeof scene>>;
beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
});
afterAll(async () => {
  await t?.close();
});

const postAsModeratorSees = async (postId: number) => (await s.moderator.get(`/api/posts/${postId}`)).body.post;

describe('editing a post', () => {
  it('a lock committed after the checks refuses the edit with 403 topic_locked and keeps the text', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const mine = await reply(s.other, topic.id, { body: 'As first written' });
    const res = await overlapping(
      'editPost',
      () => s.other.patch(`/api/posts/${mine.id}`, { body: 'Rewritten after the lock' }),
      async () => expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200),
    );
    expectError(res, 403, 'topic_locked');
    expect(await postAsModeratorSees(mine.id)).toMatchObject({ body: 'As first written', editedAt: null });
    expect((await s.other.get(`/api/posts/${mine.id}/revisions`)).body.items).toEqual([]);
  });

  it('a delete committed after the checks refuses the edit with 409 post_deleted', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const mine = await reply(s.other, topic.id, { body: 'Soon gone' });
    const res = await overlapping(
      'editPost',
      () => s.other.patch(`/api/posts/${mine.id}`, { body: 'Rewriting a tombstone' }),
      async () => expect((await s.other.delete(`/api/posts/${mine.id}`)).status).toBe(204),
    );
    expectError(res, 409, 'post_deleted');
    expect((await s.moderator.get(`/api/posts/${mine.id}/revisions`)).body.items).toEqual([]);
  });

  it('two edits at once both keep the text they replaced in the revisions', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const mine = await reply(s.other, topic.id, { body: 'Version one' });
    const res = await overlapping(
      'editPost',
      () => s.other.patch(`/api/posts/${mine.id}`, { body: 'Version three' }),
      async () => expect((await s.other.patch(`/api/posts/${mine.id}`, { body: 'Version two' })).status).toBe(200),
    );
    expect(res.status, res.text).toBe(200);
    const revisions = (await s.other.get(`/api/posts/${mine.id}/revisions`)).body.items as { body: string }[];
    expect(revisions.map((r) => r.body)).toEqual(['Version two', 'Version one']);
  });
});

describe('reacting to a post', () => {
  it('a hide committed after the checks refuses the reaction with 409 post_hidden and counts nothing', async () => {
    const { topic } = await createTopic(s.member, s.slug);
    const theirs = await reply(s.other, topic.id);
    const res = await overlapping(
      'addReaction',
      () => s.member.post(`/api/posts/${theirs.id}/reactions`, { kind: 'helpful' }),
      async () => expect((await s.moderator.post(`/api/posts/${theirs.id}/hide`, { reason: 'Off topic' })).status).toBe(200),
    );
    expectError(res, 409, 'post_hidden');
    expect((await postAsModeratorSees(theirs.id)).reactions).toEqual({ like: 0, helpful: 0 });
  });
});

describe('voting on an idea', () => {
  it('a lock committed after the checks refuses the vote with 403 topic_locked and the tally stays', async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'idea' });
    const res = await overlapping(
      'setVote',
      () => s.other.post(`/api/topics/${topic.id}/vote`),
      async () => expect((await s.moderator.post(`/api/topics/${topic.id}/lock`)).status).toBe(200),
    );
    expectError(res, 403, 'topic_locked');
    expect((await t.guest().get(`/api/topics/${topic.id}`)).body.topic.votes).toBe(0);
  });
});
