CREATE TABLE "inbox_claims" (
	"community_id" integer NOT NULL,
	"item_key" text NOT NULL,
	"state" text NOT NULL,
	"user_id" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"until" timestamp with time zone,
	CONSTRAINT "inbox_claims_community_id_item_key_pk" PRIMARY KEY("community_id","item_key")
);
--> statement-breakpoint
CREATE TABLE "inbox_rules" (
	"community_id" integer PRIMARY KEY NOT NULL,
	"rules" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbox_claims" ADD CONSTRAINT "inbox_claims_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox_claims" ADD CONSTRAINT "inbox_claims_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox_rules" ADD CONSTRAINT "inbox_rules_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_mention_idx" ON "notifications" USING btree ("community_id","created_at") WHERE kind = 'mention';--> statement-breakpoint
CREATE INDEX "topics_unsolved_idx" ON "topics" USING btree ("community_id","last_post_at") WHERE kind = 'question' AND solution_post_id IS NULL;