-- Lists that an index serves in their order, so a page costs the same in a community of a hundred
-- topics or a hundred thousand (measured by `npm run bench -- --large`, guarded by
-- tests/perf.query-plans.test.ts): each sort of a community's topic list, one category's latest
-- topics, the month's accepted answers (top helpers), communities by name, a post's revisions.
DROP INDEX "post_revisions_post_idx";--> statement-breakpoint
CREATE INDEX "communities_name_idx" ON "communities" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "topics_category_latest_idx" ON "topics" USING btree ("category_id","pinned","last_post_at","id");--> statement-breakpoint
CREATE INDEX "topics_top_idx" ON "topics" USING btree ("community_id","pinned","votes","post_count","id");--> statement-breakpoint
CREATE INDEX "topics_votes_idx" ON "topics" USING btree ("community_id","pinned","votes","id");--> statement-breakpoint
CREATE INDEX "topics_unanswered_idx" ON "topics" USING btree ("community_id","pinned","created_at","id") WHERE post_count <= 1 AND solution_post_id IS NULL;--> statement-breakpoint
CREATE INDEX "topics_solved_idx" ON "topics" USING btree ("community_id","solved_at") WHERE solved_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "post_revisions_post_idx" ON "post_revisions" USING btree ("post_id","id");