ALTER INDEX "flags_queue_idx" RENAME TO "queue_items_queue_idx";--> statement-breakpoint
ALTER INDEX "flags_post_idx" RENAME TO "queue_items_post_idx";--> statement-breakpoint
ALTER INDEX "flags_topic_idx" RENAME TO "queue_items_topic_idx";--> statement-breakpoint
ALTER INDEX "flags_one_per_member_key" RENAME TO "queue_items_one_flag_per_member_key";--> statement-breakpoint
ALTER TABLE "queue_items" ALTER COLUMN "reason" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "moderation_log" ADD COLUMN "reason_code" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "hidden_reason_code" text;--> statement-breakpoint
ALTER TABLE "topics" ADD COLUMN "hidden_reason_code" text;--> statement-breakpoint
-- What the system wrote as English sentences becomes codes (put into words when shown).
UPDATE "posts" SET "hidden_reason_code" = 'held_first_post', "hidden_reason" = NULL
  WHERE "hidden_reason" = 'A member''s first post here waits for a moderator''s approval.';--> statement-breakpoint
UPDATE "posts" SET "hidden_reason_code" = 'flagged', "hidden_reason" = NULL
  WHERE "hidden_reason" ~ '^Hidden automatically after [0-9]+ members flagged it; waiting for a moderator''s review\.$';--> statement-breakpoint
UPDATE "topics" SET "hidden_reason_code" = 'held_first_topic', "hidden_reason" = NULL
  WHERE "hidden_reason" = 'A member''s first topic here waits for a moderator''s approval.';--> statement-breakpoint
UPDATE "queue_items" SET "reason" = NULL
  WHERE ("kind" = 'first_post' AND "reason" IN ('First post in this community', 'First topic in this community'))
     OR ("kind" = 'review_request' AND "reason" = 'The author asks a moderator to look again.');--> statement-breakpoint
UPDATE "moderation_log" SET "reason_code" = 'held_first_post', "reason" = NULL
  WHERE "reason" = 'A member''s first post here waits for a moderator''s approval.';--> statement-breakpoint
UPDATE "moderation_log" SET "reason_code" = 'held_first_topic', "reason" = NULL
  WHERE "reason" = 'A member''s first topic here waits for a moderator''s approval.';--> statement-breakpoint
UPDATE "moderation_log" SET "reason_code" = 'flagged', "reason" = NULL, "detail" = substring("detail" from '^([0-9]+) flags$')
  WHERE "automatic" AND "reason" ~ '^Hidden automatically after [0-9]+ members flagged it; waiting for a moderator''s review\.$';--> statement-breakpoint
UPDATE "moderation_log" SET "detail" = CASE "detail" WHEN 'member flag' THEN 'flag' WHEN 'held first post' THEN 'first_post' ELSE 'review_request' END
  WHERE "action" IN ('resolve_flag', 'dismiss_flag') AND "detail" IN ('member flag', 'held first post', 'review request');--> statement-breakpoint
UPDATE "notifications" SET "data" = ("data" - 'reason') || '{"reasonCode": "flagged"}'::jsonb
  WHERE "kind" = 'moderation' AND "data"->>'reason' ~ '^Hidden automatically after [0-9]+ members flagged it; waiting for a moderator''s review\.$';
