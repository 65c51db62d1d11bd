ALTER TABLE "categories" ADD COLUMN "unlisted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "unlisted" boolean DEFAULT false NOT NULL;