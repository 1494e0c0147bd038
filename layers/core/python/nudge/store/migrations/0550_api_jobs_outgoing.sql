-- The HTTP API's own tables (nudge.faces.http.api_app).
--
-- summary_jobs: POST /summarization/start stores a job here (status 'queued'); the pipeline's
-- queue runs it (nudge.features.summarization.run_summarization_job), which claims it
-- ('running'), and stores the digests as `result` ('done') or the reason it failed ('failed').
-- A range [since, until] gives one digest per day; `chats` NULL means every chat.
CREATE TABLE summary_jobs (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    since           date NOT NULL,
    until           date NOT NULL CHECK (until >= since),
    chats           text[],
    result          jsonb,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX summary_jobs_user ON summary_jobs (user_profile_id, id);
CREATE INDEX summary_jobs_waiting ON summary_jobs (created_at) WHERE status IN ('queued', 'running');

-- outgoing_replies: text the user wants sent to a chat, waiting for the collector (the outbox).
-- POST /replies/custom writes source 'custom'; approved or edited suggestions may be queued
-- with source 'suggestion' and their suggestion_id. status 'pending' until the outbox sends it.
CREATE TABLE outgoing_replies (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    chat_id         bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    text            text NOT NULL CHECK (btrim(text) <> ''),
    source          text NOT NULL DEFAULT 'custom' CHECK (source IN ('custom', 'suggestion')),
    suggestion_id   bigint REFERENCES suggestions (id) ON DELETE SET NULL,
    status          text NOT NULL DEFAULT 'pending',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_replies_pending ON outgoing_replies (user_profile_id, chat_id, id)
    WHERE status = 'pending';
