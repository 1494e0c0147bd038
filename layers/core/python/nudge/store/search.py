"""Hybrid search over the user's stored messages: full-text and vector ranks fused (reciprocal rank fusion).

Full text finds exact words and names; the vector side finds paraphrases. Each side yields its best
candidates under the same filters, and a message's score is sum(1 / (RRF_K + rank)) over the
sides that found it, so agreement between them wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from pgvector import Vector

from nudge.domain import SearchHit

RRF_K = 60  # the usual constant: dampens the difference between rank 1 and rank 2
EF_SEARCH_MIN = 800  # HNSW candidate list. bench/search.py, 1M (m=16, ef_construction=64):
# recall@10 0.81 at 100, 0.93 at 400, 0.952 at 800 and 1000 (the graph is the limit), p95 ~10 ms
FTS_CANDIDATES = 200  # full text ranks at most this many matches (ts_rank is per row, not indexed)
EXACT_MAX = 50_000  # a chat filter leaving fewer rows than this: exact distances beat the graph


def _filters(*, user_id: int, chat_id: int | None, sender: str | None, since: datetime | None,
             until: datetime | None, params: dict[str, Any]) -> str:
    """SQL conditions on `m` (messages) for the filters; fills `params`."""
    params["user"] = user_id
    where = ["m.user_profile_id = %(user)s"]
    if chat_id is not None:
        params["chat_id"] = chat_id
        where.append("m.chat_id = %(chat_id)s")
    if sender:
        escaped = sender.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["sender"] = f"%{escaped}%"
        where.append("m.sender_name ILIKE %(sender)s")
    if since is not None:
        params["since"] = since
        where.append("m.sent_at >= %(since)s")
    if until is not None:
        params["until"] = until
        where.append("m.sent_at < %(until)s")
    return " AND ".join(where)


def hybrid_search(conn: psycopg.Connection[Any], *, user_id: int, query: str,
                  query_embedding: Sequence[float] | None, chat_id: int | None, sender: str | None,
                  since: datetime | None, until: datetime | None, limit: int,
                  sentiment: str | None = None, neutral_band: float = 0.05) -> list[SearchHit]:
    """The user's messages matching `query` (words) and near `query_embedding` (meaning), best
    first. Without an embedding it is full text only. since/until: [since, until)."""
    params: dict[str, Any] = {"q": query.strip(), "k": max(limit * 4, 40), "limit": limit,
                              "rrf": RRF_K, "cand": max(FTS_CANDIDATES, limit * 4)}
    where = _filters(user_id=user_id, chat_id=chat_id, sender=sender, since=since, until=until,
                     params=params)
    if sentiment is not None:  # messages not enriched yet (sentiment NULL) match no sentiment
        params["band"] = neutral_band
        where += {"positive": " AND m.sentiment >= %(band)s",
                  "negative": " AND m.sentiment <= -%(band)s",
                  "neutral": " AND abs(m.sentiment) < %(band)s"}[sentiment]
    # With an embedding the vector side covers loose wording, so full text takes every word only.
    tq = _ALL_WORDS if query_embedding is not None else _ANY_IF_NONE.format(where=where)
    parts = [_FTS.format(where=where, tq=tq)]
    if query_embedding is not None:
        params["emb"] = Vector(list(query_embedding))
        exact = chat_id is not None and _fewer_than(conn, EXACT_MAX, where, params)
        # "+ 0" hides the distance from the HNSW index, so the planner computes it exactly
        parts.append(_VECTOR.format(where=where, order="+ 0" if exact else ""))
    sql = (f"WITH ranked AS ({' UNION ALL '.join(parts)}),"
           " fused AS (SELECT id, sum(1.0 / (%(rrf)s + r)) AS score FROM ranked GROUP BY id)"
           f" SELECT c.name, m.sender_name, m.sent_at, {_SHOWN}, f.score, m.id"
           " FROM fused f JOIN messages m ON m.id = f.id JOIN chats c ON c.id = m.chat_id"
           " ORDER BY f.score DESC, m.sent_at DESC LIMIT %(limit)s")
    with conn.transaction():
        if query_embedding is not None:
            conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH_MIN, int(params['k']))}")
            # filters (the user's rows at least) drop index candidates: scan on until k survive
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
                      OR EXISTS (SELECT 1 FROM messages m WHERE {where}
                                 AND m.transcript IS NOT NULL
                                 AND to_tsvector('simple', m.transcript) @@ w.tq)
                   THEN w.tq ELSE w.anyq END
    FROM (SELECT websearch_to_tsquery('simple', %(q)s) AS tq,
                 to_tsquery('simple', coalesce((
                     SELECT string_agg(quote_literal(lexeme), ' | ')
                     FROM unnest(tsvector_to_array(to_tsvector('simple', %(q)s))) lexeme
                 ), '')) AS anyq) w)"""
# Voice notes' transcripts are matched on their own partial index (messages_transcript_fts); a
# message found by both its caption and its transcript keeps its better rank.
_FTS = """
(SELECT id, row_number() OVER (ORDER BY rank DESC, sent_at DESC) AS r FROM (
  SELECT id, sent_at, rank FROM (
    SELECT DISTINCT ON (c.id) c.id, c.sent_at, ts_rank(to_tsvector('simple', c.text), q.tq) AS rank
    FROM (SELECT {tq} AS tq) q, LATERAL (
        (SELECT m.id, m.sent_at, m.text FROM messages m
         WHERE {where} AND to_tsvector('simple', m.text) @@ q.tq LIMIT %(cand)s)
        UNION ALL
        (SELECT m.id, m.sent_at, m.transcript FROM messages m
         WHERE {where} AND m.transcript IS NOT NULL
           AND to_tsvector('simple', m.transcript) @@ q.tq LIMIT %(cand)s)) c
    ORDER BY c.id, rank DESC) best
  ORDER BY rank DESC, sent_at DESC LIMIT %(k)s) fts)
"""
# What a hit shows: the text, and a voice note's transcript after a 🎤.
_SHOWN = ("CASE WHEN m.transcript IS NULL OR btrim(m.transcript) = '' THEN m.text"
          " ELSE concat_ws(E'\\n', nullif(btrim(m.text), ''), '🎤 ' || m.transcript) END")

# Vector: nearest by cosine distance through the HNSW index (re-sorted: iterative scans may
# return candidates slightly out of order).
_VECTOR = """
(SELECT id, row_number() OVER (ORDER BY d) AS r FROM (
    SELECT m.id, m.embedding <=> %(emb)s AS d FROM messages m
    WHERE {where} AND m.embedding IS NOT NULL
    ORDER BY (m.embedding <=> %(emb)s) {order} LIMIT %(k)s) vec)
"""
