"""Reply suggestions: stored when made; approved ones teach later suggestions."""

from __future__ import annotations

from typing import Any

import psycopg

_APPROVED_PAIRS_SQL = """
SELECT coalesce(m.sender_name, '?'), coalesce(m.text, ''), s.text FROM suggestions s
LEFT JOIN messages m ON m.id = s.message_id
WHERE s.user_profile_id = %(user)s AND s.approved
  AND (%(chat)s::bigint IS NULL OR s.chat_id = %(chat)s)
ORDER BY s.created_at DESC, s.id DESC LIMIT %(limit)s
"""


def insert_suggestions(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, message_id: int,
                       replies: list[str]) -> list[int]:
    with conn.transaction():
        return [int(conn.execute(
            "INSERT INTO suggestions (user_profile_id, chat_id, message_id, text)"
            " VALUES (%s, %s, %s, %s) RETURNING id", [user_id, chat_id, message_id, text],
        ).fetchone()[0]) for text in replies]  # type: ignore[index]


def decide(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
           approved: bool) -> str | None:
    """Mark a suggestion approved or rejected; its text, or None when there is no such one."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE suggestions SET approved = %s WHERE id = %s AND user_profile_id = %s"
            " RETURNING text", [approved, suggestion_id, user_id]).fetchone()
    return None if row is None else str(row[0])


def suggestion_text(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int) -> str | None:
    row = conn.execute("SELECT text FROM suggestions WHERE id = %s AND user_profile_id = %s",
                       [suggestion_id, user_id]).fetchone()
    return None if row is None else str(row[0])


def approved_texts(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int | None) -> list[str]:
    """Approved suggestions, newest first; chat_id None means all chats."""
    return [r[0] for r in conn.execute(
        "SELECT text FROM suggestions WHERE user_profile_id = %s AND approved"
        " AND (%s::bigint IS NULL OR chat_id = %s) ORDER BY created_at DESC, id DESC LIMIT 50",
        [user_id, chat_id, chat_id])]


def approved_pairs(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int | None,
                   limit: int) -> list[tuple[str, str, str]]:
    """(sender, their message, approved reply), newest first."""
    return conn.execute(_APPROVED_PAIRS_SQL, {"user": user_id, "chat": chat_id, "limit": limit}).fetchall()
