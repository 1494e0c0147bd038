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

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from nudge.domain import Preferences, Reminder
from nudge.errors import InputError, NotFound
from nudge.rules.importance import is_addressed_to_me, matching_keywords
from nudge.store import reminders as store
from nudge.store.chats import resolve_chat
from nudge.store.users import user_zone

AUTO_LOOKBACK = timedelta(days=7)
DueReminder = Reminder  # a reminder that is due now (same fields)


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive datetime is wall clock in the user's zone; an aware one is kept."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _get(conn: psycopg.Connection[Any], user_id: int, reminder_id: int) -> Reminder:
    found = store.get_reminder(conn, user_id=user_id, reminder_id=reminder_id)
    if found is None:
        raise NotFound(f"no reminder with id {reminder_id}")
    return found


def add_reminder(conn: psycopg.Connection[Any], *, user_id: int, chat: str, due_at: datetime,
                 note: str | None = None, interval_minutes: int | None = None,
                 message_id: int | None = None, now: datetime | None = None) -> Reminder:
    """A user reminder for a chat (optionally a message in it). `now` is its creation time
    (default: the database clock); a reply after that closes it."""
    if interval_minutes is not None and interval_minutes < 1:
        raise InputError("the reminder interval must be at least one minute")
    tz = user_zone(conn, user_id=user_id)
    chat_id, _ = resolve_chat(conn, user_id=user_id, name=chat)
    reminder_id = store.insert_reminder(
        conn, user_id=user_id, chat_id=chat_id, due_at=_aware(due_at, tz), note=note,
        interval_minutes=interval_minutes, message_id=message_id,
        created_at=_aware(now, tz) if now else None)
    return _get(conn, user_id, reminder_id)


def list_reminders(conn: psycopg.Connection[Any], *, user_id: int,
                   include_closed: bool = False) -> list[Reminder]:
    """Open and snoozed reminders by due time (all of them with include_closed)."""
    return store.open_reminders(conn, user_id=user_id, include_closed=include_closed)


def snooze(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int,
           until: datetime) -> Reminder:
    """Silence an open reminder until `until`; it is due again then (and repeats from there)."""
    tz = user_zone(conn, user_id=user_id)
    if not store.snooze_reminder(conn, user_id=user_id, reminder_id=reminder_id,
                                 until=_aware(until, tz)):
        raise NotFound(f"no open reminder with id {reminder_id}")
    return _get(conn, user_id, reminder_id)


def clear(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int | None = None) -> int:
    """Clear one open reminder, or all of them (reminder_id None); returns how many."""
    cleared = store.clear_reminders(conn, user_id=user_id, reminder_id=reminder_id)
    if reminder_id is not None and not cleared:
        raise NotFound(f"no open reminder with id {reminder_id}")
    return cleared


def close_answered(conn: psycopg.Connection[Any], *, user_id: int) -> int:
    """Mark done the reminders the user has answered since (see the module docstring)."""
    return store.close_answered(conn, user_id=user_id)


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
    tz = user_zone(conn, user_id=user_id)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    rows = store.unanswered_messages(conn, user_id=user_id, since=local_now - AUTO_LOOKBACK,
                                     until=local_now)
    stretch: dict[int, list[int]] = {}
    first: dict[int, tuple[int, datetime, str]] = {}
    for msg_id, chat_id, chat_type, sent_at, text, marked, sender_critical in rows:
        stretch.setdefault(chat_id, []).append(msg_id)
        reason = critical_reason(text, chat_type=chat_type, me=me, marked=marked,
                                 sender_critical=sender_critical, keywords=prefs.keywords)
        if reason and chat_id not in first:
            first[chat_id] = (msg_id, sent_at, reason)
    wanted = [(chat_id, msg_id, sent_at.replace(tzinfo=tz), reason, stretch[chat_id])
              for chat_id, (msg_id, sent_at, reason) in first.items()]
    return store.insert_automatic(conn, user_id=user_id, wanted=wanted)


def due_reminders(conn: psycopg.Connection[Any], *, user_id: int, now: datetime,
                  prefs: Preferences, me: str | None = None) -> list[DueReminder]:
    """Reminders to send at `now` (aware): closes the answered ones, creates the automatic ones,
    then returns those past due and not sent within their interval."""
    if now.tzinfo is None:
        raise InputError("now must carry a time zone")
    close_answered(conn, user_id=user_id)
    create_automatic(conn, user_id=user_id, now=now, prefs=prefs, me=me)
    return store.due_now(conn, user_id=user_id, now=now,
                         default_interval=prefs.reminder_interval_minutes)


def mark_sent(conn: psycopg.Connection[Any], due: DueReminder | Iterable[DueReminder], now: datetime,
              *, user_id: int) -> None:
    """Record that these reminders went out at `now`; a snoozed one is open again."""
    ids = [due.id] if isinstance(due, Reminder) else [d.id for d in due]
    store.mark_sent(conn, user_id=user_id, ids=ids, now=now)


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
