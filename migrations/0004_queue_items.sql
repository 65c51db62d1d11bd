ALTER TABLE "flags" RENAME TO "queue_items";--> statement-breakpoint
ALTER TABLE "queue_items" DROP CONSTRAINT "flags_community_id_communities_id_fk";
--> statement-breakpoint
ALTER TABLE "queue_items" DROP CONSTRAINT "flags_topic_id_topics_id_fk";
--> statement-breakpoint
ALTER TABLE "queue_items" DROP CONSTRAINT "flags_post_id_posts_id_fk";
--> statement-breakpoint
ALTER TABLE "queue_items" DROP CONSTRAINT "flags_reporter_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "queue_items" DROP CONSTRAINT "flags_resolved_by_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "queue_items" ADD CONSTRAINT "queue_items_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_items" ADD CONSTRAINT "queue_items_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_items" ADD CONSTRAINT "queue_items_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_items" ADD CONSTRAINT "queue_items_reporter_id_users_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_items" ADD CONSTRAINT "queue_items_resolved_by_id_users_id_fk" FOREIGN KEY ("resolved_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;