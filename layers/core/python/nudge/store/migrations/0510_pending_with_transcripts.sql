-- A transcribed voice note deserves enrichment too (nudge.store.messages.EMBEDDABLE_SQL counts
-- the transcript): the pending index takes the same predicate as PENDING_SQL again, so finding
-- the next batch stays a short range scan.
DROP INDEX IF EXISTS messages_enrichment_pending;
CREATE INDEX messages_enrichment_pending ON messages (user_profile_id, id)
    WHERE enriched_at IS NULL AND kind NOT IN ('system', 'deleted')
      AND (btrim(text) <> '' OR btrim(coalesce(transcript, '')) <> '');
