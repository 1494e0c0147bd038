"""The user profile every row hangs off. Today there is one; the schema allows more later."""

from __future__ import annotations

from typing import Any

import psycopg

_USER_LOCK_KEY = 0x6E75646701  # serialises the first-use creation of the default user


def ensure_user(conn: psycopg.Connection[Any], *, name: str | None = None,
                timezone: str = "UTC", digest_time: str = "08:00") -> int:
    """Id of the single default user (the oldest profile), created with preferences on first use."""
    row = conn.execute("SELECT id FROM user_profiles ORDER BY id LIMIT 1").fetchone()
    if row is not None:
        return int(row[0])
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_USER_LOCK_KEY,))
        row = conn.execute("SELECT id FROM user_profiles ORDER BY id LIMIT 1").fetchone()
        if row is not None:
            return int(row[0])
        row = conn.execute(
            "INSERT INTO user_profiles (name, timezone) VALUES (%s, %s) RETURNING id",
            (name, timezone),
        ).fetchone()
        assert row is not None
        user_id = int(row[0])
        conn.execute("INSERT INTO summary_preferences (user_profile_id, daily_time) VALUES (%s, %s)",
                     (user_id, digest_time))
    return user_id
