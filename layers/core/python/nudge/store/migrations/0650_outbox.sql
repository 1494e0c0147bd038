-- The outbox (nudge.features.outbox): replies waiting to be sent to WhatsApp by a collector.
-- state: queued -> sending (claimed under the collector lock, with its fence, BEFORE sending)
--        -> sent | failed (reported by the same claim). A claim that is never reported stays
-- 'sending' for ever: it is never handed out again (at most once), unknown_since marks it as
-- "unknown, check WhatsApp" once its collector can no longer report (a newer fence listed the
-- outbox, or the claim is older than the longest lease).
-- origin: 'approved' (a suggestion as suggested), 'edited' (approved after an edit), 'custom'.
-- notified_at: when the user was told the outcome (Telegram "sent ✓", the error, or unknown).
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    user_profile_id bigint NOT NULL REFERENCES user_profiles (id) ON DELETE CASCADE,
    chat_id         bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 65536),
    origin          text NOT NULL CHECK (origin IN ('approved', 'edited', 'custom')),
    suggestion_id   bigint REFERENCES suggestions (id) ON DELETE SET NULL,
    state           text NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    lock_name       text,
    claim_fence     bigint,
    claimed_by      text,
    claimed_at      timestamptz,
    finished_at     timestamptz,
    error           text,
    whatsapp_id     text,
    unknown_since   timestamptz,
    notified_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'queued') = (claim_fence IS NULL)),
    CHECK (state <> 'failed' OR error IS NOT NULL)
);
-- One outbox row per suggestion: approving twice never queues twice.
CREATE UNIQUE INDEX outbox_suggestion ON outbox (suggestion_id) WHERE suggestion_id IS NOT NULL;
-- What a collector lists (queued, per chat in order) and what the user has not been told yet.
CREATE INDEX outbox_user_state ON outbox (user_profile_id, state, chat_id, id);
CREATE INDEX outbox_untold ON outbox (user_profile_id, id) WHERE notified_at IS NULL AND state <> 'queued';

-- Off unless the user enables it (/settings outbox on, `nudge outbox on`).
ALTER TABLE summary_preferences ADD COLUMN outbox_enabled boolean NOT NULL DEFAULT false;
