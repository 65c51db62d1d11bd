CREATE TABLE "post_uploads" (
	"post_id" integer NOT NULL,
	"blob_hash" text NOT NULL,
	CONSTRAINT "post_uploads_post_id_blob_hash_pk" PRIMARY KEY("post_id","blob_hash")
);
--> statement-breakpoint
CREATE TABLE "upload_blobs" (
	"hash" text PRIMARY KEY NOT NULL,
	"source_hash" text NOT NULL,
	"type" text NOT NULL,
	"size" integer NOT NULL,
	"width" integer,
	"height" integer,
	"animated" boolean DEFAULT false NOT NULL,
	"thumb_width" integer,
	"thumb_height" integer,
	"thumb_size" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" serial PRIMARY KEY NOT NULL,
	"blob_hash" text NOT NULL,
	"uploader_id" integer,
	"community_id" integer,
	"file_name" text,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "upload_file_types" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "post_uploads" ADD CONSTRAINT "post_uploads_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "post_uploads" ADD CONSTRAINT "post_uploads_blob_hash_upload_blobs_hash_fk" FOREIGN KEY ("blob_hash") REFERENCES "public"."upload_blobs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_blob_hash_upload_blobs_hash_fk" FOREIGN KEY ("blob_hash") REFERENCES "public"."upload_blobs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_uploader_id_users_id_fk" FOREIGN KEY ("uploader_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "post_uploads_blob_idx" ON "post_uploads" USING btree ("blob_hash");--> statement-breakpoint
CREATE INDEX "upload_blobs_source_idx" ON "upload_blobs" USING btree ("source_hash");--> statement-breakpoint
CREATE INDEX "uploads_uploader_idx" ON "uploads" USING btree ("uploader_id","created_at");--> statement-breakpoint
CREATE INDEX "uploads_blob_idx" ON "uploads" USING btree ("blob_hash");--> statement-breakpoint
CREATE INDEX "uploads_created_idx" ON "uploads" USING btree ("created_at");