/**
 * The shape of the generated community, decided in JavaScript where the database would need
 * correlated work per row (exact totals, per-topic sizes, titles); everything per post is then
 * derived from these rows by set-based SQL (bench/large/generate.ts).
 */

/** A small, fast, seedable PRNG (mulberry32): the same scale gives the same community. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Sizes {
  users: number;
  topics: number;
  posts: number;
  /** Communities with content, and quiet ones (a row, a category, nothing else) that fill the communities list. */
  quietCommunities: number;
}

/** Scale 1: 50,000 users, 100,000 topics, 1,000,000 posts. */
export function sizesAt(scale: number): Sizes {
  // At least 100: every community's moderators and staff are among the first 80 accounts.
  const users = Math.max(100, Math.round(50_000 * scale));
  const topics = Math.max(100, Math.round(100_000 * scale));
  return { users, topics, posts: Math.max(topics * 3, Math.round(1_000_000 * scale)), quietCommunities: Math.max(3, Math.round(120 * scale)) };
}

/** Very different sizes: most topics in one community, a long tail of smaller ones. */
export const COMMUNITIES = [
  {
    slug: 'acme',
    name: 'Acme Support',
    share: 0.78,
    categories: ['general', 'getting-started', 'billing', 'api', 'integrations', 'mobile', 'security', 'feedback', 'announcements', 'off-topic'],
  },
  { slug: 'orbit', name: 'Orbit Makers', share: 0.17, categories: ['general', 'hardware', 'firmware', 'show-and-tell', 'ideas'] },
  { slug: 'quill', name: 'Quill Writers', share: 0.045, categories: ['general', 'workshop', 'publishing'] },
  { slug: 'ember', name: 'Ember Local', share: 0.005, categories: ['general'] },
] as const;

export interface TopicPlan {
  community: number[];
  /** Index into that community's categories. */
  category: number[];
  author: number[];
  kind: ('discussion' | 'question' | 'idea')[];
  title: string[];
  /** Epoch milliseconds. */
  createdAt: number[];
  /** Milliseconds from the opening post to the last post. */
  lifetime: number[];
  size: number[];
  pinned: boolean[];
  locked: boolean[];
  hidden: boolean[];
  votes: number[];
  ideaStatus: (string | null)[];
}

const DAY = 86_400_000;
/** Two years of history, up to now. */
export const HISTORY_MS = 730 * DAY;

/**
 * A long-tailed topic size: most topics 1–10 posts, a few hundred, a handful thousands. The mixture
 * averages about 10, and the totals are then corrected to exactly `posts`.
 */
function rawSize(r: () => number): number {
  const u = r();
  if (u < 0.62) return 1 + Math.floor(r() * 4); // 1–4
  if (u < 0.92) return 5 + Math.floor(r() * 8); // 5–12
  if (u < 0.989) return 13 + Math.floor(r() ** 2 * 60); // 13–72
  if (u < 0.9992) return 73 + Math.floor(r() ** 2 * 600); // 73–672
  return 700 + Math.floor(r() * 3300); // 700–4000
}

/** Power-law author choice over users 2..users: a few very active members, a long tail of one-post accounts. */
export const authorOf = (r: () => number, users: number) => 2 + Math.floor((users - 1) * r() ** 2);

const TITLE_STARTS = ['How do I', 'Why does', 'Is it possible to', 'Best way to', 'Trouble when I', 'Question about how to', 'Idea: let us', 'Can we'];
const TITLE_VERBS = ['configure', 'export', 'import', 'reset', 'connect', 'sync', 'rename', 'upgrade', 'migrate', 'schedule', 'share', 'archive'];

export function planTopics(sizes: Sizes, now: number, words: readonly string[]): TopicPlan {
  const r = prng(20_261_206);
  const n = sizes.topics;
  const plan: TopicPlan = {
    community: [],
    category: [],
    author: [],
    kind: [],
    title: [],
    createdAt: [],
    lifetime: [],
    size: [],
    pinned: [],
    locked: [],
    hidden: [],
    votes: [],
    ideaStatus: [],
  };
  const cumulative = COMMUNITIES.map((_, i) => COMMUNITIES.slice(0, i + 1).reduce((s, c) => s + c.share, 0));
  const start = now - HISTORY_MS;
  for (let i = 0; i < n; i++) {
    const u = r();
    const c = Math.max(
      0,
      cumulative.findIndex((x) => u < x),
    );
    const cats = COMMUNITIES[c]!.categories.length;
    // The first categories are the busy ones.
    plan.community.push(c);
    plan.category.push(Math.min(cats - 1, Math.floor(cats * r() ** 1.8)));
    plan.author.push(authorOf(r, sizes.users));
    const k = r();
    const kind = k < 0.3 ? 'question' : k < 0.38 && c < 2 ? 'idea' : 'discussion';
    plan.kind.push(kind);
    const w = () => words[Math.floor(r() ** 2 * words.length)]!;
    const opening = `${TITLE_STARTS[Math.floor(r() * TITLE_STARTS.length)]} ${TITLE_VERBS[Math.floor(r() * TITLE_VERBS.length)]} the ${w()} ${w()}`;
    plan.title.push(kind === 'question' ? `${opening}?` : `${opening} (${w()})`);
    // More topics lately than two years ago: a growing community; ids follow time.
    const createdAt = start + HISTORY_MS * (i / n) ** 0.85;
    plan.createdAt.push(Math.floor(createdAt));
    plan.size.push(rawSize(r));
    plan.pinned.push(r() < 0.0006);
    plan.locked.push(r() < 0.004);
    plan.hidden.push(r() < 0.003);
    // One vote per member: never more votes than members.
    plan.votes.push(kind === 'idea' ? Math.min(sizes.users - 1, Math.floor(r() ** 4 * 300)) : 0);
    const s = r();
    plan.ideaStatus.push(
      kind !== 'idea' || s < 0.6 ? null : s < 0.75 ? 'under_review' : s < 0.85 ? 'planned' : s < 0.9 ? 'in_progress' : s < 0.96 ? 'shipped' : 'declined',
    );
  }
  // Exactly `posts` in all: trim or grow topics at random, never below one post.
  let total = plan.size.reduce((s, x) => s + x, 0);
  while (total !== sizes.posts) {
    const i = Math.floor(r() * n);
    if (total > sizes.posts && plan.size[i]! > 1) {
      const cut = Math.min(plan.size[i]! - 1, total - sizes.posts, Math.ceil(plan.size[i]! / 4));
      plan.size[i]! -= cut;
      total -= cut;
    } else if (total < sizes.posts) {
      const add = Math.min(sizes.posts - total, Math.ceil(plan.size[i]! / 4));
      plan.size[i]! += add;
      total += add;
    }
  }
  // One topic of the largest size the tail allows, in the biggest community: the bench's "big topic".
  const big = plan.size.indexOf(Math.max(...plan.size));
  plan.community[big] = 0;
  plan.hidden[big] = false;
  for (let i = 0; i < n; i++) {
    // A topic lives a day or two when small, for months when big; never past now.
    const span = plan.size[i]! <= 1 ? 0 : Math.min(now - plan.createdAt[i]! - 60_000, plan.size[i]! * (0.5 + r() * 4) * 3_600_000);
    plan.lifetime.push(Math.max(0, Math.floor(span)));
  }
  return plan;
}
