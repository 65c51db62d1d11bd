/**
 * The head of public pages and its structured data, built from what the real JSON API answers
 * (guests' pages, and a moderator's, whose JSON carries hidden text the head must still leave out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../server/i18n/translator.js';
import {
  communityHead,
  communityListHead,
  moderationLogHead,
  notFoundHead,
  privatePageHead,
  profileHead,
  renderHead,
  scriptJson,
  topicHead,
  type PageHead,
  type TopicHeadInput,
} from '../server/pages/head.js';
import { excerpt, htmlToText, readHtml, readPost } from '../server/pages/plain-text.js';
import type { TopicPageData } from '../server/pages/structured-data.js';
import { ORIGIN, startTestApp, type TestApp } from './helpers/app.js';
import { createTopic, reply, scene, unique } from './helpers/factories.js';
import type { Community, Post } from '../web/src/lib/api.js';

const translator = createTranslator();
const ctx = (locale = 'en') => ({
  origin: ORIGIN,
  siteName: 'Parley',
  locale,
  t: (key: string, params?: Record<string, unknown>) => translator.t(locale, key, params),
});

const EVIL_TITLE = `Why </script><script>alert(1)</script> "quoted" & <b>bold</b>?`;
const SECRET_HIDDEN = `hiddensecret${unique()}`;
const SECRET_DELETED = `deletedsecret${unique()}`;

/** The JSON-LD objects of a rendered head, parsed back as a browser's script element would give them. */
function jsonLdOf(html: string): Record<string, any>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!));
}
const metaOf = (html: string, key: string) => {
  const m = new RegExp(`<meta (?:name|property)="${key}" content="([^"]*)">`).exec(html);
  return m ? m[1]! : undefined;
};
const byType = (html: string, type: string) => jsonLdOf(html).find((d) => d['@type'] === type);

let t: TestApp;
let community: Community;
let question: TopicPageData;
let questionAsModerator: TopicPageData;
let accepted: Post;
let helpfulReply: Post;
let s: Awaited<ReturnType<typeof scene>>;

const topicInput = (page: TopicPageData, over: Partial<TopicHeadInput> = {}): TopicHeadInput => ({
  ...ctx(),
  community,
  page,
  pageNumber: 1,
  canonical: `${ORIGIN}/c/${community.slug}/t/${page.topic.id}-why`,
  indexable: true,
  feedUrl: `${ORIGIN}/c/${community.slug}/t/${page.topic.id}/feed.rss`,
  ...over,
});

beforeAll(async () => {
  t = await startTestApp();
  s = await scene(t);
  await s.admin.api.updateCommunity(s.slug, { accentColor: '#b45309' });
  const { topic } = await createTopic(s.member, s.slug, {
    kind: 'question',
    title: EVIL_TITLE,
    body: `It fails with **A & B** when I press "go".\n\n![screen](https://img.example/shot.png)\n\n${'More detail. '.repeat(20)}`,
  });
  accepted = await reply(s.other, topic.id, { body: 'Restart the **router** & try again.' });
  helpfulReply = await reply(s.admin, topic.id, { body: 'Check the cable first.' });
  const hidden = await reply(s.other, topic.id, { body: `Spam ${SECRET_HIDDEN}` });
  const deleted = await reply(s.other, topic.id, { body: `Oops ${SECRET_DELETED}` });
  await s.moderator.api.hidePost(hidden.id, 'spam');
  await s.other.api.deletePost(deleted.id);
  await s.member.api.setSolution(topic.id, accepted.id);
  await s.member.api.react(helpfulReply.id, 'helpful');
  await s.other.api.react(helpfulReply.id, 'helpful');
  community = await t.guest().api.getCommunity(s.slug);
  question = await t.guest().api.getTopic(topic.id);
  questionAsModerator = await s.moderator.api.getTopic(topic.id);
});
afterAll(async () => {
  await t?.close();
});

