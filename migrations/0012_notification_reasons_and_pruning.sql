-- Why each reader was told (a code, null on older rows), and the index maintenance deletes read
-- notifications past their age by, oldest first and in batches.
ALTER TABLE "notifications" ADD COLUMN "reason" text;--> statement-breakpoint
CREATE INDEX "notifications_read_age_idx" ON "notifications" USING btree ("updated_at") WHERE read_at IS NOT NULL;