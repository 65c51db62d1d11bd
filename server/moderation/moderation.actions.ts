/**
 * Every action the moderation log records. A module of its own, without imports, so the API
 * schema (and through it the web client's types) can name the actions without the log's queries.
 */
export const MODERATION_ACTIONS = [
  'pin_topic',
  'unpin_topic',
  'lock_topic',
  'unlock_topic',
  'hide_topic',
  'unhide_topic',
  'pin_post',
  'unpin_post',
  'hide_post',
  'unhide_post',
  'hold_post',
  'hold_topic',
  /** The system flagged a post for moderators by a watched-word rule (it stays visible). */
  'flag_post',
  'resolve_flag',
  'dismiss_flag',
  'ban_user',
  'unban_user',
  'change_role',
  'clear_idea_status',
  'add_category',
  'rename_category',
  'describe_category',
  'reorder_categories',
  'remove_category',
  'change_inbox_rules',
  /** A site admin suspended a member site-wide (detail: what was removed, as JSON), or lifted it. */
  'suspend_user',
  'unsuspend_user',
  'set_slow_mode',
  'set_topic_timer',
  'clear_topic_timer',
  'change_settings',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
