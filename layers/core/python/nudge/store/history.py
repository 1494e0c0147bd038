"""Reads over the stored messages that the features need: a chat-day, what waits for a reply, the
user's own words. (Writes are in store.messages; search in store.search.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

# A transcribed voice note reads as text (what was said: caption + transcript), flagged `voice`.
_VOICE = "m.transcript_status = 'done' AND btrim(coalesce(m.transcript, '')) <> ''"
_SAID = "concat_ws(E'\\n', nullif(btrim(m.text), ''), m.transcript)"

_DAY_MESSAGES_SQL = f"""
SELECT c.name, c.type, m.sender_name, m.from_me, m.sent_at,
       CASE WHEN {_VOICE} THEN 'text' ELSE m.kind END, {_SAID}, m.is_critical,
       coalesce(ct.is_critical, false) AS sender_critical, m.id, c.id, m.sentiment, m.embedding,
       EXISTS (SELECT 1 FROM messages r
               WHERE r.chat_id = m.chat_id AND r.from_me
                 AND (r.sent_at > m.sent_at OR (r.sent_at = m.sent_at AND r.id > m.id))
                 AND r.sent_at < m.sent_at + %(reply_window)s
              ) AS answered,
       {_VOICE} AS voice
FROM messages m
JOIN chats c ON c.id = m.chat_id
LEFT JOIN contacts ct ON ct.id = m.sender_contact_id
WHERE m.user_profile_id = %(user)s AND m.sent_at >= %(start)s AND m.sent_at < %(end)s
  AND (%(chat_types)s::text[] IS NULL OR c.type = ANY(%(chat_types)s::text[]))
  AND NOT m.ignored AND NOT c.muted
ORDER BY c.name, m.sent_at, m.id
"""

_PAIRS_SQL = """
SELECT p.sender_name, p.text, m.text FROM messages m
JOIN LATERAL (SELECT q.sender_name, q.text, q.from_me FROM messages q
              WHERE q.chat_id = m.chat_id AND q.kind = 'text'
                AND (q.sent_at, q.id) < (m.sent_at, m.id)
              ORDER BY q.sent_at DESC, q.id DESC LIMIT 1) p ON NOT p.from_me
WHERE m.user_profile_id = %(user)s AND m.from_me AND m.kind = 'text'
  AND (%(chat)s::bigint IS NULL OR m.chat_id = %(chat)s)
  AND length(m.text) BETWEEN 2 AND 160
ORDER BY m.sent_at DESC, m.id DESC LIMIT %(limit)s
"""


def day_messages(conn: psycopg.Connection[Any], *, user_id: int, day: date, reply_window: timedelta,
                 chat_types: list[str] | None) -> list[tuple[Any, ...]]:
    """Every message of `day` (wall clock); see period_messages."""
    start = datetime.combine(day, datetime.min.time())
    return period_messages(conn, user_id=user_id, since=start, until=start + timedelta(days=1),
                           reply_window=reply_window, chat_types=chat_types)


def period_messages(conn: psycopg.Connection[Any], *, user_id: int, since: datetime, until: datetime,
                    reply_window: timedelta, chat_types: list[str] | None) -> list[tuple[Any, ...]]:
    """Every message in [since, until) (wall clock) by chat and time, without ignored messages
    and muted chats: (chat, chat type, sender, from_me, sent_at, kind, text, marked critical,
    sender critical, message id, chat id, sentiment, embedding, answered by the user within
    `reply_window`)."""
    return conn.execute(_DAY_MESSAGES_SQL, {
        "user": user_id, "start": since, "end": until,
        "chat_types": chat_types or None, "reply_window": reply_window,
    }).fetchall()


def busiest_day(conn: psycopg.Connection[Any], *, user_id: int) -> tuple[date, int] | None:
    """The day with most messages, and how many."""
    row = conn.execute(
        "SELECT sent_at::date, count(*) FROM messages WHERE user_profile_id = %s"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", [user_id]).fetchone()
    return None if row is None else (row[0], int(row[1]))


def waiting_for_reply(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                      limit: int) -> list[tuple[int, str | None, datetime, str]]:
    """(id, sender, sent_at, text) of the latest messages from others after the user's last
    message in the chat (ignored ones left out), oldest first."""
    rows = conn.execute(
        f"""SELECT m.id, m.sender_name, m.sent_at, {_SAID} FROM messages m
           WHERE m.user_profile_id = %(user)s AND m.chat_id = %(chat)s AND NOT m.from_me
             AND NOT m.ignored AND m.kind IN ('text', 'media') AND (btrim(m.text) <> '' OR {_VOICE})
             AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.chat_id = m.chat_id AND r.from_me
                             AND (r.sent_at > m.sent_at OR (r.sent_at = m.sent_at AND r.id > m.id)))
           ORDER BY m.sent_at DESC, m.id DESC LIMIT %(limit)s""",
        {"user": user_id, "chat": chat_id, "limit": limit}).fetchall()
    return list(reversed(rows))


def own_texts(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int | None,
              limit: int) -> list[str]:
    """The user's own texts, newest first; chat_id None means all chats."""
    return [r[0] for r in conn.execute(
        "SELECT text FROM messages WHERE user_profile_id = %s AND from_me AND kind = 'text'"
        " AND btrim(text) <> '' AND (%s::bigint IS NULL OR chat_id = %s)"
        " ORDER BY sent_at DESC, id DESC LIMIT %s", [user_id, chat_id, chat_id, limit])]


