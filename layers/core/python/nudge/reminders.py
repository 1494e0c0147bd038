"""Reminders for messages that still need a reply: set by the user, or automatic for critical ones.

Rules (decided here, computed in code):
- A user reminder is due once `due_at` has passed (a snoozed one once its new time has passed), and
  again every `interval_minutes` (default: the user's reminder_interval_minutes) after it was last
  sent, until the user answers in that chat or clears it.
- An automatic reminder is created for an unanswered message (no later message of the user in the
  chat) from the last `AUTO_LOOKBACK` that is critical: the user marked the message critical, or
  its sender is a critical contact, or it is a question addressed to the user
  (importance.is_addressed_to_me) that contains one of the user's keywords. Keywords alone do not
  count: busy groups would nag all day. One automatic reminder per chat and unanswered stretch:
  clearing it silences the chat until the user replies and a new critical message comes in.
- Answered means a message from the user later than the reminded message, or, for a chat-level
  reminder, later than the reminder's creation; close_answered marks those done.

Time zones: messages carry wall-clock times (naive, in the user's zone: user_profiles.timezone);
reminders carry timestamptz. Naive times are read in the user's zone, never in the server's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from nudge.errors import InputError, NotFound
from nudge.importance import is_addressed_to_me, matching_keywords
from nudge.preferences import Preferences

AUTO_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    chat: str | None
    due_at: datetime
    status: str
    source: str  # "user" | "auto"
    note: str | None = None
    reason: str | None = None
    interval_minutes: int | None = None
    last_sent_at: datetime | None = None
    sender: str | None = None  # the reminded message, when there is one
    sent_at: datetime | None = None  # wall clock
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "chat": self.chat, "due_at": self.due_at.isoformat(),
            "status": self.status, "source": self.source, "note": self.note, "reason": self.reason,
            "interval_minutes": self.interval_minutes,
            "last_sent_at": self.last_sent_at.isoformat() if self.last_sent_at else None,
            "message": None if self.text is None else {
                "sender": self.sender, "text": self.text,
                "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S") if self.sent_at else None},
        }


DueReminder = Reminder  # a reminder that is due now (same fields)

_SELECT = """
SELECT r.id, c.name, r.due_at, r.status, r.source, r.note, r.reason, r.interval_minutes,
       r.last_sent_at, m.sender_name, m.sent_at, m.text
