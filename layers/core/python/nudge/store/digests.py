"""Which periods each user's scheduled digests covered: a claim per (user, period end) makes the
scheduled sends idempotent (rules.digest_schedule decides what is due)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg


def claim_digest(conn: psycopg.Connection[Any], *, user_id: int, since: datetime, until: datetime,
                 now: datetime, stale_after: timedelta) -> bool:
    """Claim the wall-clock period [since, until) for this run; False when a digest up to `until`
    was sent already or another run holds a claim younger than `stale_after`."""
    last_day = (until - timedelta(microseconds=1)).date()
    row = conn.execute(
        """INSERT INTO digests (user_profile_id, day, period_start, period_end, created_at)
           VALUES (%(user)s, %(day)s, %(since)s, %(until)s, %(now)s)
           ON CONFLICT (user_profile_id, period_end) DO UPDATE
               SET created_at = excluded.created_at, period_start = excluded.period_start
           WHERE digests.sent_at IS NULL AND digests.created_at < %(stale)s
           RETURNING id""",
        {"user": user_id, "day": last_day, "since": since, "until": until, "now": now,
         "stale": now - stale_after}).fetchone()
    return row is not None


def drop_claim(conn: psycopg.Connection[Any], *, user_id: int, until: datetime) -> None:
    """Give an unsent claim up, so the next run tries again."""
    conn.execute("DELETE FROM digests WHERE user_profile_id = %s AND period_end = %s"
                 " AND sent_at IS NULL", [user_id, until])


def mark_digest_sent(conn: psycopg.Connection[Any], *, user_id: int, until: datetime,
                     now: datetime) -> None:
    conn.execute("UPDATE digests SET sent_at = %s WHERE user_profile_id = %s AND period_end = %s",
                 [now, user_id, until])


def last_digest_until(conn: psycopg.Connection[Any], *, user_id: int) -> datetime | None:
    """The end (wall clock) of the latest period a scheduled digest covered, None if none yet."""
    row = conn.execute("SELECT max(period_end) FROM digests WHERE user_profile_id = %s"
                       " AND sent_at IS NOT NULL", [user_id]).fetchone()
    return row[0] if row else None
