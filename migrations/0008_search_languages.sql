-- Search in the community's language. Each post and topic records the text-search configuration its
-- vector was built with (search_config), so a community's rows can be re-indexed a batch at a time
-- while search keeps querying every configuration still present (communities.search_configs).
-- Nothing here rewrites a table: existing rows keep their vectors and are marked 'english', which
-- is what built them; the re-index job (server/search/search.reindex.ts) moves them on later.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- Accents are folded (unaccent before the stemmer) where readers type words without them:
-- French and Spanish ("resume" finds "résumé", "cancion" finds "canción"), English (loanwords:
-- "cafe", "naive") and the language-neutral simple configuration. German is folded too: its Snowball
-- stemmer already folds ä/ö/ü and ß by itself ("Hauser" finds "Häuser"), so unaccent changes
-- nothing there, but it also folds the accents of loanwords ("Cafe" finds "Café").
-- Only word tokens are mapped: ASCII tokens (asciiword, asciihword, hword_asciipart) have nothing to fold.
CREATE TEXT SEARCH CONFIGURATION parley_english (COPY = pg_catalog.english);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_english ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION parley_german (COPY = pg_catalog.german);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_german ALTER MAPPING FOR hword, hword_part, word WITH unaccent, german_stem;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION parley_french (COPY = pg_catalog.french);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_french ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION parley_spanish (COPY = pg_catalog.spanish);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_spanish ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION parley_simple (COPY = pg_catalog.simple);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION parley_simple ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;--> statement-breakpoint
-- The vectors stop being generated columns (a configuration read from the row is not immutable):
-- a trigger keeps them instead. DROP EXPRESSION keeps the stored values and the GIN indexes.
ALTER TABLE "posts" ALTER COLUMN "search" DROP EXPRESSION;--> statement-breakpoint
ALTER TABLE "topics" ALTER COLUMN "search" DROP EXPRESSION;--> statement-breakpoint
-- Existing rows: 'english' (metadata only, no rewrite); new rows: the default below, overridden by the trigger.
ALTER TABLE "communities" ADD COLUMN "search_config" text DEFAULT 'english' NOT NULL;--> statement-breakpoint
ALTER TABLE "communities" ALTER COLUMN "search_config" SET DEFAULT 'parley_english';--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "search_configs" text[] DEFAULT '{english}' NOT NULL;--> statement-breakpoint
ALTER TABLE "communities" ALTER COLUMN "search_configs" SET DEFAULT '{parley_english}';--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "search_config" text DEFAULT 'english' NOT NULL;--> statement-breakpoint
ALTER TABLE "posts" ALTER COLUMN "search_config" SET DEFAULT 'parley_english';--> statement-breakpoint
ALTER TABLE "topics" ADD COLUMN "search_config" text DEFAULT 'english' NOT NULL;--> statement-breakpoint
ALTER TABLE "topics" ALTER COLUMN "search_config" SET DEFAULT 'parley_english';--> statement-breakpoint
-- Every insert takes its community's configuration, whichever code path inserts; the vector is
-- rebuilt when the text or the configuration changes (the re-index job only sets search_config).
-- UPDATE OF: the frequent updates that touch neither (bumps, counters) do not fire it.
CREATE FUNCTION parley_topics_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.search_config := coalesce((SELECT c.search_config FROM communities c WHERE c.id = NEW.community_id), NEW.search_config);
  END IF;
  NEW.search := to_tsvector(NEW.search_config::regconfig, NEW.title);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER topics_search BEFORE INSERT OR UPDATE OF title, search_config ON topics
  FOR EACH ROW EXECUTE FUNCTION parley_topics_search();--> statement-breakpoint
CREATE FUNCTION parley_posts_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.search_config := coalesce(
      (SELECT c.search_config FROM topics t JOIN communities c ON c.id = t.community_id WHERE t.id = NEW.topic_id),
      NEW.search_config);
  END IF;
  NEW.search := to_tsvector(NEW.search_config::regconfig, NEW.body);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER posts_search BEFORE INSERT OR UPDATE OF body, search_config ON posts
  FOR EACH ROW EXECUTE FUNCTION parley_posts_search();
