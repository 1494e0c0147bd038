"""Chats: created by imports, found by name for every face (one resolver)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from nudge.rules.names import best_match


def upsert_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
                explicit: bool) -> tuple[int, bool]:
    """(id, created) of the chat `name`, created if new. A detected type only ever upgrades to
    group; an explicit type (the collector knows it) replaces the stored one."""
    row = conn.execute(
        """
        INSERT INTO chats (user_profile_id, name, type) VALUES (%(user)s, %(name)s, %(type)s)
        ON CONFLICT (user_profile_id, name) DO UPDATE SET type =
            CASE WHEN %(explicit)s OR excluded.type = 'group' THEN excluded.type
                 ELSE chats.type END
        RETURNING id, xmax = 0
        """,
        {"user": user_id, "name": name, "type": chat_type, "explicit": explicit},
    ).fetchone()
    assert row is not None
    return int(row[0]), bool(row[1])


def touch_chat(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
               last: datetime | None) -> None:
    """Move chats.last_message_at forward to `last` (never backwards: old exports come late)."""
    if last is not None:
        conn.execute(
            "UPDATE chats SET last_message_at = GREATEST(last_message_at, %s)"
            " WHERE id = %s AND user_profile_id = %s",
            (last, chat_id, user_id),
        )




def chat_names(conn: psycopg.Connection[Any], *, user_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM chats WHERE user_profile_id = %s ORDER BY name", (user_id,))]


def resolve_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> tuple[int, str]:
    """(id, stored name) of the chat a user means by `name`: exact, then prefix, then contained,
    ignoring case (rules.names.best_match); NotFound says what is known."""
    rows = conn.execute("SELECT name, id FROM chats WHERE user_profile_id = %s ORDER BY name",
                        (user_id,)).fetchall()
    ids = dict(rows)
    found = best_match(list(ids), name, what="chat")
    return int(ids[found]), found


def chat_type(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int) -> str:
    row = conn.execute("SELECT type FROM chats WHERE id = %s AND user_profile_id = %s",
                       (chat_id, user_id)).fetchone()
    return str(row[0]) if row else "one_to_one"
