-- Reminders and reply suggestions (nudge.reminders, nudge.suggest).
-- source: 'user' = set by the user (CLI / bot), 'auto' = created for a critical message still
-- without a reply. reason says why an automatic reminder exists ("critical contact", "keyword: x").
ALTER TABLE reminders
    ADD COLUMN source text NOT NULL DEFAULT 'user' CHECK (source IN ('user', 'auto')),
    ADD COLUMN reason text;

-- At most one automatic reminder per message, even when two schedulers run at once.
CREATE UNIQUE INDEX reminders_auto_message ON reminders (message_id) WHERE source = 'auto';
CREATE INDEX reminders_chat ON reminders (chat_id);

-- Approved suggestions are read back as the user's own examples.
CREATE INDEX suggestions_user_approved ON suggestions (user_profile_id, chat_id) WHERE approved;
