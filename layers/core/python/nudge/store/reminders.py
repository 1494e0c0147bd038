"""Reminders: set by the user or created for critical messages; due, sent, snoozed, cleared.

Times: messages carry wall-clock times in the user's zone (timestamp); reminders carry timestamptz.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from nudge.domain import Reminder
from nudge.errors import NotFound

# What a message said: its text and, for a transcribed voice note, the transcript after a 🎤.
_SAID = ("CASE WHEN m.transcript IS NULL OR btrim(m.transcript) = '' THEN m.text"
         " ELSE concat_ws(' ', nullif(btrim(m.text), ''), '🎤 ' || m.transcript) END")

_SELECT = """
SELECT r.id, c.name, r.due_at, r.status, r.source, r.note, r.reason, r.interval_minutes,
       r.last_sent_at, m.sender_name, m.sent_at, """ + _SAID + """, r.chat_id, r.message_id
FROM reminders r
LEFT JOIN chats c ON c.id = r.chat_id AND c.user_profile_id = r.user_profile_id
LEFT JOIN messages m ON m.id = r.message_id AND m.user_profile_id = r.user_profile_id
"""

# A message of the user in the chat after the one at ({at}, {msg}).
_ANSWERED = """
EXISTS (SELECT 1 FROM messages a WHERE a.chat_id = {chat} AND a.from_me AND a.kind <> 'system'
        AND (a.sent_at > {at} OR (a.sent_at = {at} AND a.id > {msg})))
"""

_UNANSWERED_SQL = """
SELECT m.id, m.chat_id, c.type, m.sent_at, """ + _SAID + """, m.is_critical, coalesce(ct.is_critical, false)
FROM messages m
JOIN chats c ON c.id = m.chat_id
LEFT JOIN contacts ct ON ct.id = m.sender_contact_id
WHERE m.user_profile_id = %(user)s AND NOT m.from_me AND m.kind NOT IN ('system', 'deleted')
  AND m.sent_at >= %(since)s AND m.sent_at <= %(until)s AND NOT m.ignored AND NOT c.muted
  AND NOT """ + _ANSWERED.format(chat="m.chat_id", at="m.sent_at", msg="m.id") + """
ORDER BY m.chat_id, m.sent_at, m.id
"""


def get_reminder(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int) -> Reminder | None:
    row = conn.execute(_SELECT + " WHERE r.id = %s AND r.user_profile_id = %s",
                       [reminder_id, user_id]).fetchone()
    return Reminder(*row) if row else None


def insert_reminder(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, due_at: datetime,
                    note: str | None, interval_minutes: int | None, message_id: int | None,
                    created_at: datetime | None) -> int:
    """A user reminder; `created_at` None means the database clock. The chat (and the message, if
    given) must be the user's, the message in that chat: NotFound otherwise."""
    with conn.transaction():
        row = conn.execute(
            """INSERT INTO reminders (user_profile_id, chat_id, message_id, due_at, note,
                                      interval_minutes, created_at)
               SELECT c.user_profile_id, c.id, m.id, %(due)s::timestamptz, %(note)s::text,
                      %(interval)s::int, coalesce(%(created)s::timestamptz, now())
               FROM chats c
               LEFT JOIN messages m ON m.id = %(msg)s AND m.chat_id = c.id
                                   AND m.user_profile_id = c.user_profile_id
               WHERE c.id = %(chat)s AND c.user_profile_id = %(user)s
                 AND (%(msg)s::bigint IS NULL OR m.id IS NOT NULL)
               RETURNING id""",
            {"user": user_id, "chat": chat_id, "msg": message_id, "due": due_at, "note": note,
             "interval": interval_minutes, "created": created_at}).fetchone()
    if row is None:
        raise NotFound(f"no message {message_id} in that chat" if message_id is not None
                       else f"no chat with id {chat_id}")
    return int(row[0])


def open_reminders(conn: psycopg.Connection[Any], *, user_id: int,
                   include_closed: bool = False) -> list[Reminder]:
    """Open and snoozed reminders by due time (all of them with include_closed)."""
    rows = conn.execute(
        _SELECT + " WHERE r.user_profile_id = %s AND (%s OR r.status IN ('open', 'snoozed'))"
        " ORDER BY r.due_at, r.id", [user_id, include_closed]).fetchall()
    return [Reminder(*row) for row in rows]


