ALTER TABLE "events" ADD COLUMN "txid" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL;--> statement-breakpoint
CREATE INDEX "events_txid_idx" ON "events" USING btree ("txid");--> statement-breakpoint
-- Every event's announcement goes through this: a process on the NATS bus connects with
-- `-c parley.bus=nats`, and its writes then notify nobody (its relay publishes from the outbox).
CREATE OR REPLACE FUNCTION parley_notify(channel text, seq bigint) RETURNS void LANGUAGE sql VOLATILE AS $$
  SELECT pg_notify('parley_events', channel || ':' || seq) WHERE coalesce(current_setting('parley.bus', true), '') <> 'nats'
$$;
