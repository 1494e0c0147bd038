"""The user's digest frequency: daily at a time, weekly on a day, several times a day, manual only,
off (rules.digest_schedule decides when a scheduled digest is due). The same functions serve
/settings, `nudge settings` and the API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from nudge.domain import ALL_CHAT_TYPES
from nudge.errors import InputError
from nudge.rules.digest_schedule import DigestSchedule, parse_schedule, parse_time, parse_weekday
from nudge.store import preferences
from nudge.store.users import set_zone, user_zone


def digest_frequency(conn: psycopg.Connection[Any], *, user_id: int) -> DigestSchedule:
    return preferences.digest_schedule(conn, user_id=user_id)


def set_digest_frequency(conn: psycopg.Connection[Any], *, user_id: int, text: str) -> DigestSchedule:
    """From words: 'daily 07:30', 'weekly sunday 18:00', 'times 08:00,13:00', 'manual', 'off'
    (what is left out is kept: 'weekly' keeps the time, 'daily' the time too)."""
    schedule = parse_schedule(text, current=digest_frequency(conn, user_id=user_id))
    preferences.save_digest_schedule(conn, user_id=user_id, schedule=schedule)
    return schedule


def set_digest_schedule(conn: psycopg.Connection[Any], *, user_id: int, frequency: str,
                        times: Sequence[str | time] | None = None,
                        weekday: str | int | None = None) -> DigestSchedule:
    """From fields (the API): frequency, times ('HH:MM'; one for daily and weekly), weekday
    (a name or ISO number); what is left out is kept. InputError on anything malformed."""
    current = digest_frequency(conn, user_id=user_id)
    parsed = tuple(sorted({t if isinstance(t, time) else parse_time(str(t)) for t in times or ()}))
    if frequency in ("daily", "weekly") and len(parsed) > 1:
        raise InputError(f"a {frequency} digest has one time")
    chosen = parsed or (current.times if frequency == "times" or current.frequency != "times"
                        else current.times[:1])
    day = current.weekday if weekday is None else (
        weekday if isinstance(weekday, int) else parse_weekday(weekday))
    schedule = DigestSchedule(frequency, chosen, day)
    preferences.save_digest_schedule(conn, user_id=user_id, schedule=schedule)
    return schedule


@dataclass(frozen=True, slots=True)
class UserSettings:
    """What /settings and `nudge settings` show (and the API returns)."""

    digest: DigestSchedule
    timezone: str
    chat_types: list[str]
    keywords: list[str]
    reminder_interval_minutes: int

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest.to_json(), "timezone": self.timezone,
                "chat_types": self.chat_types, "keywords": self.keywords,
                "reminder_interval_minutes": self.reminder_interval_minutes}

    def lines(self) -> list[str]:
        return [f"digest: {self.digest.describe()}", f"time zone: {self.timezone}",
                f"chat types: {', '.join(self.chat_types)}",
                f"keywords: {', '.join(self.keywords) or 'none'}",
                f"remind again every {self.reminder_interval_minutes} min"]


def user_settings(conn: psycopg.Connection[Any], *, user_id: int) -> UserSettings:
    prefs = preferences.user_preferences(conn, user_id=user_id)
    return UserSettings(digest_frequency(conn, user_id=user_id),
                        user_zone(conn, user_id=user_id).key,
                        list(prefs.chat_types or ALL_CHAT_TYPES), list(prefs.keywords),
                        prefs.reminder_interval_minutes)


def change_setting(conn: psycopg.Connection[Any], *, user_id: int, key: str,
                   value: str) -> UserSettings:
    """One setting from words: digest FREQUENCY…, time HH:MM (daily and weekly), tz ZONE,
    chats TYPES, remind MINUTES. InputError names what is wrong; nothing is changed then."""
    key, value = key.strip().lower(), value.strip()
    prefs = preferences.user_preferences(conn, user_id=user_id)
    if not value:
        raise InputError(f"'{key}' needs a value. Example: digest weekly sunday 18:00")
    if key in ("digest", "frequency"):
        set_digest_frequency(conn, user_id=user_id, text=value)
    elif key == "time":  # the daily and weekly digest's time (`digest times …` sets the list)
        preferences.save_preferences(conn, user_id=user_id,
                                     prefs=replace(prefs, daily_time=parse_time(value)))
    elif key in ("tz", "timezone"):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"unknown time zone {value!r}. Example: Europe/Berlin") from exc
        set_zone(conn, user_id=user_id, timezone=value)
    elif key in ("chats", "chat_types"):
        types = [t.strip().lower() for t in re.split(r"[,\s]+", value) if t.strip()]
        if not types or any(t not in ALL_CHAT_TYPES for t in types):
            raise InputError("chat types are group and one_to_one. Example: chats group")
        preferences.save_preferences(conn, user_id=user_id,
                                     prefs=replace(prefs, chat_types=list(dict.fromkeys(types))))
    elif key in ("remind", "interval"):
        if not value.isdigit() or not 5 <= int(value) <= 10080:
            raise InputError("the reminder interval is minutes, 5 to 10080. Example: remind 60")
        preferences.save_preferences(conn, user_id=user_id,
                                     prefs=replace(prefs, reminder_interval_minutes=int(value)))
    else:
        raise InputError(f"unknown setting {key!r}: digest, time, tz, chats or remind")
    return user_settings(conn, user_id=user_id)
