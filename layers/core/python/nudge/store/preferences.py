"""The user's importance criteria and schedule (summary_preferences)."""

from __future__ import annotations

from datetime import time
from typing import Any

import psycopg

from nudge.domain import ALL_CHAT_TYPES, Preferences
from nudge.rules.digest_schedule import DigestSchedule


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


def digest_schedule(conn: psycopg.Connection[Any], *, user_id: int) -> DigestSchedule:
    """The user's digest frequency (rules.digest_schedule); the default for a user without a row."""
    row = conn.execute(
        "SELECT frequency, daily_time, digest_times, weekly_day FROM summary_preferences"
        " WHERE user_profile_id = %s", [user_id]).fetchone()
    if row is None:
        return DigestSchedule()
    frequency, daily_time, times, weekday = row
    listed = tuple(sorted(times or ()))
    chosen = listed if frequency == "times" else (daily_time or time(8, 0),)
    return DigestSchedule(frequency, chosen or (daily_time or time(8, 0),), int(weekday or 1))


def save_digest_schedule(conn: psycopg.Connection[Any], *, user_id: int,
                         schedule: DigestSchedule) -> None:
    """Store a frequency; daily and weekly keep their time in daily_time (the time /settings time
    changes), `times` its list in digest_times; manual and off leave both as they were."""
    daily = schedule.times[0] if schedule.frequency in ("daily", "weekly") else None
    listed = list(schedule.times) if schedule.frequency == "times" else None
    conn.execute(
        """INSERT INTO summary_preferences
               (user_profile_id, frequency, daily_time, digest_times, weekly_day)
           VALUES (%(user)s, %(frequency)s, coalesce(%(daily)s::time, '08:00'),
                   coalesce(%(times)s::time[], '{}'), %(weekday)s)
           ON CONFLICT (user_profile_id) DO UPDATE SET frequency = excluded.frequency,
               daily_time = coalesce(%(daily)s::time, summary_preferences.daily_time),
               digest_times = coalesce(%(times)s::time[], summary_preferences.digest_times),
               weekly_day = excluded.weekly_day""",
        {"user": user_id, "frequency": schedule.frequency, "daily": daily, "times": listed,
         "weekday": schedule.weekday})
