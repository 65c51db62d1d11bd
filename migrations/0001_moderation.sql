ALTER TABLE "flags" ALTER COLUMN "reporter_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "flag_threshold" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "hold_first_posts" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "flags" ADD COLUMN "kind" text DEFAULT 'flag' NOT NULL;--> statement-breakpoint
ALTER TABLE "flags" ADD COLUMN "target_type" text DEFAULT 'post' NOT NULL;--> statement-breakpoint
ALTER TABLE "flags" ADD COLUMN "topic_id" integer;--> statement-breakpoint
UPDATE "flags" SET "topic_id" = "posts"."topic_id" FROM "posts" WHERE "posts"."id" = "flags"."post_id";--> statement-breakpoint
ALTER TABLE "flags" ALTER COLUMN "topic_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "moderation_log" ADD COLUMN "detail" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "hidden_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "hidden_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "topics" ADD COLUMN "hidden_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flags_post_idx" ON "flags" USING btree ("post_id");--> statement-breakpoint
CREATE INDEX "flags_topic_idx" ON "flags" USING btree ("topic_id");--> statement-breakpoint
CREATE UNIQUE INDEX "flags_one_per_member_key" ON "flags" USING btree ("post_id","reporter_id") WHERE kind = 'flag';--> statement-breakpoint
CREATE INDEX "posts_pinned_idx" ON "posts" USING btree ("topic_id","number") WHERE pinned;