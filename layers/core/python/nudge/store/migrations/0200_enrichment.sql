-- Enrichment of messages and what the digest keeps per chat-day (nudge.features.digest).
-- sentiment: compound score in [-1, 1] (nudge.rules.tone), written by the enrichment pass with
-- the embedding; NULL until then (the digest scores such messages itself).
ALTER TABLE messages ADD COLUMN sentiment real;

-- Topics of a chat-day (clusters of its embeddings, labelled by distinctive words), stored when
-- the digest is built, so "what did the Lisbon group talk about this week" is a lookup.
CREATE TABLE chat_day_topics (
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    chat_id         bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    day             date NOT NULL,
    topics          jsonb NOT NULL,
    tone            text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_profile_id, chat_id, day)
);
