import { IDEA_STATUSES, TOPIC_SORTS, type IdeaStatus, type TopicSort } from '../../lib/api';
import { pageOf } from '../../lib/format';

/** What a community page lists, read from its URL: the same on the server's render and in the browser. */
export interface CommunityListQuery {
  category: string;
  sort: TopicSort;
  /** The votes view is the ideas board: ideas only, optionally of one status. */
  kind: 'idea' | undefined;
  status: IdeaStatus | undefined;
  /** The numbered page (1 = the first): rendered pages link pages by number. */
  page: number;
}

export function communityListQuery(param: (name: string) => string | null): CommunityListQuery {
  const sort: TopicSort = TOPIC_SORTS.find((s) => s === param('sort')) ?? 'latest';
  return {
    category: param('category') ?? '',
    sort,
    kind: sort === 'votes' ? 'idea' : undefined,
    status: sort === 'votes' ? IDEA_STATUSES.find((s) => s === param('status')) : undefined,
    page: pageOf(param('page')),
  };
}

/** The API query for the first page the community page shows. */
export function topicsQuery(q: CommunityListQuery) {
  return { category: q.category || undefined, sort: q.sort, kind: q.kind, status: q.status, page: q.page > 1 ? q.page : undefined };
}
