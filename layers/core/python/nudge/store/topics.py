"""Topics and tone per chat-day, kept when a digest is built."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def save_chat_day(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, day: date,
                  topics: list[dict[str, Any]], tone: str) -> None:
    conn.execute(
        """INSERT INTO chat_day_topics (user_profile_id, chat_id, day, topics, tone)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (user_profile_id, chat_id, day)
           DO UPDATE SET topics = excluded.topics, tone = excluded.tone, created_at = now()""",
        [user_id, chat_id, day, Jsonb(topics), tone])


def chat_days(conn: psycopg.Connection[Any], *, user_id: int, since: date, until: date,
              chat_id: int | None = None) -> list[tuple[str, date, list[dict[str, Any]], str | None]]:
    """(chat, day, topics, tone) of the digested chat-days in [since, until], by chat and day."""
    return conn.execute(
        """SELECT c.name, t.day, t.topics, t.tone FROM chat_day_topics t
           JOIN chats c ON c.id = t.chat_id
           WHERE t.user_profile_id = %s AND t.day BETWEEN %s AND %s
             AND (%s::bigint IS NULL OR t.chat_id = %s)
           ORDER BY c.name, t.day""", [user_id, since, until, chat_id, chat_id]).fetchall()


def previous_tone(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, day: date) -> str | None:
    """The tone stored for the chat's latest digested day before `day`."""
    row = conn.execute(
        "SELECT tone FROM chat_day_topics WHERE user_profile_id = %s AND chat_id = %s AND day < %s"
        " ORDER BY day DESC LIMIT 1", [user_id, chat_id, day]).fetchone()
    return None if row is None else row[0]
