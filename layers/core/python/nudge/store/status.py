"""What GET /system/status reads: is the database there, how far behind enrichment is, and when
the user's last import, digest and reminders happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from nudge.store.messages import PENDING_SQL


@dataclass(frozen=True, slots=True)
class Activity:
    pending_enrichment: int  # messages that deserve an embedding and have none yet
    oldest_pending_at: datetime | None  # when the oldest of them was imported
    last_import_at: datetime | None
    last_digest_day: Any  # date | None: the latest day a digest was claimed or sent for
    last_digest_at: datetime | None  # when that digest was sent (None: claimed, not sent)
    last_reminder_at: datetime | None  # the latest reminder sent


def activity(conn: psycopg.Connection[Any], *, user_id: int) -> Activity:
    """The user's enrichment backlog and latest runs, in one round trip."""
    row = conn.execute(
        f"""SELECT
              (SELECT count(*) FROM messages WHERE user_profile_id = %(user)s
                 AND {PENDING_SQL}),
              (SELECT min(imported_at) FROM messages WHERE user_profile_id = %(user)s
                 AND {PENDING_SQL}),
              (SELECT max(imported_at) FROM messages WHERE user_profile_id = %(user)s),
              d.day, d.sent_at,
              (SELECT max(last_sent_at) FROM reminders WHERE user_profile_id = %(user)s)
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT day, sent_at FROM digests WHERE user_profile_id = %(user)s
                               ORDER BY period_end DESC LIMIT 1) d ON true""",
        {"user": user_id}).fetchone()
    assert row is not None
    return Activity(int(row[0]), *row[1:])
