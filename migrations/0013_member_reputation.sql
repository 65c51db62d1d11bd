CREATE TABLE "member_reputation" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"computed_version" integer DEFAULT -1 NOT NULL,
	"posts" integer DEFAULT 0 NOT NULL,
	"helpful_received" integer DEFAULT 0 NOT NULL,
	"solutions" integer DEFAULT 0 NOT NULL,
	"topics_started" integer DEFAULT 0 NOT NULL,
	"people_helped" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_reputation" ADD CONSTRAINT "member_reputation_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every change to a row that a member's reputation reads (server/reputation/reputation.ts) raises
-- the member's version in the same transaction, whichever code path made it; the upsert's row
-- lock, held to commit, is what makes a profile read that computed from an older snapshot give
-- up storing its figures. Ordered by id: two transactions touching the same members lock them
-- in the same order.
CREATE FUNCTION parley_reputation_touch(VARIADIC ids integer[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO member_reputation (user_id)
  SELECT DISTINCT id FROM unnest(ids) id WHERE id IS NOT NULL ORDER BY 1
  ON CONFLICT (user_id) DO UPDATE SET version = member_reputation.version + 1
$$;--> statement-breakpoint
CREATE FUNCTION parley_posts_reputation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM parley_reputation_touch(NEW.author_id);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM parley_reputation_touch(OLD.author_id);
  ELSE
    PERFORM parley_reputation_touch(OLD.author_id, NEW.author_id);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER posts_reputation AFTER INSERT OR DELETE ON posts
  FOR EACH ROW EXECUTE FUNCTION parley_posts_reputation();--> statement-breakpoint
CREATE TRIGGER posts_reputation_change AFTER UPDATE OF author_id, topic_id, number, hidden, deleted ON posts
  FOR EACH ROW WHEN (OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.topic_id IS DISTINCT FROM NEW.topic_id
    OR OLD.number IS DISTINCT FROM NEW.number OR OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.deleted IS DISTINCT FROM NEW.deleted)
  EXECUTE FUNCTION parley_posts_reputation();--> statement-breakpoint
-- A topic's hiding counts or discounts all of its posts; its answer and its author matter only to
-- the answer's author. Deleting a topic deletes its posts, which touch their authors themselves.
CREATE FUNCTION parley_topics_reputation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.hidden IS DISTINCT FROM NEW.hidden THEN
    PERFORM parley_reputation_touch(VARIADIC ARRAY(SELECT author_id FROM posts WHERE topic_id = NEW.id));
  ELSE
    PERFORM parley_reputation_touch(VARIADIC ARRAY(SELECT author_id FROM posts WHERE id IN (OLD.solution_post_id, NEW.solution_post_id)));
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER topics_reputation AFTER UPDATE OF hidden, solution_post_id, author_id ON topics
  FOR EACH ROW WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.solution_post_id IS DISTINCT FROM NEW.solution_post_id
    OR OLD.author_id IS DISTINCT FROM NEW.author_id)
  EXECUTE FUNCTION parley_topics_reputation();--> statement-breakpoint
-- Only helpful marks count; they count for the marked post's author.
CREATE FUNCTION parley_reactions_reputation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.kind = 'helpful' THEN
      PERFORM parley_reputation_touch(VARIADIC ARRAY(SELECT author_id FROM posts WHERE id = OLD.post_id));
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.kind = 'helpful' THEN
      PERFORM parley_reputation_touch(VARIADIC ARRAY(SELECT author_id FROM posts WHERE id = NEW.post_id));
    END IF;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER reactions_reputation AFTER INSERT OR UPDATE OR DELETE ON reactions
  FOR EACH ROW EXECUTE FUNCTION parley_reactions_reputation();--> statement-breakpoint
-- Backfill: the same definition as reputationOf's, for every member with a counted post at once
-- (members without one get their row, all zeros, at their first profile read).
INSERT INTO member_reputation (user_id, version, computed_version, posts, helpful_received, solutions, topics_started, people_helped)
WITH mine AS MATERIALIZED (
  SELECT p.id, p.author_id, p.number, t.author_id AS topic_author, (t.solution_post_id = p.id) AS accepted
  FROM posts p JOIN topics t ON t.id = p.topic_id AND NOT t.hidden
  WHERE NOT p.deleted AND NOT p.hidden
), helped_by AS MATERIALIZED (
  SELECT mine.author_id, r.user_id FROM mine JOIN reactions r ON r.post_id = mine.id AND r.kind = 'helpful' AND r.user_id <> mine.author_id
), answered AS (
  SELECT author_id, topic_author FROM mine WHERE accepted AND topic_author <> author_id
), counts AS (
  SELECT author_id, count(*) AS posts, count(*) FILTER (WHERE number = 1) AS topics_started FROM mine GROUP BY author_id
), helpful AS (
  SELECT author_id, count(*) AS n FROM helped_by GROUP BY author_id
), solved AS (
  SELECT author_id, count(*) AS n FROM answered GROUP BY author_id
), people AS (
  SELECT author_id, count(*) AS n FROM (SELECT author_id, user_id FROM helped_by UNION SELECT author_id, topic_author FROM answered) x GROUP BY author_id
)
SELECT c.author_id, 1, 1, c.posts, coalesce(h.n, 0), coalesce(s.n, 0), c.topics_started, coalesce(pp.n, 0)
FROM counts c LEFT JOIN helpful h USING (author_id) LEFT JOIN solved s USING (author_id) LEFT JOIN people pp USING (author_id);
