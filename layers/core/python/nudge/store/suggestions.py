"""Reply suggestions: stored when made; approved ones teach later suggestions."""

from __future__ import annotations

from typing import Any

import psycopg

_APPROVED_PAIRS_SQL = """
SELECT coalesce(m.sender_name, '?'), coalesce(m.text, ''), s.text FROM suggestions s
LEFT JOIN messages m ON m.id = s.message_id AND m.user_profile_id = s.user_profile_id
WHERE s.user_profile_id = %(user)s AND s.approved
  AND (%(chat)s::bigint IS NULL OR s.chat_id = %(chat)s)
ORDER BY s.created_at DESC, s.id DESC LIMIT %(limit)s
"""


_APPROVED_NEAREST_SQL = """
SELECT coalesce(m.sender_name, '?'), m.text, s.text, m.embedding <=> %(vector)s::vector, NULL, s.chat_id
FROM suggestions s
JOIN messages m ON m.id = s.message_id AND m.user_profile_id = s.user_profile_id
WHERE s.user_profile_id = %(user)s AND s.approved AND m.embedding IS NOT NULL
ORDER BY m.embedding <=> %(vector)s::vector LIMIT %(limit)s
"""


def insert_suggestions(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, message_id: int,
                       replies: list[str], sources: list[str] | None = None) -> list[int]:
    """Store the replies (with where each came from: yours, llm, template); their ids."""
    kinds = sources or [None] * len(replies)
    with conn.transaction():
        return [int(conn.execute(
            "INSERT INTO suggestions (user_profile_id, chat_id, message_id, text, source)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id", [user_id, chat_id, message_id, text, kind],
        ).fetchone()[0]) for text, kind in zip(replies, kinds, strict=True)]  # type: ignore[index]


def decide(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
           approved: bool, edited_text: str | None = None) -> str | None:
    """Mark a suggestion approved or rejected; its (approved) text, or None when there is no such
    one. An edit replaces the text (the suggested one is kept in suggested_text)."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE suggestions SET approved = %(approved)s,"
            " suggested_text = CASE WHEN %(edit)s::text IS NULL OR %(edit)s = text THEN suggested_text"
            "                       ELSE coalesce(suggested_text, text) END,"
            " text = coalesce(%(edit)s, text)"
            " WHERE id = %(id)s AND user_profile_id = %(user)s RETURNING text",
            {"approved": approved, "edit": edited_text, "id": suggestion_id, "user": user_id}).fetchone()
    return None if row is None else str(row[0])


def approved_nearest(conn: psycopg.Connection[Any], *, user_id: int, vector: list[float],
                     limit: int) -> list[tuple[str, str, str, float, Any, int]]:
    """Approved suggestions as pairs, nearest first by the message they answered: (sender, their
    message, approved reply, cosine distance, None, chat id), as history.nearest_pairs gives."""
    return conn.execute(_APPROVED_NEAREST_SQL, {"user": user_id, "vector": vector,
                                                "limit": limit}).fetchall()


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


def suggestion_chat_and_text(conn: psycopg.Connection[Any], *, user_id: int,
                             suggestion_id: int) -> tuple[int, str] | None:
    """(chat id, current text) of a suggestion: what the outbox queues when it is approved."""
    row = conn.execute("SELECT chat_id, text FROM suggestions WHERE id = %s AND user_profile_id = %s",
                       [suggestion_id, user_id]).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
