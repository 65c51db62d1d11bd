import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/client.js';
import { runReindexInBackground, reindexSearch, scheduleReindex, syncSearchConfigs } from '../server/search/search.reindex.js';
import { searchConfigFor } from '../server/search/search.languages.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import type { TestClient } from './helpers/client.js';
import { createCommunity, createTopic, reply, signUp, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.app.parley.ctx.db;
const search = async (slug: string, q: string): Promise<number[]> => {
  const res = await t.guest().get(`/api/communities/${slug}/search?q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return res.body.items.map((i: any) => i.post.id).sort((a: number, b: number) => a - b);
};
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
/** A made-up word, letters only, that no stemmer changes and only this test uses. */
const word = () => `zq${unique('').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;

/** The configurations of a community's rows, and how many rows are in each. */
async function configsOf(communityId: number) {
  const found = await rows<{ config: string; n: number }>(
    db(),
    sql`SELECT search_config AS config, count(*)::int AS n FROM (
          SELECT t.search_config FROM topics t WHERE t.community_id = ${communityId}
          UNION ALL SELECT p.search_config FROM posts p JOIN topics t ON t.id = p.topic_id WHERE t.community_id = ${communityId}) x
        GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(found.map((r) => [r.config, r.n]));
}
const communityConfig = async (id: number) =>
  (await rows<{ search_config: string; search_configs: string[] }>(db(), sql`SELECT search_config, search_configs FROM communities WHERE id = ${id}`))[0]!;

/** Languages without a catalogue (no PATCH yet) are set the way the route would, then scheduled. */
async function setLanguage(communityId: number, language: string) {
  await db().execute(sql`UPDATE communities SET language = ${language} WHERE id = ${communityId}`);
  await scheduleReindex({ db: db() }, communityId);
  await runReindexInBackground(db());
}

describe('search in the community language', () => {
  let admin: TestClient;
  let member: TestClient;
  beforeAll(async () => {
    admin = await signUp(t);
    member = await signUp(t);
  });

  it('maps language codes to configurations', async () => {
    expect(await searchConfigFor(db(), 'en')).toBe('parley_english');
    expect(await searchConfigFor(db(), 'de')).toBe('parley_german');
    expect(await searchConfigFor(db(), 'fr')).toBe('parley_french');
    expect(await searchConfigFor(db(), 'es-MX')).toBe('parley_spanish');
    expect(await searchConfigFor(db(), 'it')).toBe('italian');
    expect(await searchConfigFor(db(), 'pt-BR')).toBe('portuguese');
    expect(await searchConfigFor(db(), 'zh')).toBe('parley_simple');
    expect(await searchConfigFor(db(), 'xx')).toBe('parley_simple');
  });

  it('German (set through PATCH): "Haus" and "Häuser" find each other by stemming, with or without umlauts', async () => {
    const c = await createCommunity(admin);
    const res = await admin.patch(`/api/communities/${c.slug}`, { language: 'de' });
    expect(res.status).toBe(200);
    await runReindexInBackground(db());
    expect(await communityConfig(c.id)).toEqual({ search_config: 'parley_german', search_configs: ['parley_german'] });

    const { topic, post: houses } = await createTopic(member, c.slug, {
      title: 'Wohnen in der Altstadt',
      body: 'Die alten Häuser am Marktplatz werden renoviert.',
    });
    const house = await reply(member, topic.id, { body: 'Unser Haus steht direkt am Fluss.' });
    await reply(member, topic.id, { body: 'Ganz etwas anderes: Fahrräder.' });
    expect(await configsOf(c.id)).toEqual({ parley_german: 4 });

    expect(await search(c.slug, 'Haus')).toEqual(sorted([houses.id, house.id]));
    expect(await search(c.slug, 'Häuser')).toEqual(sorted([houses.id, house.id]));
    expect(await search(c.slug, 'Hauser')).toEqual(sorted([houses.id, house.id]));
    // Title words too, stemmed: "Altstädte" → altstadt.
    expect(await search(c.slug, 'Altstädte')).toEqual([houses.id]);
    const hit = (await t.guest().get(`/api/communities/${c.slug}/search?q=haus`)).body.items.find((i: any) => i.post.id === houses.id);
    expect(hit.snippetHtml).toContain('<mark>Häuser</mark>');
  });

  it('French: "resume" finds "résumé", accents folded both ways; Spanish likewise', async () => {
    const c = await createCommunity(admin);
    await setLanguage(c.id, 'fr');
    const { post } = await createTopic(member, c.slug, { title: 'Candidature', body: 'Envoyez votre résumé et une lettre pour les élèves.' });
    expect(await configsOf(c.id)).toEqual({ parley_french: 2 });
    expect(await search(c.slug, 'resume')).toEqual([post.id]);
    expect(await search(c.slug, 'résumés')).toEqual([post.id]);
    expect(await search(c.slug, 'eleve')).toEqual([post.id]);

    const es = await createCommunity(admin);
    await setLanguage(es.id, 'es');
    const { post: song } = await createTopic(member, es.slug, { body: 'Esta canción habla de los niños.' });
    expect(await search(es.slug, 'cancion nino')).toEqual([song.id]);
  });

  it('English, the default: stems as before, and folds accents of loanwords', async () => {
    const c = await createCommunity(admin);
    expect(await communityConfig(c.id)).toEqual({ search_config: 'parley_english', search_configs: ['parley_english'] });
    const { topic, post } = await createTopic(member, c.slug, { body: 'Resetting the routers at the café fixed it.' });
    const r = await reply(member, topic.id, { body: 'My router resets itself every night.' });
    expect(await search(c.slug, 'router reset')).toEqual(sorted([post.id, r.id]));
    expect(await search(c.slug, 'cafe')).toEqual([post.id]);
    // A body edit rebuilds the vector.
    await member.api.editPost(r.id, 'Nothing relevant any more.');
    expect(await search(c.slug, 'router reset')).toEqual([post.id]);
  });

  it('changing the language re-indexes in batches; search finds old and new rows meanwhile; other communities are untouched', async () => {
    const c = await createCommunity(admin);
    const other = await createCommunity(admin);
    const w = word();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { topic, post } = await createTopic(member, c.slug, { title: `Thema ${i}`, body: `Die Häuser ${w} Nummer ${i}` });
      ids.push(post.id, (await reply(member, topic.id, { body: `Noch ein Haus ${w}` })).id);
    }
    const { post: elsewhere } = await createTopic(member, other.slug, { body: `Die Häuser ${w} anderswo` });
    expect(await configsOf(c.id)).toEqual({ parley_english: 9 });
    // English stemming does not relate the two German forms.
    expect(await search(c.slug, 'Haus')).toEqual(sorted(ids.filter((_, i) => i % 2 === 1)));

    // What the route does, minus the background run: the test drives the batches itself.
    await db().execute(sql`UPDATE communities SET language = 'de' WHERE id = ${c.id}`);
    expect(await syncSearchConfigs(db(), c.id)).toEqual([c.id]);
    expect(await communityConfig(c.id)).toEqual({ search_config: 'parley_german', search_configs: ['parley_english', 'parley_german'] });
    // A post written now is indexed in German at once.
    const { post: fresh } = await createTopic(member, c.slug, { body: `Neue Häuser ${w}` });
    ids.push(fresh.id);

    const before = await configsOf(c.id);
    expect(before).toEqual({ parley_english: 9, parley_german: 2 });
    expect(await reindexSearch(db(), { batchSize: 2, maxBatches: 1 })).toBe(false);
    expect(await configsOf(c.id)).toEqual({ parley_english: 7, parley_german: 4 });
    expect(await reindexSearch(db(), { batchSize: 2, maxBatches: 2 })).toBe(false);
    const mixed = await configsOf(c.id);
    expect(mixed.parley_english).toBeGreaterThan(0);
    expect(mixed.parley_german).toBeGreaterThan(4);
    // Mixed state: every row is found, whichever configuration it is in.
    expect(await search(c.slug, w)).toEqual(sorted(ids));
    // Each row is matched with the query parsed its own way: "Häuser" is "haus" to the German rows
    // (the one "Haus" reply already re-indexed included), "hauser" to the English ones.
    const german = await rows<{ id: number }>(
      db(),
      sql`SELECT id FROM posts WHERE id = ANY (${`{${ids.join(',')}}`}::int[]) AND search_config = 'parley_german'`,
    );
    const germanIds = german.map((r) => Number(r.id));
    expect(germanIds.some((id) => ids.indexOf(id) % 2 === 1)).toBe(true);
    expect(await search(c.slug, `Häuser ${w}`)).toEqual(sorted(ids.filter((id, i) => i % 2 === 0 || germanIds.includes(id))));

    expect(await reindexSearch(db(), { batchSize: 2 })).toBe(true);
    expect(await configsOf(c.id)).toEqual({ parley_german: 11 });
    expect(await communityConfig(c.id)).toEqual({ search_config: 'parley_german', search_configs: ['parley_german'] });
    expect(await search(c.slug, w)).toEqual(sorted(ids));
    // Now German stemming relates "Haus" and "Häuser" in every post.
    expect(await search(c.slug, `Haus ${w}`)).toEqual(sorted(ids));

    // The other community kept its language and its rows.
    expect(await configsOf(other.id)).toEqual({ parley_english: 2 });
    expect(await communityConfig(other.id)).toEqual({ search_config: 'parley_english', search_configs: ['parley_english'] });
    expect(await search(other.slug, w)).toEqual([elsewhere.id]);
    // Nothing left to do.
    expect(await reindexSearch(db())).toBe(true);
  });

  it('a change through PATCH re-indexes existing posts in the background', async () => {
    const c = await createCommunity(admin);
    const { topic } = await createTopic(member, c.slug, { body: 'Die Häuser' });
    await reply(member, topic.id, { body: 'Das Haus' });
    expect(await configsOf(c.id)).toEqual({ parley_english: 3 });
    expect((await admin.patch(`/api/communities/${c.slug}`, { language: 'de' })).status).toBe(200);
    await runReindexInBackground(db());
    expect(await configsOf(c.id)).toEqual({ parley_german: 3 });
    expect(await search(c.slug, 'Haus')).toHaveLength(2);
    // And back: English again.
    expect((await admin.patch(`/api/communities/${c.slug}`, { language: 'en' })).status).toBe(200);
    await runReindexInBackground(db());
    expect(await configsOf(c.id)).toEqual({ parley_english: 3 });
    expect(await communityConfig(c.id)).toEqual({ search_config: 'parley_english', search_configs: ['parley_english'] });
  });
});