describe('renderHead', () => {
  it('keeps a hostile title inert in <title>, attributes and JSON-LD', () => {
    const html = renderHead(topicHead(topicInput(question)));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('</script><script>');
    expect(html).toContain('<title>Why &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;? · ');
    expect(metaOf(html, 'og:title')).toBe('Why &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;?');
    // Each script element ends exactly where its JSON ends, and the title comes back whole.
    const scripts = html.match(/<script\b/g) ?? [];
    expect(scripts.length).toBe(jsonLdOf(html).length);
    expect(byType(html, 'QAPage')!.mainEntity.name).toBe(EVIL_TITLE);
  });

  it('serialises JSON so that no script, comment or line separator can break out', () => {
    const value = { a: '</script><!-- ]]> & \u2028\u2029' };
    const out = scriptJson(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
  });

  it('writes the previews, canonical, feed and theme colour of a topic', () => {
    const head = topicHead(topicInput(question));
    const html = renderHead(head);
    expect(html).toContain(`<link rel="canonical" href="${ORIGIN}/c/${community.slug}/t/${question.topic.id}-why">`);
    expect(metaOf(html, 'og:url')).toBe(head.canonical);
    expect(metaOf(html, 'og:type')).toBe('article');
    expect(metaOf(html, 'og:site_name')).toBe(community.name);
    expect(metaOf(html, 'og:locale')).toBe('en');
    expect(metaOf(html, 'theme-color')).toBe('#b45309');
    expect(metaOf(html, 'article:published_time')).toBe(question.topic.createdAt);
    expect(metaOf(html, 'article:modified_time')).toBeDefined();
    expect(html).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="http:\/\/parley\.test\/c\/[^"]+\/feed\.rss">/);
    expect(html).not.toContain('name="robots"');
  });

  it('describes a topic by a plain-text excerpt of its opening post, entities decoded once', () => {
    const head = topicHead(topicInput(question));
    expect(head.description.startsWith('It fails with A & B when I press "go". More detail.')).toBe(true);
    expect(head.description.endsWith('…')).toBe(true);
    expect(Array.from(head.description).length).toBeLessThanOrEqual(160);
    expect(metaOf(renderHead(head), 'description')).toContain('A &amp; B when I press &quot;go&quot;');
  });

  it('shows an absolute image as a large card, and nothing for a relative or odd one', () => {
    const html = renderHead(topicHead(topicInput(question)));
    expect(metaOf(html, 'og:image')).toBe('https://img.example/shot.png');
    expect(metaOf(html, 'twitter:card')).toBe('summary_large_image');
    const page = { ...question, posts: question.posts.map((p) => (p.number === 1 ? { ...p, bodyHtml: '<p><img src="javascript:alert(1)"></p>' } : p)) };
    const without = renderHead(topicHead(topicInput(page)));
    expect(metaOf(without, 'og:image')).toBeUndefined();
    expect(metaOf(without, 'twitter:card')).toBe('summary');
  });

  it('says noindex when asked, and for an unlisted community', () => {
    expect(renderHead(topicHead(topicInput(question, { indexable: false })))).toContain('<meta name="robots" content="noindex">');
    const head = topicHead(topicInput(question, { community: { ...community, unlisted: true } }));
    expect(head.robots).toBe('noindex');
  });
});