def snooze_reminder(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int,
                    until: datetime) -> bool:
    with conn.transaction():
        return conn.execute(
            "UPDATE reminders SET status = 'snoozed', due_at = %s, last_sent_at = NULL"
            " WHERE id = %s AND user_profile_id = %s AND status IN ('open', 'snoozed')",
            [until, reminder_id, user_id]).rowcount > 0


def clear_reminders(conn: psycopg.Connection[Any], *, user_id: int, reminder_id: int | None) -> int:
    """Clear one open reminder, or all of them (reminder_id None); returns how many."""
    with conn.transaction():
        return conn.execute(
            "UPDATE reminders SET status = 'cleared' WHERE user_profile_id = %s"
            " AND status IN ('open', 'snoozed') AND (%s::bigint IS NULL OR id = %s)",
            [user_id, reminder_id, reminder_id]).rowcount


def close_answered(conn: psycopg.Connection[Any], *, user_id: int) -> int:
    """Mark done the open reminders whose chat has a message from the user after the reminded
    message (after the reminder's creation, in the user's wall clock, for chat-level ones)."""
    answered = _ANSWERED.format(
        chat="r.chat_id", msg="coalesce(r.message_id, 0)",
        at="coalesce((SELECT m.sent_at FROM messages m"
           " WHERE m.id = r.message_id AND m.user_profile_id = r.user_profile_id),"
           " r.created_at AT TIME ZONE u.timezone)")
    with conn.transaction():
        return conn.execute(
            f"""UPDATE reminders r SET status = 'done' FROM user_profiles u
                WHERE u.id = r.user_profile_id AND r.user_profile_id = %s
                  AND r.status IN ('open', 'snoozed') AND r.chat_id IS NOT NULL AND {answered}""",
            [user_id]).rowcount


def unanswered_messages(conn: psycopg.Connection[Any], *, user_id: int, since: datetime,
                        until: datetime) -> list[tuple[Any, ...]]:
    """(id, chat id, chat type, sent_at, text, marked critical, sender critical) of messages from
    others in [since, until] (wall clock) with no later message of the user in their chat;
    ignored messages and muted chats left out."""
    return conn.execute(_UNANSWERED_SQL, {"user": user_id, "since": since, "until": until}).fetchall()


def insert_automatic(conn: psycopg.Connection[Any], *, user_id: int,
                     wanted: list[tuple[int, int, datetime, str, list[int]]]) -> int:
    """Automatic reminders (chat id, message id, due, reason, the chat's unanswered stretch), each
    unless one exists for a message of its stretch already; returns how many were created."""
    created = 0
    with conn.transaction():
        for chat_id, msg_id, due, reason, stretch in wanted:
            created += conn.execute(
                """INSERT INTO reminders (user_profile_id, chat_id, message_id, due_at, source,
                                          reason)
                   SELECT %(user)s, %(chat)s, %(msg)s, %(due)s, 'auto', %(reason)s
                   WHERE NOT EXISTS (SELECT 1 FROM reminders WHERE source = 'auto'
                                     AND user_profile_id = %(user)s AND message_id = ANY(%(stretch)s))
                   ON CONFLICT DO NOTHING""",
                {"user": user_id, "chat": chat_id, "msg": msg_id, "due": due,
                 "reason": reason, "stretch": stretch}).rowcount
    return created


def due_now(conn: psycopg.Connection[Any], *, user_id: int, now: datetime,
            default_interval: int) -> list[Reminder]:
    """Open or snoozed reminders past due and not sent within their interval (none for muted
    chats: they wait until the chat is unmuted)."""
    rows = conn.execute(
        _SELECT + """ WHERE r.user_profile_id = %(user)s AND r.status IN ('open', 'snoozed')
          AND r.due_at <= %(now)s AND NOT coalesce(c.muted, false)
          AND (r.last_sent_at IS NULL OR r.last_sent_at
               + make_interval(mins => coalesce(r.interval_minutes, %(interval)s)) <= %(now)s)
        ORDER BY r.due_at, r.id""",
        {"user": user_id, "now": now, "interval": default_interval}).fetchall()
    return [Reminder(*row) for row in rows]


def mark_sent(conn: psycopg.Connection[Any], *, user_id: int, ids: list[int], now: datetime) -> None:
    """Record that these reminders went out at `now`; a snoozed one is open again."""
    with conn.transaction():
        conn.execute("UPDATE reminders SET last_sent_at = %s, status = 'open'"
                     " WHERE user_profile_id = %s AND id = ANY(%s) AND status IN ('open', 'snoozed')",
                     [now, user_id, ids])
