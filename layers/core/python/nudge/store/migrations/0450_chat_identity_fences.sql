-- Stable chat identity, renames, and lock fences kept where the data is (issue 12).
--
-- key_name: the name a chat's message keys are hashed with (nudge.features.importing._key).
-- It is the first name the chat had and never changes, so a renamed group keeps its keys and a
-- new export of it deduplicates against the old rows. Existing chats were keyed by their current
-- name, so that is their key_name. NULL (rows from older code) means: the current name.
-- Unique per user, like the keys it makes.
ALTER TABLE chats ADD COLUMN key_name text;
UPDATE chats SET key_name = name;
CREATE UNIQUE INDEX chats_key_name ON chats (user_profile_id, key_name);

-- external_id: the collector's own chat id (POST /ingest JSON `chat.id`), when it has one.
ALTER TABLE chats ADD COLUMN external_id text;
CREATE UNIQUE INDEX chats_external_id ON chats (user_profile_id, external_id)
    WHERE external_id IS NOT NULL;

-- Earlier names of a chat: a rename is recorded here (chats.name holds the current name), so an
-- old export under the old name still finds its chat.
CREATE TABLE chat_names (
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    chat_id         bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    name            text NOT NULL,
    renamed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_profile_id, name)
);
CREATE INDEX chat_names_chat ON chat_names (chat_id);

-- The highest lock fence a write was accepted with, per user and lock name. The ingest
-- transaction raises it (UPDATE … WHERE fence <= new) before storing anything, so a stale
-- fence is refused in the same transaction as the rows it would have written.
CREATE TABLE lock_fences (
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    lock_name       text NOT NULL,
    fence           bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_profile_id, lock_name)
);
