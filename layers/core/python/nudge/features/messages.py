"""Browsing and searching the user's messages a page at a time (GET /messages).

Without a query the messages come newest first, paged by keyset ((sent_at, id) of the last row);
with `q` they come best first from the hybrid search (features.search), paged by offset up to
MAX_SEARCH_RESULTS. The cursor is opaque to clients: base64 of a small JSON object.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from nudge.errors import InputError
from nudge.features.search import _bounds, search
from nudge.rules.tone import LABEL_THRESHOLD
from nudge.store.browse import StoredMessage, list_messages, messages_by_ids
from nudge.store.chats import resolve_chat

MAX_PAGE = 200
MAX_SEARCH_RESULTS = 500  # a search pages through at most this many hits
SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        return {"messages": self.items, "next_cursor": self.next_cursor}


def message_json(m: StoredMessage, score: float | None = None) -> dict[str, Any]:
    return {"id": m.id, "chat": m.chat, "sender": m.sender, "from_me": m.from_me,
            "sent_at": m.sent_at.strftime("%Y-%m-%dT%H:%M:%S"), "kind": m.kind, "text": m.text,
            "sentiment": None if m.sentiment is None else round(float(m.sentiment), 4),
            "critical": m.critical, "score": score}


def encode_cursor(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> dict[str, Any]:
    """The cursor's fields; InputError when it is not one of ours or of another kind of listing."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InputError("cursor: not a cursor this API gave out") from None
    if not isinstance(value, dict) or value.get("k") != kind:
        raise InputError("cursor: not a cursor of this listing (was q added or removed?)")
    return value


def _keyset(cursor: str) -> tuple[datetime, int]:
    value = decode_cursor(cursor, "t")
    try:
        return datetime.fromisoformat(value["at"]), int(value["id"])
    except (KeyError, TypeError, ValueError):
        raise InputError("cursor: not a cursor this API gave out") from None


def _offset(cursor: str) -> int:
    value = decode_cursor(cursor, "q").get("o")
    if not isinstance(value, int) or not 0 <= value < MAX_SEARCH_RESULTS:
        raise InputError("cursor: not a cursor this API gave out")
    return value


def browse_messages(conn: psycopg.Connection[Any], *, user_id: int, chat: str | None = None,
                    sender: str | None = None, since: date | datetime | None = None,
                    until: date | datetime | None = None, sentiment: str | None = None,
                    q: str | None = None, query_embedding: Sequence[float] | None = None,
                    cursor: str | None = None, limit: int = 50) -> Page:
    """One page of the user's messages passing the filters (see the module docstring)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise InputError(f"sentiment is positive, neutral or negative, not {sentiment!r}")
    if q is not None and q.strip():
        return _search_page(conn, user_id=user_id, q=q, query_embedding=query_embedding, chat=chat,
                            sender=sender, since=since, until=until, sentiment=sentiment,
                            cursor=cursor, limit=limit)
    chat_id = resolve_chat(conn, user_id=user_id, name=chat)[0] if chat is not None else None
    lo, hi = _bounds(since, until)
    rows = list_messages(conn, user_id=user_id, chat_id=chat_id, sender=sender, since=lo, until=hi,
                         sentiment=sentiment, neutral_band=LABEL_THRESHOLD,
                         before=_keyset(cursor) if cursor else None, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    following = (encode_cursor({"k": "t", "at": last.sent_at.isoformat(), "id": last.id})
                 if more and last else None)
    return Page([message_json(m) for m in rows], following)


def _search_page(conn: psycopg.Connection[Any], *, user_id: int, q: str,
                 query_embedding: Sequence[float] | None, chat: str | None, sender: str | None,
                 since: date | datetime | None, until: date | datetime | None,
                 sentiment: str | None, cursor: str | None, limit: int) -> Page:
    offset = _offset(cursor) if cursor else 0
    end = min(offset + limit, MAX_SEARCH_RESULTS)
    hits = search(conn, user_id=user_id, query=q, query_embedding=query_embedding, chat=chat,
                  sender=sender, since=since, until=until, sentiment=sentiment,
                  limit=min(end + 1, MAX_SEARCH_RESULTS))
    page, more = hits[offset:end], len(hits) > end
    stored = messages_by_ids(conn, user_id=user_id, ids=[h.message_id for h in page])
    items = [message_json(stored[h.message_id], round(h.score, 6)) for h in page
             if h.message_id in stored]
    return Page(items, encode_cursor({"k": "q", "o": end}) if more else None)
