"""Search: what a person asks for, turned into one hybrid query over their messages (store.search)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import psycopg

from nudge.domain import SearchHit
from nudge.errors import InputError
from nudge.rules.tone import LABEL_THRESHOLD
from nudge.store.chats import resolve_chat
from nudge.store.search import hybrid_search


def _bounds(since: date | datetime | None,
            until: date | datetime | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive dates → [since 00:00, until+1 day 00:00); datetimes are taken as they are."""
    lo = hi = None
    if since is not None:
        lo = since if isinstance(since, datetime) else datetime.combine(since, time())
    if until is not None:
        hi = (until + timedelta(microseconds=1) if isinstance(until, datetime)
              else datetime.combine(until + timedelta(days=1), time()))
    if lo is not None and hi is not None and lo >= hi:
        raise InputError("--since must not be after --until")
    return lo, hi


def search(conn: psycopg.Connection[Any], *, user_id: int, query: str,
           query_embedding: Sequence[float] | None = None, chat: str | None = None,
           sender: str | None = None, since: date | datetime | None = None,
           until: date | datetime | None = None, limit: int = 10,
           sentiment: str | None = None) -> list[SearchHit]:
    """The user's messages matching `query` (words) and near `query_embedding` (meaning), best
    first. Filters: chat name (as every face resolves it), sender (case-insensitive substring),
    since/until (inclusive days), sentiment (positive | neutral | negative, rules.tone's bands)."""
    if limit < 1:
        raise InputError("limit must be at least 1")
    chat_id = resolve_chat(conn, user_id=user_id, name=chat)[0] if chat is not None else None
    lo, hi = _bounds(since, until)
    if sentiment not in (None, "positive", "neutral", "negative"):
        raise InputError(f"sentiment is positive, neutral or negative, not {sentiment!r}")
    return hybrid_search(conn, user_id=user_id, query=query, query_embedding=query_embedding,
                         chat_id=chat_id, sender=sender, since=lo, until=hi, limit=limit,
                         sentiment=sentiment, neutral_band=LABEL_THRESHOLD)
