"""The user's controls over single messages and chats: critical, ignored, muted.

Critical and ignored exclude each other (marking one clears the other). Ignoring a message also
clears its open reminders; the digest, reminder and suggestion queries skip ignored messages and
muted chats themselves (store.history, store.reminders).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

_MESSAGE = """
SELECT m.id, m.chat_id, c.name, m.sender_name, m.from_me, m.sent_at, m.text, m.is_critical,
       m.ignored, c.muted
FROM messages m JOIN chats c ON c.id = m.chat_id
WHERE m.id = %s AND m.user_profile_id = %s
"""

MessageRow = tuple[int, int, str, str | None, bool, datetime, str, bool, bool, bool]


def message_row(conn: psycopg.Connection[Any], *, user_id: int, message_id: int) -> MessageRow | None:
    """(id, chat id, chat, sender, from_me, sent_at, text, critical, ignored, chat muted) of one of
    the user's messages, None if there is no such message of theirs."""
    return conn.execute(_MESSAGE, [message_id, user_id]).fetchone()


def set_message_flags(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                      critical: bool | None = None, ignored: bool | None = None) -> bool:
    """Set a message's critical and/or ignored flag (None: unchanged; one set true clears the
    other). Ignoring also clears the message's open reminders. False if it is not the user's."""
    if critical:
        ignored = False
    if ignored:
        critical = False
    with conn.transaction():
        found = conn.execute(
            """UPDATE messages SET is_critical = coalesce(%(critical)s, is_critical),
                                   ignored = coalesce(%(ignored)s, ignored)
               WHERE id = %(id)s AND user_profile_id = %(user)s""",
            {"critical": critical, "ignored": ignored, "id": message_id, "user": user_id}).rowcount
        if found and ignored:
            conn.execute("UPDATE reminders SET status = 'cleared' WHERE user_profile_id = %s"
                         " AND message_id = %s AND status IN ('open', 'snoozed')",
                         [user_id, message_id])
    return found > 0


def set_chat_muted(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, muted: bool) -> bool:
    """Mute or unmute one of the user's chats; False if it is not theirs."""
    return conn.execute("UPDATE chats SET muted = %s WHERE id = %s AND user_profile_id = %s",
                        [muted, chat_id, user_id]).rowcount > 0


def muted_chats(conn: psycopg.Connection[Any], *, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the user's muted chats, by name."""
    return [(int(i), n) for i, n in conn.execute(
        "SELECT id, name FROM chats WHERE user_profile_id = %s AND muted ORDER BY name", [user_id])]


def chat_name(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int) -> str | None:
    row = conn.execute("SELECT name FROM chats WHERE id = %s AND user_profile_id = %s",
                       [chat_id, user_id]).fetchone()
    return row[0] if row else None


def flagged_messages(conn: psycopg.Connection[Any], *, user_id: int, ignored: bool,
                     limit: int = 50) -> list[MessageRow]:
    """The user's messages marked critical (ignored=False) or ignored (ignored=True), newest first."""
    column = "m.ignored" if ignored else "m.is_critical"
    return conn.execute(
        _MESSAGE.replace("WHERE m.id = %s AND m.user_profile_id = %s",
                         f"WHERE m.user_profile_id = %s AND {column}")
        + " ORDER BY m.sent_at DESC, m.id DESC LIMIT %s", [user_id, limit]).fetchall()
