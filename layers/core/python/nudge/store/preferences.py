"""The user's importance criteria and schedule (summary_preferences)."""

from __future__ import annotations

from datetime import time
from typing import Any

import psycopg

from nudge.domain import ALL_CHAT_TYPES, Preferences


def user_preferences(conn: psycopg.Connection[Any], *, user_id: int) -> Preferences:
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


def save_preferences(conn: psycopg.Connection[Any], *, user_id: int, prefs: Preferences) -> None:
    conn.execute(
        """INSERT INTO summary_preferences
               (user_profile_id, keywords, chat_types, daily_time, reminder_interval_minutes)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (user_profile_id) DO UPDATE SET keywords = excluded.keywords,
               chat_types = excluded.chat_types, daily_time = excluded.daily_time,
               reminder_interval_minutes = excluded.reminder_interval_minutes""",
        [user_id, prefs.keywords, prefs.chat_types or list(ALL_CHAT_TYPES), prefs.daily_time,
         prefs.reminder_interval_minutes])
