CREATE TABLE "insight_idea_votes" (
	"topic_id" integer NOT NULL,
	"day" date NOT NULL,
	"votes" integer NOT NULL,
	CONSTRAINT "insight_idea_votes_topic_id_day_pk" PRIMARY KEY("topic_id","day")
);
--> statement-breakpoint
CREATE TABLE "insight_members" (
	"community_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	CONSTRAINT "insight_members_community_id_user_id_pk" PRIMARY KEY("community_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "insight_members_dirty" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "insight_members_dirty_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"community_id" integer NOT NULL,
	"user_id" integer NOT NULL
);
--> statement-breakpoint
DROP INDEX "insight_posts_window_idx";--> statement-breakpoint
ALTER TABLE "insight_posts" ADD COLUMN "day" date GENERATED ALWAYS AS (((created_at AT TIME ZONE 'UTC')::date)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "insight_posts" ADD COLUMN "week" date GENERATED ALWAYS AS ((date_trunc('week', created_at AT TIME ZONE 'UTC')::date)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "insight_idea_votes" ADD CONSTRAINT "insight_idea_votes_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_members" ADD CONSTRAINT "insight_members_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_members" ADD CONSTRAINT "insight_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "insight_members_first_idx" ON "insight_members" USING btree ("community_id","first_at");--> statement-breakpoint
CREATE INDEX "insight_members_dirty_member_idx" ON "insight_members_dirty" USING btree ("community_id","user_id");--> statement-breakpoint
CREATE INDEX "insight_posts_window_idx" ON "insight_posts" USING btree ("community_id","week","author_id","day","created_at","reply","accepted");--> statement-breakpoint
-- Insights' facts (insight_topics, insight_posts, insight_members, insight_idea_votes and
-- idea_status_changes; see db/schema.ts) are kept by the triggers below, whichever code path writes:
-- posts (insert, hide, delete, restore, a new time or author), topics (hide, restore, author,
-- community, kind, time, accepted answer), memberships (a role that makes or unmakes staff) and
-- votes. A change recomputes the facts it touches from the rows rather than adjusting them, so a
-- fact is never more wrong than the rows it is made of.
--
-- Concurrency. The triggers on posts, topics and memberships are deferred to the commit of the
-- changing transaction, after everything the application locked in it: they lock last, so they
-- cannot close a cycle with the application's own locks (a topic's row, its live channel's row).
-- Each first takes a transaction lock on the stripe of every topic it recomputes (advisory, two-key
-- form 7042015/(topic id mod 64), in ascending order), then reads in a fresh snapshot: a concurrent
-- change to the same topic either committed before (and is read) or waits and recomputes after.
-- Stripes rather than topics: a role change recomputes every topic the member replied in, and
-- thousands of locks would crowd the server's lock table. A new reply decides peer or staff from
-- its author's role under a lock on (community, author), which a role change takes before its
-- stripes: one of the two always sees the other.
CREATE FUNCTION parley_insight_lock_topics(ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  stripe integer;
BEGIN
  FOREACH stripe IN ARRAY ARRAY(SELECT DISTINCT id % 64 FROM unnest(ids) id WHERE id IS NOT NULL ORDER BY 1) LOOP
    PERFORM pg_advisory_xact_lock(7042015, stripe);
  END LOOP;
END $$;--> statement-breakpoint
CREATE FUNCTION parley_insight_lock_member(community integer, member integer) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock((community::bigint << 32) | member::bigint)
$$;--> statement-breakpoint
-- The post facts of whole topics and of single posts, made again: a row for each post the public
-- can read (not hidden, not deleted, its topic not hidden).
CREATE FUNCTION parley_insight_posts_refresh(topic_ids integer[], post_ids integer[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM insight_posts WHERE topic_id = ANY(topic_ids) OR post_id = ANY(post_ids);
  INSERT INTO insight_posts (post_id, topic_id, community_id, author_id, created_at, reply, accepted)
  SELECT p.id, p.topic_id, t.community_id, p.author_id, p.created_at, p.number > 1 AND p.author_id <> t.author_id, p.id IS NOT DISTINCT FROM t.solution_post_id
  FROM posts p JOIN topics t ON t.id = p.topic_id
  WHERE p.topic_id = ANY(topic_ids) AND NOT p.hidden AND NOT p.deleted AND NOT t.hidden
  ON CONFLICT (post_id) DO NOTHING;
  INSERT INTO insight_posts (post_id, topic_id, community_id, author_id, created_at, reply, accepted)
  SELECT p.id, p.topic_id, t.community_id, p.author_id, p.created_at, p.number > 1 AND p.author_id <> t.author_id, p.id IS NOT DISTINCT FROM t.solution_post_id
  FROM posts p JOIN topics t ON t.id = p.topic_id
  WHERE p.id = ANY(post_ids) AND NOT p.hidden AND NOT p.deleted AND NOT t.hidden
  ON CONFLICT (post_id) DO NOTHING;
$$;--> statement-breakpoint
-- The facts of these topics, made again: a row while the public can read the topic (not hidden, its
-- first post neither hidden nor deleted), none otherwise. Replies are read from insight_posts, which
-- callers bring up to date first; staff are the organisation's roles (server/visibility/permissions.ts).
CREATE FUNCTION parley_insight_topics_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM insight_topics f WHERE f.topic_id = ANY(ids) AND NOT EXISTS (
    SELECT 1 FROM topics t JOIN posts fp ON fp.topic_id = t.id AND fp.number = 1
    WHERE t.id = f.topic_id AND NOT t.hidden AND NOT fp.hidden AND NOT fp.deleted);
  INSERT INTO insight_topics AS f (topic_id, community_id, created_at, kind, author_id, first_reply_at, first_peer_reply_at, first_staff_reply_at, solved_at, solution_author_id)
  SELECT t.id, t.community_id, t.created_at, t.kind, t.author_id, r.first_at, r.peer_at, r.staff_at,
         CASE WHEN s.id IS NOT NULL THEN coalesce(t.solved_at, s.created_at) END, s.author_id
  FROM topics t
  JOIN posts fp ON fp.topic_id = t.id AND fp.number = 1 AND NOT fp.hidden AND NOT fp.deleted
  LEFT JOIN posts s ON s.id = t.solution_post_id AND s.topic_id = t.id AND NOT s.hidden AND NOT s.deleted
  CROSS JOIN LATERAL (
    SELECT min(ip.created_at) AS first_at,
           min(ip.created_at) FILTER (WHERE m.user_id IS NULL) AS peer_at,
           min(ip.created_at) FILTER (WHERE m.user_id IS NOT NULL) AS staff_at
    FROM insight_posts ip
    LEFT JOIN memberships m ON m.community_id = t.community_id AND m.user_id = ip.author_id AND m.role IN ('staff', 'moderator', 'admin')
    WHERE ip.topic_id = t.id AND ip.reply
  ) r
  WHERE t.id = ANY(ids) AND NOT t.hidden
  ON CONFLICT (topic_id) DO UPDATE SET community_id = EXCLUDED.community_id, created_at = EXCLUDED.created_at, kind = EXCLUDED.kind,
    author_id = EXCLUDED.author_id, first_reply_at = EXCLUDED.first_reply_at, first_peer_reply_at = EXCLUDED.first_peer_reply_at,
    first_staff_reply_at = EXCLUDED.first_staff_reply_at, solved_at = EXCLUDED.solved_at, solution_author_id = EXCLUDED.solution_author_id;
$$;--> statement-breakpoint
-- A new post: its own fact, and its topic's first reply times moved earlier if it is one. Adjusted
-- rather than recomputed: a reply to a topic of thousands costs what a reply to a small one does.
-- Read from the table, not from NEW: by commit the post may have changed (its own trigger follows).
CREATE FUNCTION parley_posts_insights_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
  staff boolean;
BEGIN
  SELECT community_id INTO p FROM topics WHERE id = NEW.topic_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM parley_insight_lock_member(p.community_id, NEW.author_id);
  PERFORM parley_insight_lock_topics(ARRAY[NEW.topic_id]);
  SELECT x.id, x.topic_id, x.number, x.author_id, x.created_at, x.hidden, x.deleted,
         t.community_id, t.author_id AS topic_author, t.hidden AS topic_hidden, t.solution_post_id
  INTO p FROM posts x JOIN topics t ON t.id = x.topic_id WHERE x.id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF p.number = 1 THEN
    PERFORM parley_insight_topics_refresh(ARRAY[p.topic_id]);
  END IF;
  IF p.hidden OR p.deleted OR p.topic_hidden THEN
    RETURN NULL;
  END IF;
  INSERT INTO insight_posts (post_id, topic_id, community_id, author_id, created_at, reply, accepted)
  VALUES (p.id, p.topic_id, p.community_id, p.author_id, p.created_at, p.number > 1 AND p.author_id <> p.topic_author,
          p.id IS NOT DISTINCT FROM p.solution_post_id)
  ON CONFLICT (post_id) DO NOTHING;
  IF p.number > 1 AND p.author_id <> p.topic_author THEN
    staff := EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = p.community_id AND m.user_id = p.author_id AND m.role IN ('staff', 'moderator', 'admin'));
    UPDATE insight_topics SET
      first_reply_at = least(first_reply_at, p.created_at),
      first_peer_reply_at = CASE WHEN staff THEN first_peer_reply_at ELSE least(first_peer_reply_at, p.created_at) END,
      first_staff_reply_at = CASE WHEN staff THEN least(first_staff_reply_at, p.created_at) ELSE first_staff_reply_at END
    WHERE topic_id = p.topic_id;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER posts_insights_insert AFTER INSERT ON posts DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION parley_posts_insights_insert();--> statement-breakpoint
-- Hidden, deleted, restored, re-timed or moved: the post's fact and its topics' facts made again. A
-- post deleted outright takes its fact with it (foreign key); its topic's facts are made again.
CREATE FUNCTION parley_posts_insights_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM parley_insight_lock_topics(ARRAY[OLD.topic_id]);
    PERFORM parley_insight_topics_refresh(ARRAY[OLD.topic_id]);
    RETURN NULL;
  END IF;
  PERFORM parley_insight_lock_topics(ARRAY[OLD.topic_id, NEW.topic_id]);
  PERFORM parley_insight_posts_refresh('{}', ARRAY[NEW.id]);
  PERFORM parley_insight_topics_refresh(ARRAY[OLD.topic_id, NEW.topic_id]);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER posts_insights_change AFTER UPDATE OF hidden, deleted, created_at, author_id, topic_id, number ON posts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.deleted IS DISTINCT FROM NEW.deleted OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.topic_id IS DISTINCT FROM NEW.topic_id OR OLD.number IS DISTINCT FROM NEW.number)
  EXECUTE FUNCTION parley_posts_insights_change();--> statement-breakpoint
CREATE CONSTRAINT TRIGGER posts_insights_delete AFTER DELETE ON posts DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION parley_posts_insights_change();--> statement-breakpoint
-- A topic hidden or restored, or given another author or community, changes every post's fact; an
-- accepted answer changes two; its kind, time and answer change the topic's own.
CREATE FUNCTION parley_topics_insights_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM parley_insight_lock_topics(ARRAY[NEW.id]);
  IF OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.community_id IS DISTINCT FROM NEW.community_id THEN
    PERFORM parley_insight_posts_refresh(ARRAY[NEW.id], '{}');
  ELSIF OLD.solution_post_id IS DISTINCT FROM NEW.solution_post_id THEN
    UPDATE insight_posts ip SET accepted = ip.post_id IS NOT DISTINCT FROM t.solution_post_id
    FROM topics t
    WHERE t.id = NEW.id AND ip.topic_id = NEW.id AND ip.post_id IN (OLD.solution_post_id, NEW.solution_post_id, t.solution_post_id);
  END IF;
  PERFORM parley_insight_topics_refresh(ARRAY[NEW.id]);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER topics_insights_change AFTER UPDATE OF hidden, author_id, community_id, kind, created_at, solution_post_id, solved_at ON topics
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden OR OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.community_id IS DISTINCT FROM NEW.community_id
    OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.solution_post_id IS DISTINCT FROM NEW.solution_post_id
    OR OLD.solved_at IS DISTINCT FROM NEW.solved_at)
  EXECUTE FUNCTION parley_topics_insights_change();--> statement-breakpoint
-- A member becomes staff or stops being staff: the first peer and staff reply times of every topic
-- of the community they replied in (hidden replies too: one may be restored meanwhile) are made
-- again, all at once: a member who replied in thousands of topics holds the stripes for a moment,
-- not for thousands of moments.
CREATE FUNCTION parley_memberships_insights() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND OLD.role IN ('staff', 'moderator', 'admin');
  now_staff boolean := TG_OP <> 'DELETE' AND NEW.role IN ('staff', 'moderator', 'admin');
  c integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.community_id ELSE NEW.community_id END;
  u integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  ids integer[];
BEGIN
  IF was = now_staff THEN
    RETURN NULL;
  END IF;
  PERFORM parley_insight_lock_member(c, u);
  ids := ARRAY(SELECT DISTINCT p.topic_id FROM posts p JOIN topics t ON t.id = p.topic_id
               WHERE p.author_id = u AND p.number > 1 AND t.community_id = c);
  PERFORM parley_insight_lock_topics(ids);
  UPDATE insight_topics f SET first_peer_reply_at = r.peer_at, first_staff_reply_at = r.staff_at
  FROM (
    SELECT x.id, min(ip.created_at) FILTER (WHERE s.user_id IS NULL) AS peer_at, min(ip.created_at) FILTER (WHERE s.user_id IS NOT NULL) AS staff_at
    FROM unnest(ids) x(id)
    LEFT JOIN insight_posts ip ON ip.topic_id = x.id AND ip.reply
    LEFT JOIN (SELECT m.user_id FROM memberships m WHERE m.community_id = c AND m.role IN ('staff', 'moderator', 'admin')) s ON s.user_id = ip.author_id
    GROUP BY x.id
  ) r
  WHERE f.topic_id = r.id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER memberships_insights AFTER INSERT OR UPDATE OF role OR DELETE ON memberships
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parley_memberships_insights();--> statement-breakpoint
-- A post fact that comes or goes at or before a member's stored first post may change it: the member
-- is noted, by an insert that locks nothing (see insight_members in db/schema.ts).
CREATE FUNCTION parley_insight_posts_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    r := NEW;
  ELSE
    r := OLD;
  END IF;
  INSERT INTO insight_members_dirty (community_id, user_id)
  SELECT r.community_id, r.author_id
  WHERE NOT EXISTS (SELECT 1 FROM insight_members m WHERE m.community_id = r.community_id AND m.user_id = r.author_id AND m.first_at < r.created_at);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER insight_posts_members AFTER INSERT OR DELETE ON insight_posts FOR EACH ROW EXECUTE FUNCTION parley_insight_posts_members();--> statement-breakpoint
-- Votes per idea and UTC day: one more or one fewer as votes come and go, in the voting transaction.
CREATE FUNCTION parley_topic_votes_insights() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE insight_idea_votes SET votes = votes - 1 WHERE topic_id = OLD.topic_id AND day = (OLD.created_at AT TIME ZONE 'UTC')::date;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO insight_idea_votes AS v (topic_id, day, votes) VALUES (NEW.topic_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1)
    ON CONFLICT (topic_id, day) DO UPDATE SET votes = v.votes + 1;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER topic_votes_insights AFTER INSERT OR DELETE OR UPDATE OF topic_id, created_at ON topic_votes
  FOR EACH ROW EXECUTE FUNCTION parley_topic_votes_insights();--> statement-breakpoint
-- Every status an idea is given or loses, as it happens (the topic keeps only the current one).
CREATE FUNCTION parley_topics_idea_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO idea_status_changes (topic_id, community_id, status, created_at)
  VALUES (NEW.id, NEW.community_id, NEW.idea_status, CASE WHEN NEW.idea_status IS NULL THEN now() ELSE coalesce(NEW.idea_status_at, now()) END);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER topics_idea_status AFTER UPDATE OF idea_status ON topics
  FOR EACH ROW WHEN (OLD.idea_status IS DISTINCT FROM NEW.idea_status) EXECUTE FUNCTION parley_topics_idea_status();--> statement-breakpoint
CREATE TRIGGER topics_idea_status_insert AFTER INSERT ON topics
  FOR EACH ROW WHEN (NEW.idea_status IS NOT NULL) EXECUTE FUNCTION parley_topics_idea_status();--> statement-breakpoint
-- Every fact made again from the rows, set-based: the backfill below, and bulk loads that turn the
-- fact triggers off while they write (bench/large/generate.ts). The members' trigger is off
-- meanwhile (one row per member, not one note per post). Idea status changes are history, kept.
CREATE FUNCTION parley_insights_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE insight_posts, insight_topics, insight_members, insight_members_dirty, insight_idea_votes;
  ALTER TABLE insight_posts DISABLE TRIGGER insight_posts_members;
  INSERT INTO insight_posts (post_id, topic_id, community_id, author_id, created_at, reply, accepted)
  SELECT p.id, p.topic_id, t.community_id, p.author_id, p.created_at, p.number > 1 AND p.author_id <> t.author_id, p.id IS NOT DISTINCT FROM t.solution_post_id
  FROM posts p JOIN topics t ON t.id = p.topic_id
  WHERE NOT p.hidden AND NOT p.deleted AND NOT t.hidden;
  ALTER TABLE insight_posts ENABLE TRIGGER insight_posts_members;
  INSERT INTO insight_members (community_id, user_id, first_at)
  SELECT community_id, author_id, min(created_at) FROM insight_posts GROUP BY 1, 2;
  INSERT INTO insight_topics (topic_id, community_id, created_at, kind, author_id, first_reply_at, first_peer_reply_at, first_staff_reply_at, solved_at, solution_author_id)
  SELECT t.id, t.community_id, t.created_at, t.kind, t.author_id, r.first_at, r.peer_at, r.staff_at,
         CASE WHEN s.id IS NOT NULL THEN coalesce(t.solved_at, s.created_at) END, s.author_id
  FROM topics t
  JOIN posts fp ON fp.topic_id = t.id AND fp.number = 1 AND NOT fp.hidden AND NOT fp.deleted
  LEFT JOIN posts s ON s.id = t.solution_post_id AND s.topic_id = t.id AND NOT s.hidden AND NOT s.deleted
  LEFT JOIN (
    SELECT ip.topic_id, min(ip.created_at) AS first_at,
           min(ip.created_at) FILTER (WHERE m.user_id IS NULL) AS peer_at,
           min(ip.created_at) FILTER (WHERE m.user_id IS NOT NULL) AS staff_at
    FROM insight_posts ip
    LEFT JOIN memberships m ON m.community_id = ip.community_id AND m.user_id = ip.author_id AND m.role IN ('staff', 'moderator', 'admin')
    WHERE ip.reply
    GROUP BY ip.topic_id
  ) r ON r.topic_id = t.id
  WHERE NOT t.hidden;
  INSERT INTO insight_idea_votes (topic_id, day, votes)
  SELECT topic_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM topic_votes GROUP BY 1, 2;
END $$;--> statement-breakpoint
SELECT parley_insights_rebuild();--> statement-breakpoint
-- The statuses ideas have now, and the clearings the moderation log recorded: the history there is.
INSERT INTO idea_status_changes (topic_id, community_id, status, created_at)
SELECT id, community_id, idea_status, coalesce(idea_status_at, created_at) FROM topics WHERE idea_status IS NOT NULL
UNION ALL
SELECT l.target_id, l.community_id, NULL, l.created_at FROM moderation_log l JOIN topics t ON t.id = l.target_id
WHERE l.action = 'clear_idea_status' AND l.target_type = 'topic';
