"""The user's digest frequency: daily at a time, weekly on a day, several times a day, manual only,
off (rules.digest_schedule decides when a scheduled digest is due). The same functions serve
/settings, `nudge settings` and the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

import psycopg

from nudge.errors import InputError
from nudge.rules.digest_schedule import DigestSchedule, parse_schedule, parse_time, parse_weekday
from nudge.store import preferences


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
