"""Browsing the user's messages newest first, a page at a time (GET /messages).

Keyset pagination on (sent_at, id): a page starts strictly after the last row of the previous
one, so pages never overlap or skip rows when new messages arrive meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from nudge.store.search import _filters

_SELECT = ("SELECT m.id, c.name, m.sender_name, m.from_me, m.sent_at, m.kind, m.text, m.sentiment,"
           " m.is_critical FROM messages m JOIN chats c ON c.id = m.chat_id")


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    chat: str
    sender: str | None
    from_me: bool
    sent_at: datetime
    kind: str
    text: str
    sentiment: float | None
    critical: bool


def sentiment_condition(sentiment: str | None, band: float, params: dict[str, Any]) -> str:
    """SQL condition on m.sentiment for a label (messages not enriched yet match none)."""
    if sentiment is None:
        return ""
    params["band"] = band
    return {"positive": " AND m.sentiment >= %(band)s",
            "negative": " AND m.sentiment <= -%(band)s",
            "neutral": " AND abs(m.sentiment) < %(band)s"}[sentiment]


def list_messages(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int | None,
                  sender: str | None, since: datetime | None, until: datetime | None,
                  sentiment: str | None, neutral_band: float, before: tuple[datetime, int] | None,
                  limit: int) -> list[StoredMessage]:
    """The user's messages passing the filters, newest first, strictly before `before`
    ((sent_at, id) of the previous page's last row). since/until: [since, until)."""
    params: dict[str, Any] = {"limit": limit}
    where = _filters(user_id=user_id, chat_id=chat_id, sender=sender, since=since, until=until,
                     params=params)
    where += sentiment_condition(sentiment, neutral_band, params)
    if before is not None:
        params["at"], params["id"] = before
        where += " AND (m.sent_at, m.id) < (%(at)s, %(id)s)"
    rows = conn.execute(f"{_SELECT} WHERE {where} ORDER BY m.sent_at DESC, m.id DESC"
                        f" LIMIT %(limit)s", params).fetchall()
    return [StoredMessage(*row) for row in rows]


def messages_by_ids(conn: psycopg.Connection[Any], *, user_id: int,
                    ids: Sequence[int]) -> dict[int, StoredMessage]:
    """The user's messages with these ids, by id (others' ids are left out)."""
    rows = conn.execute(f"{_SELECT} WHERE m.user_profile_id = %s AND m.id = ANY(%s)",
                        [user_id, list(ids)]).fetchall()
    return {int(row[0]): StoredMessage(*row) for row in rows}
