-- Voice notes (nudge.features.transcription). A voice note stays a `media` message; what was said
-- is stored beside its caption, with the language Whisper heard and how transcription went:
-- transcript_status NULL (no audio to transcribe), 'pending' (audio waits in message_audio),
-- 'done', or 'failed' (transcript_error says why, e.g. "could not transcribe: not audio").
-- Adding nullable columns rewrites nothing: existing rows are untouched.
ALTER TABLE messages
    ADD COLUMN transcript          text,
    ADD COLUMN transcript_language text,
    ADD COLUMN transcript_status   text CHECK (transcript_status IN ('pending', 'done', 'failed')),
    ADD COLUMN transcript_error    text;

-- Full text over transcripts: its own partial expression index (most messages have none), used
-- by store.search next to messages_fts.
CREATE INDEX messages_transcript_fts ON messages USING gin (to_tsvector('simple', transcript))
    WHERE transcript IS NOT NULL;
CREATE INDEX messages_transcript_pending ON messages (user_profile_id, id)
    WHERE transcript_status = 'pending';

-- The audio of a voice note until it is transcribed: deleted right after (privacy) unless `keep`
-- (NUDGE_KEEP_AUDIO). Written in the import's transaction, so an answered import loses none.
CREATE TABLE message_audio (
    message_id      bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    file_name       text NOT NULL,
    audio           bytea NOT NULL,
    keep            boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