FROM reminders r
LEFT JOIN chats c ON c.id = r.chat_id
LEFT JOIN messages m ON m.id = r.message_id
"""


def _reminder(row: tuple[Any, ...]) -> Reminder:
    return Reminder(*row)


def user_zone(conn: psycopg.Connection[Any], user_id: int) -> ZoneInfo:
    """The user's time zone (user_profiles.timezone)."""
    row = conn.execute("SELECT timezone FROM user_profiles WHERE id = %s", [user_id]).fetchone()
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    try:
        return ZoneInfo(row[0] or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {row[0]!r} for user {user_id}") from exc


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive datetime is wall clock in the user's zone; an aware one is kept."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _chat_id(conn: psycopg.Connection[Any], user_id: int, chat: str) -> int:
    row = conn.execute("SELECT id FROM chats WHERE user_profile_id = %s AND lower(name) = lower(%s)"
                       " LIMIT 1", [user_id, chat.strip()]).fetchone()
    if row is None:
        raise NotFound(f"no chat named {chat!r}")
    return int(row[0])


def _get(conn: psycopg.Connection[Any], user_id: int, reminder_id: int) -> Reminder:
    row = conn.execute(_SELECT + " WHERE r.id = %s AND r.user_profile_id = %s",
                       [reminder_id, user_id]).fetchone()
    if row is None:
        raise NotFound(f"no reminder with id {reminder_id}")
    return _reminder(row)


def add_reminder(conn: psycopg.Connection[Any], *, user_id: int, chat: str, due_at: datetime,
                 note: str | None = None, interval_minutes: int | None = None,
                 message_id: int | None = None, now: datetime | None = None) -> Reminder:
    """A user reminder for a chat (optionally a message in it). `now` is its creation time
    (default: the database clock); a reply after that closes it."""
    if interval_minutes is not None and interval_minutes < 1:
        raise InputError("the reminder interval must be at least one minute")
    tz = user_zone(conn, user_id)
    chat_id = _chat_id(conn, user_id, chat)
    with conn.transaction():
        row = conn.execute(
            """INSERT INTO reminders (user_profile_id, chat_id, message_id, due_at, note,
                                      interval_minutes, created_at)
               VALUES (%s, %s, %s, %s, %s, %s, coalesce(%s, now())) RETURNING id""",
            [user_id, chat_id, message_id, _aware(due_at, tz), note, interval_minutes,
             _aware(now, tz) if now else None]).fetchone()
    assert row is not None
    return _get(conn, user_id, int(row[0]))


def list_reminders(conn: psycopg.Connection[Any], *, user_id: int,
                   include_closed: bool = False) -> list[Reminder]:
    """Open and snoozed reminders by due time (all of them with include_closed)."""
    rows = conn.execute(
        _SELECT + " WHERE r.user_profile_id = %s AND (%s OR r.status IN ('open', 'snoozed'))"
        " ORDER BY r.due_at, r.id", [user_id, include_closed]).fetchall()
    return [_reminder(row) for row in rows]


def snooze(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int,
           until: datetime) -> Reminder:
    """Silence an open reminder until `until`; it is due again then (and repeats from there)."""
    tz = user_zone(conn, user_id)
    with conn.transaction():
        updated = conn.execute(
            "UPDATE reminders SET status = 'snoozed', due_at = %s, last_sent_at = NULL"
            " WHERE id = %s AND user_profile_id = %s AND status IN ('open', 'snoozed')",
            [_aware(until, tz), reminder_id, user_id]).rowcount
    if not updated:
        raise NotFound(f"no open reminder with id {reminder_id}")
    return _get(conn, user_id, reminder_id)


def clear(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int | None = None) -> int:
    """Clear one open reminder, or all of them (reminder_id None); returns how many."""
    with conn.transaction():
        cleared = conn.execute(
            "UPDATE reminders SET status = 'cleared' WHERE user_profile_id = %s"
            " AND status IN ('open', 'snoozed') AND (%s::bigint IS NULL OR id = %s)",
            [user_id, reminder_id, reminder_id]).rowcount
    if reminder_id is not None and not cleared:
        raise NotFound(f"no open reminder with id {reminder_id}")
    return cleared


_ANSWERED = """
EXISTS (SELECT 1 FROM messages a WHERE a.chat_id = {chat} AND a.from_me AND a.kind <> 'system'
        AND (a.sent_at > {at} OR (a.sent_at = {at} AND a.id > {msg})))
"""


def close_answered(conn: psycopg.Connection[Any], *, user_id: int) -> int:
    """Mark done the open reminders whose chat has a message from the user after the reminded
    message (after the reminder's creation, in the user's wall clock, for chat-level ones)."""
    answered = _ANSWERED.format(
        chat="r.chat_id", msg="coalesce(r.message_id, 0)",
        at="coalesce((SELECT m.sent_at FROM messages m WHERE m.id = r.message_id),"
           " r.created_at AT TIME ZONE u.timezone)")
    with conn.transaction():
        return conn.execute(
            f"""UPDATE reminders r SET status = 'done' FROM user_profiles u
                WHERE u.id = r.user_profile_id AND r.user_profile_id = %s
                  AND r.status IN ('open', 'snoozed') AND r.chat_id IS NOT NULL AND {answered}""",
            [user_id]).rowcount


_UNANSWERED_SQL = """
SELECT m.id, m.chat_id, c.type, m.sent_at, m.text, m.is_critical, coalesce(ct.is_critical, false)
FROM messages m
JOIN chats c ON c.id = m.chat_id
LEFT JOIN contacts ct ON ct.id = m.sender_contact_id
WHERE m.user_profile_id = %(user)s AND NOT m.from_me AND m.kind NOT IN ('system', 'deleted')
  AND m.sent_at >= %(since)s AND m.sent_at <= %(until)s
  AND NOT """ + _ANSWERED.format(chat="m.chat_id", at="m.sent_at", msg="m.id") + """
ORDER BY m.chat_id, m.sent_at, m.id
"""


def critical_reason(text: str, *, chat_type: str, me: str | None, marked: bool,
                    sender_critical: bool, keywords: list[str]) -> str | None:
    """Why a message deserves an automatic reminder (see the module docstring), or None."""
    if marked:
        return "marked critical"
    if sender_critical:
        return "critical contact"
    found = matching_keywords(text, keywords)
    if found and is_addressed_to_me(text, chat_type=chat_type, me=me):
        return "question with keyword: " + ", ".join(found)
    return None


def create_automatic(conn: psycopg.Connection[Any], *, user_id: int, now: datetime,
                     prefs: Preferences, me: str | None = None) -> int:
    """Create the automatic reminders that are missing (one per chat and unanswered stretch)."""
    tz = user_zone(conn, user_id)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    rows = conn.execute(_UNANSWERED_SQL, {"user": user_id, "since": local_now - AUTO_LOOKBACK,
                                          "until": local_now}).fetchall()
    stretch: dict[int, list[int]] = {}
    first: dict[int, tuple[int, datetime, str]] = {}
    for msg_id, chat_id, chat_type, sent_at, text, marked, sender_critical in rows:
        stretch.setdefault(chat_id, []).append(msg_id)
        reason = critical_reason(text, chat_type=chat_type, me=me, marked=marked,
                                 sender_critical=sender_critical, keywords=prefs.keywords)
        if reason and chat_id not in first:
            first[chat_id] = (msg_id, sent_at, reason)
    created = 0
    with conn.transaction():
        for chat_id, (msg_id, sent_at, reason) in first.items():
            created += conn.execute(
                """INSERT INTO reminders (user_profile_id, chat_id, message_id, due_at, source,
                                          reason)
                   SELECT %(user)s, %(chat)s, %(msg)s, %(due)s, 'auto', %(reason)s
                   WHERE NOT EXISTS (SELECT 1 FROM reminders WHERE source = 'auto'
                                     AND message_id = ANY(%(stretch)s))
                   ON CONFLICT DO NOTHING""",
                {"user": user_id, "chat": chat_id, "msg": msg_id, "due": sent_at.replace(tzinfo=tz),
                 "reason": reason, "stretch": stretch[chat_id]}).rowcount
    return created


def due_reminders(conn: psycopg.Connection[Any], *, user_id: int, now: datetime,
                  prefs: Preferences, me: str | None = None) -> list[DueReminder]:
    """Reminders to send at `now` (aware): closes the answered ones, creates the automatic ones,
    then returns those past due and not sent within their interval."""
    if now.tzinfo is None:
        raise InputError("now must carry a time zone")
    close_answered(conn, user_id=user_id)
    create_automatic(conn, user_id=user_id, now=now, prefs=prefs, me=me)
    rows = conn.execute(
        _SELECT + """ WHERE r.user_profile_id = %(user)s AND r.status IN ('open', 'snoozed')
          AND r.due_at <= %(now)s
          AND (r.last_sent_at IS NULL OR r.last_sent_at
               + make_interval(mins => coalesce(r.interval_minutes, %(interval)s)) <= %(now)s)
        ORDER BY r.due_at, r.id""",
        {"user": user_id, "now": now, "interval": prefs.reminder_interval_minutes}).fetchall()
    return [_reminder(row) for row in rows]


def mark_sent(conn: psycopg.Connection[Any], due: DueReminder | Iterable[DueReminder],
              now: datetime) -> None:
    """Record that these reminders went out at `now`; a snoozed one is open again."""
    ids = [due.id] if isinstance(due, Reminder) else [d.id for d in due]
    with conn.transaction():
        conn.execute("UPDATE reminders SET last_sent_at = %s, status = 'open'"
                     " WHERE id = ANY(%s) AND status IN ('open', 'snoozed')", [now, ids])


def format_reminder(reminder: Reminder, tz: ZoneInfo) -> str:
    """One line for the terminal or the bot."""
    when = reminder.due_at.astimezone(tz).strftime("%a %d %b %H:%M")
    line = f"#{reminder.id} {when} [{reminder.chat or '-'}]"
    if reminder.text is not None:
        line += f" {reminder.sender or '?'}: {reminder.text[:120]}"
    if reminder.note:
        line += f" — {reminder.note}"
    if reminder.reason:
        line += f" ({reminder.reason})"
    return line + (" (snoozed)" if reminder.status == "snoozed" else "")


# --- parse_when: "tonight", "tomorrow 9am", "in 2 Stunden", "mañana a las 18:00" ---------------

_UNITS = {
    "minute": 1, "minutes": 1, "min": 1, "mins": 1, "m": 1, "minuten": 1, "minute(n)": 1,
    "minuto": 1, "minutos": 1, "hour": 60, "hours": 60, "h": 60, "hr": 60, "hrs": 60,
    "stunde": 60, "stunden": 60, "std": 60, "hora": 60, "horas": 60, "day": 1440, "days": 1440,
    "tag": 1440, "tage": 1440, "tagen": 1440, "día": 1440, "días": 1440, "dia": 1440, "dias": 1440,
    "week": 10080, "weeks": 10080, "woche": 10080, "wochen": 10080, "semana": 10080,
    "semanas": 10080,
}
_ONE = {"a": 1, "an": 1, "one": 1, "ein": 1, "eine": 1, "einer": 1, "einem": 1, "un": 1,
        "una": 1, "half an": 0.5, "half a": 0.5, "einer halben": 0.5, "media": 0.5}
_RELATIVE_RE = re.compile(
    r"\b(?:in|en)\s+(\d+(?:[.,]\d+)?(?=\s*[a-zäöüéíá])|(?:half an|half a|einer halben|an|a|one|"
    r"einer|einem|eine|una|un|media)(?=\s))\s*("
    + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")\b")
_CLOCK_RE = re.compile(
    r"(?:\b(?:at|um|a las|a la|@)\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|uhr|h)?\b"
    r"|\b(\d{1,2})(?:[:.](\d{2}))\s*(am|pm|uhr|h)?(?!\w)"
    r"|\b(\d{1,2})\s*(am|pm|uhr)\b)")
_PARTS = [  # (pattern, time of day); "por la mañana" before "mañana" means tomorrow
    (r"por la mañana|in the morning|\bmorning\b|\bfrüh\b|vormittag", time(9, 0)),
    (r"\bnoon\b|\bmittag\b|mediodía", time(12, 0)),
    (r"afternoon|nachmittag|por la tarde|esta tarde", time(15, 0)),
    (r"tonight|evening|\babend\b|\bnoche\b|\bnight\b", time(20, 0)),
]
_WEEKDAYS = [("monday", "montag", "lunes"), ("tuesday", "dienstag", "martes"),
             ("wednesday", "mittwoch", "miércoles"), ("thursday", "donnerstag", "jueves"),
             ("friday", "freitag", "viernes"), ("saturday", "samstag", "sábado"),
             ("sunday", "sonntag", "domingo")]
_DEFAULT_TIME = time(9, 0)


def _clock(text: str) -> time | None:
    m = _CLOCK_RE.search(text)
    if not m:
        return None
    groups = next(g for g in (m.group(1, 2, 3), m.group(4, 5, 6), (m.group(7), None, m.group(8)))
                  if g[0] is not None)
    hour, minute, suffix = int(groups[0]), int(groups[1] or 0), groups[2]
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise InputError(f"not a time of day: {m.group(0).strip()!r}")
    return time(hour, minute)


def _day_offset(text: str, today: date) -> int | None:
    if re.search(r"day after tomorrow|übermorgen|pasado mañana", text):
        return 2
    if re.search(r"\btomorrow\b|\btmrw\b|\bmorgen\b|(?<!la )\bmañana\b", text):
        return 1
    if re.search(r"\btoday\b|\bheute\b|\bhoy\b|tonight|esta noche|esta tarde", text):
        return 0
    for number, names in enumerate(_WEEKDAYS):
        if any(re.search(rf"\b{name}\b", text) for name in names):
            return (number - today.weekday() - 1) % 7 + 1
    return None


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """When the user means, as an aware datetime in `tz`.

    Relative spans ("in 2 hours") count elapsed time (right across DST changes); days and clock
    times are wall clock in `tz`. A clock time already past today means tomorrow; "tonight" is
    20:00, "tomorrow" alone 09:00. Raises InputError when nothing in the text names a time.
    """
    if now.tzinfo is None:
        raise InputError("now must carry a time zone")
    said = " ".join(text.casefold().split())
    local_now = now.astimezone(tz)
    if re.fullmatch(r"now|jetzt|ahora", said):
        return local_now
    if m := _RELATIVE_RE.search(said):
        amount = _ONE.get(m.group(1))
        count = amount if amount is not None else float(m.group(1).replace(",", "."))
        delta = timedelta(minutes=count * _UNITS[m.group(2)])
        return (now.astimezone(UTC) + delta).astimezone(tz)
    if m := re.search(r"\b(\d{4}-\d{2}-\d{2})(?:[t ](\d{1,2}:\d{2}))?\b", said):
        day = date.fromisoformat(m.group(1))
        at = time.fromisoformat(m.group(2).zfill(5)) if m.group(2) else _DEFAULT_TIME
        return datetime.combine(day, at, tzinfo=tz)
    offset = _day_offset(said, local_now.date())
    at = _clock(said)
    part = next((t for pattern, t in _PARTS if re.search(pattern, said)), None)
    if offset is None and at is None and part is None:
        raise InputError(f"cannot tell when {text.strip()!r} is; try 'tonight', 'tomorrow 9am', "
                         "'in 2 hours' or 'at 18:00'")
    if at is None and part is None and offset == 0:  # "today": later today
        return (now.astimezone(UTC) + timedelta(hours=3)).astimezone(tz)
    if at is None and part == time(20, 0) and offset in (None, 0) and local_now.time() >= part:
        return (now.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)  # "tonight", late
    at = at or part or _DEFAULT_TIME
    day = local_now.date() + timedelta(days=offset or 0)
    when = datetime.combine(day, at, tzinfo=tz)
    if offset is None and when <= local_now:
        when = datetime.combine(day + timedelta(days=1), at, tzinfo=tz)
    return when
