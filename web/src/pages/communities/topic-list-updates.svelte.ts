import type { IdeaStatus, ListedTopic, Topic, TopicKind, TopicSort } from '../../lib/api';
import type { LiveEvent } from '../../lib/live';
import type { PagedList } from '../../lib/paged-list.svelte';

/** What the list on screen shows: events for other categories are not its business. */
export interface TopicListView {
  /** A category slug; '' for all topics. */
  category: string;
  sort: TopicSort;
  /** Only topics of this kind (the votes view lists ideas). */
  kind?: TopicKind;
  /** Only ideas with this status (the votes view's filter). */
  status?: IdeaStatus | undefined;
}

/**
 * Folds a community channel's live events into a topic list without moving anything under the
 * reader: a change that fits in place (a new reply count, a pin, a lock, a new title) is applied
 * in place; one that would add or reorder rows (a new topic, a bump) is only counted, and the
 * page offers a button that reloads the list when the reader is ready for it.
 *
 * Create it during component initialisation, next to the PagedList it watches.
 */
export class TopicListUpdates {
  /** Topics created since the list loaded (ids), newest last. */
  #newIds: number[] = $state.raw([]);
  /** Topics with new activity that would now sit elsewhere in the list. */
  #movedIds: number[] = $state.raw([]);
  /**
   * Something changed that cannot be placed: a topic became invisible to this viewer (the event
   * carries no id then), or the channel was reset (too far behind to replay).
   */
  #unplaced = $state(false);

  readonly #list: PagedList<ListedTopic>;
  readonly #view: () => TopicListView;

  constructor(list: PagedList<ListedTopic>, view: () => TopicListView) {
    this.#list = list;
    this.#view = view;
  }

  /** New topics not on screen yet (a reload may already have brought some in). */
  get newCount(): number {
    const shown = new Set(this.#list.items.map((t) => t.id));
    return this.#newIds.filter((id) => !shown.has(id)).length;
  }

  get movedCount(): number {
    return this.#movedIds.length;
  }

  get unplaced(): boolean {
    return this.#unplaced;
  }

  /** Whether the list on screen is behind: the reload button shows while this is true. */
  get pending(): boolean {
    return this.newCount > 0 || this.movedCount > 0 || this.#unplaced;
  }

  /** Forget what was counted: the list is about to load afresh. */
  clear = (): void => {
    this.#newIds = [];
    this.#movedIds = [];
    this.#unplaced = false;
  };

  /** The live channel's `event` handler. */
  event = (e: LiveEvent): void => {
    // While the first page loads, its answer will include the change (or close enough: the
    // next event for the topic catches up).
    if (this.#list.status !== 'ready') return;
    switch (e.event) {
      case 'topic.created':
        // null: a topic this viewer may not see (a held first topic, say).
        if (e.data && this.#fits(e.data) && !this.#indexOf(e.data.id).found) this.#addNew(e.data.id);
        return;
      case 'topic.bumped':
        if (e.data) this.#bumped(e.data);
        return;
      case 'topic.updated':
        if (e.data) this.#updated(e.data);
        // Hidden from this viewer now. Which topic is not said, so it cannot be taken out of the
        // list here: offer the reload instead.
        else this.#unplaced = true;
        return;
      default:
        return;
    }
  };

  /** The live channel's `reset` handler: events were lost, the list may be out of date. */
  reset = (): void => {
    this.#unplaced = true;
  };

  // -------------------------------------------------------------------------------------------

  #fits(topic: Topic): boolean {
    const { category, kind, status } = this.#view();
    return (category === '' || topic.category === category) && (!kind || topic.kind === kind) && (!status || topic.ideaStatus?.status === status);
  }

  #indexOf(id: number): { found: boolean; index: number } {
    const index = this.#list.items.findIndex((t) => t.id === id);
    return { found: index >= 0, index };
  }

  /**
   * Live events carry the topic as everyone sees it: the reader's own reading state (`viewer`)
   * is kept, and new posts count as unread for a reader who opened the topic before.
   */
  #replace(index: number, topic: ListedTopic): void {
    const items = [...this.#list.items];
    const old = items[index]!;
    let viewer = topic.viewer ?? old.viewer;
    if (viewer && !topic.viewer && viewer.lastReadNumber > 0 && topic.postCount > old.postCount) {
      viewer = { ...viewer, unread: viewer.unread + (topic.postCount - old.postCount) };
    }
    items[index] = viewer ? { ...topic, viewer } : topic;
    this.#list.items = items;
  }

  #addNew(id: number): void {
    if (!this.#newIds.includes(id)) this.#newIds = [...this.#newIds, id];
  }

  #addMoved(id: number): void {
    if (!this.#movedIds.includes(id) && !this.#newIds.includes(id)) this.#movedIds = [...this.#movedIds, id];
  }

  /** A new reply: the counts change in place; the order may change too. */
  #bumped(topic: Topic): void {
    const { found, index } = this.#indexOf(topic.id);
    if (found) this.#replace(index, topic);
    if (!this.#fits(topic) || topic.pinned) return; // pinned topics stay first whatever happens
    const { sort } = this.#view();
    if (sort === 'latest') {
      // Already the first topic under the pinned ones: it is where a reload would put it.
      const atTop = found && this.#list.items.slice(0, index).every((t) => t.pinned);
      if (!atTop) this.#addMoved(topic.id);
    } else if (sort === 'unanswered') {
      // A reply answers it: a reload would take it off this list.
      if (found) this.#addMoved(topic.id);
    }
    // 'top' and 'votes' rank by votes (and replies): one reply is not worth interrupting for.
  }

  /** Pin, lock, solution, title, hidden state: all shown in place. */
  #updated(topic: Topic): void {
    const { found, index } = this.#indexOf(topic.id);
    if (found) {
      this.#replace(index, topic);
      // Moved to another category, or out of the status filtered for: it stays in view (labelled
      // with its new category or status) until the reload.
      if (!this.#fits(topic)) this.#addMoved(topic.id);
      return;
    }
    // Not on screen: newly visible (unhidden, approved), or further down than loaded. A pinned
    // one would come first; any other counts only when the whole list is loaded (so it really is
    // missing, not on a later page).
    if (this.#fits(topic) && (topic.pinned || !this.#list.hasMore)) this.#addMoved(topic.id);
  }
}