describe('structured data of a question', () => {
  it('is a QAPage: the accepted answer, every other visible reply suggested, helpful marks as upvotes', () => {
    const qa = byType(renderHead(topicHead(topicInput(question))), 'QAPage')!;
    const q = qa.mainEntity;
    expect(q['@type']).toBe('Question');
    expect(q.answerCount).toBe(2);
    expect(q.text).toContain('It fails with A & B');
    expect(q.author).toEqual({ '@type': 'Person', name: question.topic.author.displayName, url: `${ORIGIN}/u/${s.member.handle}` });
    expect(q.acceptedAnswer).toMatchObject({
      '@type': 'Answer',
      text: 'Restart the router & try again.',
      url: expect.stringMatching(/#post-2$/),
      upvoteCount: 0,
    });
    expect(q.suggestedAnswer).toHaveLength(1);
    expect(q.suggestedAnswer[0]).toMatchObject({ text: 'Check the cable first.', upvoteCount: 2, url: expect.stringMatching(/-why#post-3$/) });
    expect(q.suggestedAnswer[0].author.url).toBe(`${ORIGIN}/u/${s.admin.handle}`);
    expect(q.suggestedAnswer[0].datePublished).toBe(helpfulReply.createdAt);
  });

  it('never carries hidden or deleted text, not even from a moderator’s JSON', () => {
    expect(questionAsModerator.posts.some((p) => p.bodyHtml?.includes(SECRET_HIDDEN))).toBe(true);
    for (const page of [question, questionAsModerator]) {
      const html = renderHead(topicHead(topicInput(page)));
      expect(html).not.toContain(SECRET_HIDDEN);
      expect(html).not.toContain(SECRET_DELETED);
      expect(byType(html, 'QAPage')!.mainEntity.answerCount).toBe(2);
    }
  });

  it('takes the topic’s count of visible replies when the caller knows it', () => {
    const qa = byType(renderHead(topicHead(topicInput(question, { visibleReplyCount: 70 }))), 'QAPage')!;
    expect(qa.mainEntity.answerCount).toBe(70);
  });

  it('has breadcrumbs from the communities through the category to the topic', () => {
    const crumbs = byType(renderHead(topicHead(topicInput(question))), 'BreadcrumbList')!;
    expect(crumbs.itemListElement.map((i: { position: number; item: string }) => [i.position, i.item])).toEqual([
      [1, `${ORIGIN}/`],
      [2, `${ORIGIN}/c/${community.slug}`],
      [3, `${ORIGIN}/c/${community.slug}?category=general`],
      [4, `${ORIGIN}/c/${community.slug}/t/${question.topic.id}-why`],
    ]);
  });

  it('a later page names its page in the title and points answers on earlier pages at their page', () => {
    const later = { ...question, posts: question.posts.filter((p) => p.number === 3) };
    const head = topicHead(
      topicInput(later, {
        pageNumber: 2,
        canonical: `${ORIGIN}/c/${community.slug}/t/${question.topic.id}-why?page=2`,
        postUrl: (n) => `${ORIGIN}/x?page=${n}#post-${n}`,
      }),
    );
    expect(head.title).toMatch(/, page 2 · /);
    expect(head.description).toBe('Check the cable first.');
    const qa = byType(renderHead(head), 'QAPage')!;
    expect(qa.mainEntity.url).toBe(`${ORIGIN}/c/${community.slug}/t/${question.topic.id}-why`);
    expect(qa.mainEntity.acceptedAnswer.url).toBe(`${ORIGIN}/x?page=2#post-2`);
    expect(qa.mainEntity.text).toBeUndefined();
  });
});

describe('structured data of other topics', () => {
  it('a question with no visible reply is a DiscussionForumPosting', async () => {
    const { topic } = await createTopic(s.member, s.slug, { kind: 'question', title: 'Nobody answered yet' });
    const hidden = await reply(s.other, topic.id, { body: `Spam ${SECRET_HIDDEN}` });
    await s.moderator.api.hidePost(hidden.id, 'spam');
    const html = renderHead(topicHead(topicInput(await t.guest().api.getTopic(topic.id))));
    expect(byType(html, 'QAPage')).toBeUndefined();
    const posting = byType(html, 'DiscussionForumPosting')!;
    expect(posting.comment).toEqual([]);
    expect(posting.interactionStatistic[0]).toMatchObject({ interactionType: 'https://schema.org/CommentAction', userInteractionCount: 0 });
    expect(html).not.toContain(SECRET_HIDDEN);
  });

  it('a discussion lists each visible reply as a comment with its own url', async () => {
    const { topic } = await createTopic(s.member, s.slug, { title: 'Show your setups', body: 'Mine is a desk.' });
    const r = await reply(s.other, topic.id, { body: 'A *chair* & a lamp.' });
    await s.member.api.react(r.id, 'like');
    const posting = byType(renderHead(topicHead(topicInput(await t.guest().api.getTopic(topic.id)))), 'DiscussionForumPosting')!;
    expect(posting).toMatchObject({
      headline: 'Show your setups',
      text: 'Mine is a desk.',
      datePublished: topic.createdAt,
      author: { url: `${ORIGIN}/u/${s.member.handle}` },
    });
    expect(posting.comment).toEqual([
      expect.objectContaining({ '@type': 'Comment', text: 'A chair & a lamp.', url: expect.stringMatching(/#post-2$/), datePublished: r.createdAt }),
    ]);
    expect(posting.interactionStatistic).toEqual(
      expect.arrayContaining([expect.objectContaining({ interactionType: 'https://schema.org/CommentAction', userInteractionCount: 1 })]),
    );
  });

  it('a hidden topic, read by a moderator, gives away nothing of itself', async () => {
    const title = `Hidden ${unique()}`;
    const { topic } = await createTopic(s.member, s.slug, { title, body: `Body ${SECRET_HIDDEN}` });
    await s.moderator.api.hideTopic(topic.id, 'spam');
    const head = topicHead(topicInput(await s.moderator.api.getTopic(topic.id)));
    const html = renderHead(head);
    expect(head.robots).toBe('noindex');
    expect(head.jsonLd).toEqual([]);
    expect(html).not.toContain(title);
    expect(html).not.toContain(SECRET_HIDDEN);
  });
});

describe('other pages', () => {
  it('a community page: category, sort and page in the title, breadcrumbs, feed', () => {
    const head = communityHead({
      ...ctx(),
      community,
      category: 'general',
      sort: 'unanswered',
      pageNumber: 3,
      canonical: `${ORIGIN}/c/${community.slug}?category=general&sort=unanswered&page=3`,
      indexable: true,
      feedUrl: `${ORIGIN}/c/${community.slug}/feed.rss?category=general`,
    });
    expect(head.title).toBe(`Unanswered, page 3 · General · ${community.name} · Parley`);
    const html = renderHead(head);
    expect(html).toContain('href="http://parley.test/c/' + community.slug + '?category=general&amp;sort=unanswered&amp;page=3"');
    expect(byType(html, 'BreadcrumbList')!.itemListElement).toHaveLength(3);
    expect(head.alternates[0]!.title).toContain('General');
    const plain = communityHead({ ...ctx(), community, pageNumber: 1, canonical: `${ORIGIN}/c/${community.slug}`, indexable: true });
    expect(plain.title).toBe(`${community.name} · Parley`);
    expect(plain.description).toBe('for tests');
  });

  it('the community list, in German too', () => {
    expect(communityListHead({ ...ctx(), canonical: `${ORIGIN}/` }).title).toBe('Communities · Parley');
    expect(communityListHead({ ...ctx('de'), canonical: `${ORIGIN}/` }).title).toBe('Communitys · Parley');
  });

  it('a profile is a ProfilePage about the person', async () => {
    const profile = await t.guest().api.getUser(s.admin.handle);
    const head = profileHead({ ...ctx(), profile, canonical: `${ORIGIN}/u/${s.admin.handle}` });
    expect(head.ogType).toBe('profile');
    expect(head.description).toContain(`@${s.admin.handle}`);
    const page = byType(renderHead(head), 'ProfilePage')!;
    expect(page.mainEntity).toMatchObject({ '@type': 'Person', alternateName: s.admin.handle, url: `${ORIGIN}/u/${s.admin.handle}` });
    expect(page.mainEntity.agentInteractionStatistic[0]).toMatchObject({
      interactionType: 'https://schema.org/WriteAction',
      userInteractionCount: profile.stats.posts,
    });
  });

  it('the moderation log', async () => {
    const head = moderationLogHead({ ...ctx(), community, canonical: `${ORIGIN}/c/${community.slug}/log` });
    expect(head.title).toBe(`Moderation log · ${community.name} · Parley`);
    expect(head.robots).toBe('index');
  });

  it('not found and private pages say noindex and have no canonical or previews', () => {
    for (const head of [notFoundHead(ctx()), privatePageHead('Settings · Parley')] as PageHead[]) {
      const html = renderHead(head);
      expect(html).toContain('<meta name="robots" content="noindex">');
      expect(html).not.toContain('rel="canonical"');
      expect(html).not.toContain('og:');
    }
    expect(notFoundHead(ctx()).title).toBe('Page not found · Parley');
  });
});

describe('plain text', () => {
  it('strips tags, keeps words apart at block boundaries and decodes entities once', () => {
    expect(htmlToText('<p>a &amp;lt; b<br>c</p><ul><li>d</li><li><em>e</em>f</li></ul><!-- x --><script>y()</script>')).toBe('a &lt; b c d ef');
  });

  it('reads stored post HTML the fast way exactly as the full parser does', async () => {
    const { post } = await createTopic(s.member, s.slug, {
      body: '# Head\n\nA *b* & <tag> "q" \'s\n\n- one\n- two\n\n```\nx < y && z\n```\n\n![i](https://img.example/a.png?x=1&y="2")\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    });
    const bodies = [post.bodyHtml!, ...question.posts.flatMap((p) => (p.bodyHtml ? [p.bodyHtml] : []))];
    for (const html of bodies) expect(readPost(html)).toEqual(readHtml(html));
    expect(readPost(post.bodyHtml!).firstImage).toBe(readHtml(post.bodyHtml!).firstImage);
    expect(readPost(post.bodyHtml!).text).toContain('x < y && z');
  });

  it('cuts on a word boundary with an ellipsis, never inside an emoji', () => {
    expect(excerpt('alpha beta gamma delta epsilon', 20)).toBe('alpha beta gamma…');
    expect(excerpt('see https://example.org/a-very-long-address-indeed', 20)).toBe('see https://example…');
    expect(Array.from(excerpt('😀'.repeat(200), 10))).toHaveLength(10);
  });
});
