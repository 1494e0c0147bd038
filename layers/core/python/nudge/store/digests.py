"""Which day's digest each user got: a claim per (user, day) makes scheduled sends idempotent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import psycopg


def claim_digest(conn: psycopg.Connection[Any], *, user_id: int, day: date, now: datetime,
                 stale_after: timedelta) -> bool:
    """Claim (user, day) for this run; False when sent already or another run holds a claim
    younger than `stale_after`."""
    row = conn.execute(
        """INSERT INTO digests (user_profile_id, day, created_at) VALUES (%(user)s, %(day)s, %(now)s)
           ON CONFLICT (user_profile_id, day) DO UPDATE SET created_at = excluded.created_at
           WHERE digests.sent_at IS NULL AND digests.created_at < %(stale)s
           RETURNING id""",
        {"user": user_id, "day": day, "now": now, "stale": now - stale_after}).fetchone()
    return row is not None


def drop_claim(conn: psycopg.Connection[Any], *, user_id: int, day: date) -> None:
    """Give an unsent claim up, so the next run tries again."""
    conn.execute("DELETE FROM digests WHERE user_profile_id = %s AND day = %s AND sent_at IS NULL",
                 [user_id, day])


def mark_digest_sent(conn: psycopg.Connection[Any], *, user_id: int, day: date, now: datetime) -> None:
    conn.execute("UPDATE digests SET sent_at = %s WHERE user_profile_id = %s AND day = %s",
                 [now, user_id, day])
