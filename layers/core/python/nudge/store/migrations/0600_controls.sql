-- Controls (nudge.features.controls) and the digest frequency (nudge.rules.digest_schedule).
-- messages.ignored: the user ignored this message: no digest line, no reminder, no question.
-- chats.muted: no digest and no reminders for this chat until it is unmuted.
-- A constant default adds these columns without rewriting the tables.
ALTER TABLE messages ADD COLUMN ignored boolean NOT NULL DEFAULT false;
ALTER TABLE chats ADD COLUMN muted boolean NOT NULL DEFAULT false;

-- frequency: 'daily' (yesterday, at daily_time), 'weekly' (the seven days before weekly_day, at
-- daily_time), 'times' (what came since the previous time, at each of digest_times), 'manual'
-- (only /digest), 'off'. weekly_day is ISO: 1 = Monday … 7 = Sunday.
UPDATE summary_preferences SET frequency = 'daily'
    WHERE frequency NOT IN ('daily', 'weekly', 'times', 'manual', 'off');
ALTER TABLE summary_preferences
    ADD COLUMN digest_times time[] NOT NULL DEFAULT '{}',
    ADD COLUMN weekly_day smallint NOT NULL DEFAULT 1 CHECK (weekly_day BETWEEN 1 AND 7),
    ADD CONSTRAINT summary_preferences_frequency
        CHECK (frequency IN ('daily', 'weekly', 'times', 'manual', 'off')),
    ADD CONSTRAINT summary_preferences_times
        CHECK (frequency <> 'times' OR cardinality(digest_times) > 0);

-- A scheduled digest covers a wall-clock period [period_start, period_end) of the user's zone;
-- (user, period_end) is claimed once, so a digest is sent at most once per period even when the
-- schedule changes (day keeps the last day covered). Old rows covered their day.
ALTER TABLE digests ADD COLUMN period_start timestamp, ADD COLUMN period_end timestamp;
UPDATE digests SET period_start = day, period_end = day + 1;
ALTER TABLE digests ALTER COLUMN period_start SET NOT NULL,
                    ALTER COLUMN period_end SET NOT NULL,
                    DROP CONSTRAINT digests_user_profile_id_day_key;
CREATE UNIQUE INDEX digests_user_period_end ON digests (user_profile_id, period_end);
