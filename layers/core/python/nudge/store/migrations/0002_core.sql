-- Core schema. Every row carries user_profile_id so a second user can come later.
-- Times shown by WhatsApp (sent_at, last_message_at) are wall clock: timestamp without time zone.

CREATE TABLE user_profiles (
    id               bigserial PRIMARY KEY,
    name             text,
    timezone         text NOT NULL DEFAULT 'UTC',
    language         text,
    telegram_user_id bigint UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE summary_preferences (
    user_profile_id           bigint PRIMARY KEY REFERENCES user_profiles (id) ON DELETE CASCADE,
    frequency                 text NOT NULL DEFAULT 'daily',
    daily_time                time NOT NULL DEFAULT '08:00',
    chat_types                text[] NOT NULL DEFAULT '{one_to_one,group}',
    keywords                  text[] NOT NULL DEFAULT '{}',
    reminder_interval_minutes int NOT NULL DEFAULT 240
);

CREATE TABLE contacts (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    name            text NOT NULL,
    phone           text,
    is_critical     boolean NOT NULL DEFAULT false,
    language        text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_profile_id, name)
);

CREATE TABLE chats (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    name            text NOT NULL,
    type            text NOT NULL DEFAULT 'one_to_one' CHECK (type IN ('one_to_one', 'group')),
    language        text,
    last_message_at timestamp,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_profile_id, name)
);

-- Bulk import speed shapes this table (bench/import.py: 1M messages, goal 100k/s):
-- * No foreign keys (trade-off): an RI check is a per-row trigger; FKs to user_profiles, chats and
--   contacts cost ~12 s per 1M rows and chat_id alone ~4 s, more than the whole budget. Only the
--   importer writes messages and keeps user_profile_id, chat_id and sender_contact_id right;
--   whoever deletes a chat or contact deletes or clears its messages too.
-- * source_key is 20 bytes (nudge.importer._key): 4 bytes of the chat name's hash, the sent_at
--   second, then 12 bytes of digest, so an import appends to one end of the unique index instead
--   of touching a random leaf page per row (a random 128-bit key cost ~5 s per 1M rows).
-- * Full text is an expression index (no stored tsvector column: a narrower heap row and one
--   to_tsvector per insert). Queries must say to_tsvector('simple', text) to use it.
CREATE TABLE messages (
    id                bigserial PRIMARY KEY,
    user_profile_id   bigint NOT NULL,
    chat_id           bigint NOT NULL,
    sender_contact_id bigint,
    sender_name       text,
    from_me           boolean NOT NULL DEFAULT false,
    sent_at           timestamp NOT NULL,
    kind              text NOT NULL DEFAULT 'text' CHECK (kind IN
                          ('text', 'media', 'deleted', 'system', 'poll', 'location', 'contact',
                           'call')),
    text              text NOT NULL DEFAULT '',
    attachment        text,
    edited            boolean NOT NULL DEFAULT false,
    deleted           boolean NOT NULL DEFAULT false,
    is_critical       boolean NOT NULL DEFAULT false,
    source_key        bytea NOT NULL,
    imported_at       timestamptz NOT NULL DEFAULT now(),
    embedding         vector(384),
    UNIQUE (user_profile_id, source_key)
);
CREATE INDEX messages_chat_sent_at ON messages (chat_id, sent_at);
CREATE INDEX messages_fts ON messages USING gin (to_tsvector('simple', text));
CREATE INDEX messages_embedding ON messages USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);

CREATE TABLE reminders (
    id               bigserial PRIMARY KEY,
    user_profile_id  bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    message_id       bigint REFERENCES messages (id) ON DELETE CASCADE,
    chat_id          bigint REFERENCES chats (id) ON DELETE CASCADE,
    due_at           timestamptz NOT NULL,
    interval_minutes int,
    status           text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'snoozed', 'done', 'cleared')),
    note             text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_sent_at     timestamptz
);
CREATE INDEX reminders_user_status_due ON reminders (user_profile_id, status, due_at);

CREATE TABLE digests (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    day             date NOT NULL,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_profile_id, day)
);

CREATE TABLE suggestions (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    chat_id         bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    message_id      bigint REFERENCES messages (id) ON DELETE SET NULL,
    text            text NOT NULL,
    approved        boolean,  -- null: not decided yet
    created_at      timestamptz NOT NULL DEFAULT now()
);
