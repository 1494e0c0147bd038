"""Hybrid search over stored messages: full-text and vector ranks fused (reciprocal rank fusion).

Full text finds exact words and names; the vector side finds paraphrases. Each side yields its best
candidates under the same filters, and a message's score is sum(1 / (RRF_K + rank)) over the
sides that found it, so agreement between them wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import psycopg
from pgvector import Vector

from nudge.errors import InputError, NotFound

RRF_K = 60  # the usual constant: dampens the difference between rank 1 and rank 2
EF_SEARCH_MIN = 800  # HNSW candidate list. bench/search.py, 1M (m=16, ef_construction=64):
# recall@10 0.81 at 100, 0.93 at 400, 0.952 at 800 and 1000 (the graph is the limit), p95 ~10 ms
FTS_CANDIDATES = 200  # full text ranks at most this many matches (ts_rank is per row, not indexed)
EXACT_MAX = 50_000  # a chat filter leaving fewer rows than this: exact distances beat the graph


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message found by `search`, best first."""

    chat: str
    sender: str | None
    sent_at: datetime
    text: str
    score: float
    message_id: int

    def to_json(self) -> dict:
        """The `nudge search --json` record (CONTRACTS.md)."""
        return {
            "chat": self.chat,
            "sender": self.sender,
            "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "text": self.text,
            "score": round(self.score, 6),
        }


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


def _filters(conn: psycopg.Connection[Any], *, chat: str | None, sender: str | None,
             since: date | datetime | None, until: date | datetime | None,
             params: dict[str, Any]) -> str:
    """SQL conditions on `m` (messages) for the filters; fills `params`."""
    where = ["TRUE"]
    if chat is not None:
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM chats WHERE lower(name) = lower(%s)", (chat.strip(),))]
        if not ids:
            raise NotFound(f"no chat named {chat!r}")
        params["chat_ids"] = ids
        where.append("m.chat_id = ANY(%(chat_ids)s)")
    if sender:
        escaped = sender.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["sender"] = f"%{escaped}%"
        where.append("m.sender_name ILIKE %(sender)s")
    lo, hi = _bounds(since, until)
    if lo is not None:
        params["since"] = lo
        where.append("m.sent_at >= %(since)s")
    if hi is not None:
        params["until"] = hi
        where.append("m.sent_at < %(until)s")
    return " AND ".join(where)


def search(conn: psycopg.Connection[Any], *, query: str,
           query_embedding: Sequence[float] | None = None, chat: str | None = None,
           sender: str | None = None, since: date | datetime | None = None,
           until: date | datetime | None = None, limit: int = 10) -> list[SearchHit]:
    """Messages matching `query` (words) and near `query_embedding` (meaning), best first.

    Without an embedding it is full text only. Filters: chat name (case-insensitive), sender
    (case-insensitive substring), since/until (inclusive days).
    """
    if limit < 1:
        raise InputError("limit must be at least 1")
    params: dict[str, Any] = {"q": query.strip(), "k": max(limit * 4, 40), "limit": limit,
                              "rrf": RRF_K, "cand": max(FTS_CANDIDATES, limit * 4)}
    where = _filters(conn, chat=chat, sender=sender, since=since, until=until, params=params)
    # With an embedding the vector side covers loose wording, so full text takes every word only.
    tq = _ALL_WORDS if query_embedding is not None else _ANY_IF_NONE.format(where=where)
    parts = [_FTS.format(where=where, tq=tq)]
    if query_embedding is not None:
        params["emb"] = Vector(list(query_embedding))
        exact = chat is not None and _fewer_than(conn, EXACT_MAX, where, params)
        # "+ 0" hides the distance from the HNSW index, so the planner computes it exactly
        parts.append(_VECTOR.format(where=where, order="+ 0" if exact else ""))
    sql = (f"WITH ranked AS ({' UNION ALL '.join(parts)}),"
           " fused AS (SELECT id, sum(1.0 / (%(rrf)s + r)) AS score FROM ranked GROUP BY id)"
           " SELECT c.name, m.sender_name, m.sent_at, m.text, f.score, m.id"
           " FROM fused f JOIN messages m ON m.id = f.id JOIN chats c ON c.id = m.chat_id"
           " ORDER BY f.score DESC, m.sent_at DESC LIMIT %(limit)s")
    with conn.transaction():
        if query_embedding is not None:
            conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH_MIN, int(params['k']))}")
            if where != "TRUE":  # filters drop index candidates: keep scanning until k survive
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = conn.execute(sql, params).fetchall()
    return [SearchHit(chat=c, sender=s, sent_at=t, text=x, score=float(sc), message_id=int(i))
            for c, s, t, x, sc, i in rows]


def _fewer_than(conn: psycopg.Connection[Any], n: int, where: str,
                params: dict[str, Any]) -> bool:
    """Do fewer than n embedded messages pass the filters? (Counts at most n; chat index.)"""
    row = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM messages m WHERE {where}"
        f" AND m.embedding IS NOT NULL LIMIT {int(n)}) s", params).fetchone()
    return row is not None and int(row[0]) < n


# Full text, on the expression index messages_fts: every word (websearch syntax: "quotes", -not,
# or). Without an embedding, when that finds nothing, any word (questions rarely match word for
# word). Only a bounded set of matches is ranked: ts_rank needs each row's tsvector, so ranking
# every match of a common word would cost as much as the rest of the search together.
_ALL_WORDS = "websearch_to_tsquery('simple', %(q)s)"
_ANY_IF_NONE = """(SELECT CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE {where}
                                 AND to_tsvector('simple', m.text) @@ w.tq)
                   THEN w.tq ELSE w.anyq END
    FROM (SELECT websearch_to_tsquery('simple', %(q)s) AS tq,
                 to_tsquery('simple', coalesce((
                     SELECT string_agg(quote_literal(lexeme), ' | ')
                     FROM unnest(tsvector_to_array(to_tsvector('simple', %(q)s))) lexeme
                 ), '')) AS anyq) w)"""
_FTS = """
(SELECT id, row_number() OVER (ORDER BY rank DESC, sent_at DESC) AS r FROM (
    SELECT c.id, c.sent_at, ts_rank(to_tsvector('simple', c.text), q.tq) AS rank
    FROM (SELECT {tq} AS tq) q, LATERAL (
        SELECT m.id, m.sent_at, m.text FROM messages m
        WHERE {where} AND to_tsvector('simple', m.text) @@ q.tq LIMIT %(cand)s) c
    ORDER BY rank DESC, c.sent_at DESC LIMIT %(k)s) fts)
"""

# Vector: nearest by cosine distance through the HNSW index (re-sorted: iterative scans may
# return candidates slightly out of order).
_VECTOR = """
(SELECT id, row_number() OVER (ORDER BY d) AS r FROM (
    SELECT m.id, m.embedding <=> %(emb)s AS d FROM messages m
    WHERE {where} AND m.embedding IS NOT NULL
    ORDER BY (m.embedding <=> %(emb)s) {order} LIMIT %(k)s) vec)
"""
