/**
 * The shape of what the server tells a viewer they may do (`viewerCan`). permissions.ts decides
 * the values; the web reads them instead of deciding anything itself. No imports: the web
 * imports this file too.
 */

/** What the viewer may do in a community (`viewerCan` of `GET /api/communities/:slug`). */
export interface CommunityCapabilities {
  /** The review queue, bans, and moderating topics and posts. */
  moderate: boolean;
  /** The community's settings, categories and roles. */
  administer: boolean;
  /** Answer ideas with a status. */
  setIdeaStatus: boolean;
  startTopic: boolean;
  /** The inbox of conversations that need one of the organisation's people. */
  useInbox: boolean;
  /** The community's insights: how quickly and by whom people get help, what they searched for. */
  viewInsights: boolean;
}

/**
 * What the viewer may do in one topic (`viewerCan` of `GET /api/topics/:id`). A rule about one
 * post is one of these and a fact about the post: a reader edits a post when it is theirs and
 * `editOwnPosts` holds.
 */
export interface TopicCapabilities {
  reply: boolean;
  /** Edit one's own posts here (a lock stops this as it stops replies). */
  editOwnPosts: boolean;
  deleteOwnPosts: boolean;
  /** Like others' posts or mark them helpful. */
  react: boolean;
  /** Report others' posts, and ask for a review of one's own hidden post. */
  report: boolean;
  /** Pin, lock and hide the topic and its posts. */
  moderate: boolean;
  /** Retitle or move the topic. */
  edit: boolean;
  /** Choose (or clear) the accepted answer. */
  acceptAnswer: boolean;
  vote: boolean;
  setIdeaStatus: boolean;
}

/** Nothing at all: what a guest may do in a topic, and what the web assumes until the server has answered. */
export const NO_TOPIC_CAPABILITIES: Readonly<TopicCapabilities> = Object.freeze({
  reply: false,
  editOwnPosts: false,
  deleteOwnPosts: false,
  react: false,
  report: false,
  moderate: false,
  edit: false,
  acceptAnswer: false,
  vote: false,
  setIdeaStatus: false,
});
