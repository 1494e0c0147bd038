"""What chats talked about over several days, from the topics each digest kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg

from nudge.store import topics as topic_store
from nudge.store.chats import resolve_chat


@dataclass(frozen=True, slots=True)
class ChatDayTopics:
    chat: str
    day: date
    labels: list[str]
    tone: str | None

    def to_json(self) -> dict[str, Any]:
        return {"chat": self.chat, "day": self.day.isoformat(), "topics": self.labels, "tone": self.tone}


def recent_topics(conn: psycopg.Connection[Any], *, user_id: int, chat: str | None, until: date,
                  days: int = 7) -> list[ChatDayTopics]:
    """Topics per chat-day of the `days` days before `until` (one chat, or all)."""
    chat_id = resolve_chat(conn, user_id=user_id, name=chat)[0] if chat else None
    rows = topic_store.chat_days(conn, user_id=user_id, since=until - timedelta(days=days),
                                 until=until, chat_id=chat_id)
    return [ChatDayTopics(name, day, [t["label"] for t in topics], tone)
            for name, day, topics, tone in rows]
