-- The enrichment backlog lives in the messages themselves (nudge.features.enrichment): a message
-- that deserves enrichment and has enriched_at NULL is pending. Imports store and answer at once;
-- workers (SQS jobs, `nudge import`'s wait, `nudge enrich`, the schedules) drain the backlog, so
-- a crash anywhere resumes where it stopped and nothing is lost or done twice.
ALTER TABLE messages ADD COLUMN enriched_at timestamptz;
-- The message's language as the enrichment guessed it ('en', 'de', 'es'; NULL: unknown).
ALTER TABLE messages ADD COLUMN language text;

-- What was embedded before this migration counts as enriched; the rest is the backlog.
UPDATE messages SET enriched_at = imported_at WHERE embedding IS NOT NULL;

-- Only the pending rows are indexed (the same predicate as nudge.store.messages.PENDING_SQL), so
-- the index stays as small as the backlog and finding the next batch is a short range scan.
CREATE INDEX messages_enrichment_pending ON messages (user_profile_id, id)
    WHERE enriched_at IS NULL AND kind NOT IN ('system', 'deleted') AND btrim(text) <> '';
