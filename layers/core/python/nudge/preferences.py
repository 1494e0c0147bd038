"""The user's importance criteria and schedule (summary_preferences, contacts.is_critical)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import psycopg

ALL_CHAT_TYPES = ("one_to_one", "group")


@dataclass(frozen=True, slots=True)
class Preferences:
    keywords: list[str] = field(default_factory=list)
    chat_types: list[str] | None = None  # None: every chat type
    daily_time: time = time(8, 0)
    reminder_interval_minutes: int = 240  # the column's default too


def user_preferences(conn: psycopg.Connection, user_id: int) -> Preferences:
    row = conn.execute(
        "SELECT keywords, chat_types, daily_time, reminder_interval_minutes"
        " FROM summary_preferences WHERE user_profile_id = %s", [user_id]).fetchone()
    if row is None:
        return Preferences()
    keywords, chat_types, daily_time, interval = row
    every_type = not chat_types or set(chat_types) >= set(ALL_CHAT_TYPES)
    return Preferences(
        keywords=list(keywords or []), chat_types=None if every_type else list(chat_types),
        daily_time=daily_time or time(8, 0), reminder_interval_minutes=interval or 240,
    )


def save_preferences(conn: psycopg.Connection, user_id: int, prefs: Preferences) -> None:
    conn.execute(
        """INSERT INTO summary_preferences
               (user_profile_id, keywords, chat_types, daily_time, reminder_interval_minutes)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (user_profile_id) DO UPDATE SET keywords = excluded.keywords,
               chat_types = excluded.chat_types, daily_time = excluded.daily_time,
               reminder_interval_minutes = excluded.reminder_interval_minutes""",
        [user_id, prefs.keywords, prefs.chat_types or list(ALL_CHAT_TYPES), prefs.daily_time,
         prefs.reminder_interval_minutes])
    conn.commit()


def set_contact_critical(
    conn: psycopg.Connection, user_id: int, name: str, critical: bool
) -> bool:
    """Mark a contact (matched by name, case-insensitive) critical or not; False if unknown."""
    rows = conn.execute(
        "UPDATE contacts SET is_critical = %s WHERE user_profile_id = %s AND lower(name) = lower(%s)",
        [critical, user_id, name]).rowcount
    conn.commit()
    return rows > 0


def critical_contacts(conn: psycopg.Connection, user_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM contacts WHERE user_profile_id = %s AND is_critical ORDER BY name",
        [user_id])]
