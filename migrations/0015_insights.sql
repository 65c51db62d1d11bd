CREATE TABLE "idea_status_changes" (
	"id" serial PRIMARY KEY NOT NULL,
	"topic_id" integer NOT NULL,
	"community_id" integer NOT NULL,
	"status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insight_posts" (
	"post_id" integer PRIMARY KEY NOT NULL,
	"topic_id" integer NOT NULL,
	"community_id" integer NOT NULL,
	"author_id" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"reply" boolean NOT NULL,
	"accepted" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insight_topics" (
	"topic_id" integer PRIMARY KEY NOT NULL,
	"community_id" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"author_id" integer NOT NULL,
	"first_reply_at" timestamp with time zone,
	"first_peer_reply_at" timestamp with time zone,
	"first_staff_reply_at" timestamp with time zone,
	"solved_at" timestamp with time zone,
	"solution_author_id" integer
);
--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "health_panel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "idea_status_changes" ADD CONSTRAINT "idea_status_changes_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_posts" ADD CONSTRAINT "insight_posts_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_topics" ADD CONSTRAINT "insight_topics_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idea_status_changes_window_idx" ON "idea_status_changes" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "insight_posts_window_idx" ON "insight_posts" USING btree ("community_id","created_at","author_id","reply","accepted");--> statement-breakpoint
CREATE INDEX "insight_posts_author_idx" ON "insight_posts" USING btree ("community_id","author_id","created_at");--> statement-breakpoint
CREATE INDEX "insight_posts_topic_idx" ON "insight_posts" USING btree ("topic_id");--> statement-breakpoint
CREATE INDEX "insight_topics_window_idx" ON "insight_topics" USING btree ("community_id","created_at");--> statement-breakpoint
CREATE INDEX "queue_items_flags_created_idx" ON "queue_items" USING btree ("community_id","created_at") WHERE kind = 'flag';--> statement-breakpoint
CREATE INDEX "topic_votes_topic_created_idx" ON "topic_votes" USING btree ("topic_id","created_at");