def chat_texts(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, limit: int) -> list[str]:
    """The chat's latest texts, whoever wrote them."""
    return [r[0] for r in conn.execute(
        "SELECT text FROM messages WHERE user_profile_id = %s AND chat_id = %s AND kind = 'text'"
        " ORDER BY sent_at DESC, id DESC LIMIT %s", [user_id, chat_id, limit])]


def reply_pairs(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int | None,
                limit: int) -> list[tuple[str | None, str, str]]:
    """(sender, their message, the user's reply right after it), newest first."""
    return conn.execute(_PAIRS_SQL, {"user": user_id, "chat": chat_id, "limit": limit}).fetchall()


_NEAREST_PAIRS_SQL = """
WITH near AS (
    SELECT q.id, q.chat_id, q.sender_name, q.text, q.sent_at,
           q.embedding <=> %(vector)s::vector AS distance
    FROM messages q
    WHERE q.user_profile_id = %(user)s AND NOT q.from_me AND q.kind = 'text'
      AND q.embedding IS NOT NULL
    ORDER BY q.embedding <=> %(vector)s::vector LIMIT %(scan)s
)
SELECT coalesce(n.sender_name, '?'), n.text, r.text, n.distance, r.embedding, n.chat_id
FROM near n
JOIN LATERAL (SELECT m.from_me, m.kind, m.text, m.embedding FROM messages m
              WHERE m.chat_id = n.chat_id AND (m.sent_at, m.id) > (n.sent_at, n.id)
              ORDER BY m.sent_at, m.id LIMIT 1) r ON r.from_me AND r.kind = 'text'
WHERE length(btrim(r.text)) BETWEEN 1 AND 300
ORDER BY n.distance LIMIT %(limit)s
"""
_SCAN = 400  # nearest messages from others looked at; about a third got the user's reply next


def nearest_pairs(conn: psycopg.Connection[Any], *, user_id: int, vector: Sequence[float],
                  limit: int) -> list[tuple[str, str, str, float, Any, int]]:
    """(sender, their message, the user's reply right after it, cosine distance of their message
    to `vector`, the reply's embedding or None, chat id) over all chats, nearest first."""
    with conn.transaction():
        # HNSW returns at most ef_search rows (default 40): too few once the replies are joined.
        conn.execute(f"SET LOCAL hnsw.ef_search = {_SCAN}")
        return conn.execute(_NEAREST_PAIRS_SQL, {"user": user_id, "vector": list(vector),
                                                 "scan": _SCAN, "limit": limit}).fetchall()


def message_vectors(conn: psycopg.Connection[Any], *, user_id: int,
                    message_ids: Sequence[int]) -> dict[int, Any]:
    """The stored embeddings of these messages (those that have one), by id."""
    return dict(conn.execute(
        "SELECT id, embedding FROM messages WHERE user_profile_id = %s AND id = ANY(%s)"
        " AND embedding IS NOT NULL", [user_id, list(message_ids)]).fetchall())


def recent_messages(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                    limit: int) -> list[tuple[str | None, bool, str]]:
    """(sender, from_me, text) of the chat's latest text messages, oldest first."""
    rows = conn.execute(
        "SELECT sender_name, from_me, text FROM messages WHERE user_profile_id = %s AND chat_id = %s"
        " AND kind = 'text' AND btrim(text) <> '' ORDER BY sent_at DESC, id DESC LIMIT %s",
        [user_id, chat_id, limit]).fetchall()
    return list(reversed(rows))


def message_by_id(conn: psycopg.Connection[Any], *, user_id: int,
                  message_id: int) -> tuple[str | None, bool, datetime, str] | None:
    """(sender, from_me, sent_at, text) of one of the user's messages."""
    return conn.execute(
        "SELECT sender_name, from_me, sent_at, text FROM messages WHERE id = %s AND user_profile_id = %s",
        [message_id, user_id]).fetchone()


def texts_between(conn: psycopg.Connection[Any], *, user_id: int, since: datetime,
                  until: datetime) -> list[tuple[int, str, str | None, bool, datetime, str]]:
    """(id, chat, sender, from_me, sent_at, text) of the user's text messages in [since, until)."""
    return conn.execute(
        """SELECT m.id, c.name, m.sender_name, m.from_me, m.sent_at, m.text FROM messages m
           JOIN chats c ON c.id = m.chat_id
           WHERE m.user_profile_id = %s AND m.kind = 'text' AND m.sent_at >= %s AND m.sent_at < %s
           ORDER BY m.sent_at, m.id""", [user_id, since, until]).fetchall()
