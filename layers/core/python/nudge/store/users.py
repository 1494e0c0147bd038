"""User profiles: who a row belongs to. Every face acts for exactly one profile.

- The CLI and the collector's HTTP token act for a configured profile (NUDGE_USER, default 1),
  created on first use.
- A Telegram user id maps to exactly one profile. The owner (the first TELEGRAM_ALLOWED_USER_IDS)
  claims the default profile on first contact, so what they imported from the CLI is theirs; any
  other allowed user gets a new, empty profile.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from nudge.errors import InputError, NotFound

_USER_LOCK_KEY = 0x6E75646701  # serialises profile creation and Telegram claims


def _create(conn: psycopg.Connection[Any], *, user_id: int | None, name: str | None, timezone: str,
            digest_time: str, telegram_user_id: int | None = None) -> int:
    """A new profile with its preferences row (an explicit id keeps the id sequence ahead of it)."""
    if user_id is None:
        row = conn.execute(
            "INSERT INTO user_profiles (name, timezone, telegram_user_id) VALUES (%s, %s, %s)"
            " RETURNING id", (name, timezone, telegram_user_id)).fetchone()
        assert row is not None
        user_id = int(row[0])
    else:
        conn.execute("INSERT INTO user_profiles (id, name, timezone, telegram_user_id)"
                     " VALUES (%s, %s, %s, %s)", (user_id, name, timezone, telegram_user_id))
        conn.execute("SELECT setval(pg_get_serial_sequence('user_profiles', 'id'),"
                     " (SELECT max(id) FROM user_profiles))")
    conn.execute("INSERT INTO summary_preferences (user_profile_id, daily_time) VALUES (%s, %s)",
                 (user_id, digest_time))
    return user_id


def ensure_user(conn: psycopg.Connection[Any], *, user_id: int = 1, name: str | None = None,
                timezone: str = "UTC", digest_time: str = "08:00") -> int:
    """`user_id`, created with its preferences on first use."""
    if user_id < 1:
        raise InputError(f"a user id is a positive number, got {user_id}")
    if conn.execute("SELECT 1 FROM user_profiles WHERE id = %s", (user_id,)).fetchone():
        return user_id
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_USER_LOCK_KEY,))
        if not conn.execute("SELECT 1 FROM user_profiles WHERE id = %s", (user_id,)).fetchone():
            _create(conn, user_id=user_id, name=name, timezone=timezone, digest_time=digest_time)
    return user_id


def user_for_telegram(conn: psycopg.Connection[Any], *, telegram_user_id: int, default_user_id: int = 1,
                      owner: bool = True, name: str | None = None, timezone: str = "UTC",
                      digest_time: str = "08:00") -> int:
    """The one profile of a Telegram user (see the module docstring for how it is chosen)."""
    row = conn.execute("SELECT id FROM user_profiles WHERE telegram_user_id = %s",
                       (telegram_user_id,)).fetchone()
    if row is not None:
        return int(row[0])
    if owner:
        ensure_user(conn, user_id=default_user_id, name=name, timezone=timezone, digest_time=digest_time)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_USER_LOCK_KEY,))
        row = conn.execute("SELECT id FROM user_profiles WHERE telegram_user_id = %s",
                           (telegram_user_id,)).fetchone()
        if row is None and owner:
            row = conn.execute("UPDATE user_profiles SET telegram_user_id = %s"
                               " WHERE id = %s AND telegram_user_id IS NULL RETURNING id",
                               (telegram_user_id, default_user_id)).fetchone()
        if row is not None:
            return int(row[0])
        return _create(conn, user_id=None, name=None, timezone=timezone, digest_time=digest_time,
                       telegram_user_id=telegram_user_id)


def linked_users(conn: psycopg.Connection[Any]) -> list[tuple[int, int, str | None, str | None]]:
    """(user id, Telegram user id, time zone, name) of every profile a Telegram user owns."""
    return [(int(u), int(t), z, n) for u, t, z, n in conn.execute(
        "SELECT id, telegram_user_id, timezone, name FROM user_profiles"
        " WHERE telegram_user_id IS NOT NULL ORDER BY id")]


def display_name(conn: psycopg.Connection[Any], *, user_id: int) -> str | None:
    """The user's name in their chats (marks their own messages), if known."""
    row = conn.execute("SELECT name FROM user_profiles WHERE id = %s", (user_id,)).fetchone()
    return row[0] if row else None


def remember_name(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> bool:
    """Store the user's display name; True when it changed (callers then re-mark their
    messages: nudge.features.identity.set_my_name)."""
    return conn.execute("UPDATE user_profiles SET name = %s WHERE id = %s"
                        " AND name IS DISTINCT FROM %s", (name, user_id, name)).rowcount > 0


def user_zone(conn: psycopg.Connection[Any], *, user_id: int) -> ZoneInfo:
    """The user's time zone (user_profiles.timezone)."""
    row = conn.execute("SELECT timezone FROM user_profiles WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    try:
        return ZoneInfo(row[0] or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {row[0]!r} for user {user_id}") from exc


def set_zone(conn: psycopg.Connection[Any], *, user_id: int, timezone: str) -> None:
    conn.execute("UPDATE user_profiles SET timezone = %s WHERE id = %s", (timezone, user_id))


def all_user_ids(conn: psycopg.Connection[Any]) -> list[int]:
    """For system passes over every user's rows (the embedding backlog)."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM user_profiles ORDER BY id")]
