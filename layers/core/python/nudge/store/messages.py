"""Bulk writes of messages, and the embedding column.

The hot path COPYs (binary) only the rows whose source key is not stored yet straight into
messages; for a chat created by this transaction there is nothing to look up. That is safe because
the caller holds the chat's row lock (upsert_chat, same transaction), so nobody else adds rows to
this chat meanwhile. Should a stored key still be met (a collector resending an id with another
time), the COPY fails with UniqueViolation and the caller redoes the batch with `merge=True`:
staging table + `INSERT … ON CONFLICT DO NOTHING`.

Large batches commit without waiting for the disk (a crash loses at most that import, which is
idempotent to redo). Measured and not kept: a big gin_pending_list_limit + work_mem with one
gin_clean_pending_list at the end was no faster than the default 4 MB pending list. The import's
floor is to_tsvector for the full-text index: ~5.5 µs a row, on the server (bench/import.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized
from datetime import datetime
from typing import Any

import psycopg
from pgvector import Vector

from nudge.rules.searchable import NOTHING_CLASS
from nudge.store.contacts import contact_ids

# A prepared row (a plain tuple, to keep the hot loop cheap):
# source_key, sender_name, from_me, sent_at, kind, text, attachment, edited, deleted
StageRow = tuple[bytes, str | None, bool, datetime, str, str, str | None, bool, bool]

# What deserves an embedding: something a person wrote (a caption counts), not system noise.
EMBEDDABLE_SQL = "kind NOT IN ('system', 'deleted') AND btrim(text) <> ''"
# The text has something to find by meaning: nudge.rules.searchable.has_content, in SQL.
CONTENT_SQL = f"text ~ '[^{NOTHING_CLASS}]'"

_EXACT_LOOKUP_MAX = 5_000  # up to this many rows, look their keys up one by one
_BULK_MIN = 20_000  # from this many new rows on, don't wait for the commit to reach the disk

_COLUMNS = ("user_profile_id, chat_id, sender_contact_id, sender_name, from_me, sent_at, kind,"
            " text, attachment, edited, deleted, source_key")
_TYPES = ("int8", "int8", "int8", "text", "bool", "timestamp", "text", "text", "text", "bool",
          "bool", "bytea")

_CREATE_STAGE = f"""
CREATE TEMP TABLE IF NOT EXISTS nudge_stage
    AS SELECT {_COLUMNS} FROM messages WITH NO DATA
"""

_MERGE_STAGE = f"""
WITH ins AS (
    INSERT INTO messages ({_COLUMNS}) SELECT {_COLUMNS} FROM nudge_stage
    ON CONFLICT (user_profile_id, source_key) DO NOTHING
    RETURNING source_key
)
SELECT source_key FROM ins
"""


def insert_messages(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                    rows: Iterable[StageRow], merge: bool = False, new_chat: bool = False,
                    expected: int | None = None,
                    senders: Iterable[str] | None = None) -> list[bytes]:
    """Insert the rows not stored yet; return their source keys. Call inside the transaction
    that called upsert_chat (see the module docstring for `merge`).

    `new_chat`: that call created the chat, so nothing can be stored yet and `rows` (an iterator
    is fine) stream straight into the COPY, unchecked: a repeated key raises UniqueViolation
    (retry with merge). Otherwise a key repeated in `rows` is stored once. `expected`: about how
    many rows an iterator yields (for the bulk settings); `senders`: the names among them that
    are contacts (needed up front when `rows` is an iterator)."""
    if merge or not new_chat:
        rows = list(rows)
        if not rows:
            return []
        known = set() if merge else _known_keys(conn, user_id=user_id, chat_id=chat_id,
                                                rows=rows)
        if known or len({row[0] for row in rows}) < len(rows):
            fresh = []
            for row in rows:
                if row[0] not in known:
                    known.add(row[0])
                    fresh.append(row)
            rows = fresh
        if not rows:
            return []
    if senders is None:
        rows = rows if isinstance(rows, list) else list(rows)
        senders = {row[1] for row in rows if row[1] is not None and not row[2]}
    if isinstance(rows, Sized):
        expected = len(rows)
    if (expected or 0) >= _BULK_MIN:
        conn.execute("SET LOCAL synchronous_commit = off")
    contact = contact_ids(conn, user_id=user_id, names=senders)
    table = "messages"
    if merge:
        conn.execute(_CREATE_STAGE)
        conn.execute("TRUNCATE nudge_stage")
        table = "nudge_stage"
    with conn.cursor() as cur, cur.copy(
        f"COPY {table} ({_COLUMNS}) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(list(_TYPES))
        write = copy.write_row
        get = contact.get
        written: list[bytes] = []
        keep = written.append
        for key, sender, from_me, sent_at, kind, text, attachment, edited, deleted in rows:
            keep(key)
            write((user_id, chat_id, None if from_me else get(sender), sender, from_me, sent_at,
                   kind, text, attachment, edited, deleted, key))
    if not merge:
        return written
    inserted = [bytes(key) for (key,) in conn.execute(_MERGE_STAGE)]
    conn.execute("TRUNCATE nudge_stage")
    return inserted


def _known_keys(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                rows: Sequence[StageRow]) -> set[bytes]:
    """Keys among `rows` already stored: looked up exactly for small batches, else every key of
    the chat in the batch's time span (one index range scan instead of a million probes)."""
    if len(rows) <= _EXACT_LOOKUP_MAX:
        cur = conn.execute(
            "SELECT source_key FROM messages WHERE user_profile_id = %s AND source_key = ANY(%s)",
            (user_id, [row[0] for row in rows]),
        )
    else:
        times = [row[3] for row in rows]
        cur = conn.execute(
            "SELECT source_key FROM messages WHERE user_profile_id = %s AND chat_id = %s"
            " AND sent_at BETWEEN %s AND %s",
            (user_id, chat_id, min(times), max(times)),
        )
    return {bytes(key) for (key,) in cur}


def embeddable_rows(conn: psycopg.Connection[Any], *, user_id: int,
                    keys: Sequence[bytes]) -> list[tuple[int, str]]:
    """(id, text) of the given messages that deserve an embedding, by id."""
    return [
        (int(i), t)
        for i, t in conn.execute(
            f"SELECT id, text FROM messages WHERE user_profile_id = %s"
            f" AND source_key = ANY(%s) AND {EMBEDDABLE_SQL} ORDER BY id",
            (user_id, list(keys)),
        )
    ]


def store_enrichment(conn: psycopg.Connection[Any], *, user_id: int, ids: Sequence[int],
                     vectors: Sequence[Sequence[float] | None] | None,
                     sentiments: Sequence[float]) -> None:
    """Write each message's sentiment, and its embedding unless `vectors` is None (LLM away).
    A None inside `vectors` is a text with nothing to find: sentiment only, and done."""
    with conn.transaction(), conn.cursor() as cur:
        if vectors is None:
            cur.executemany("UPDATE messages SET sentiment = %s WHERE id = %s AND user_profile_id = %s",
                            [(s, i, user_id) for i, s in zip(ids, sentiments, strict=True)])
            return
        cur.executemany(
            "UPDATE messages SET embedding = %s, sentiment = %s WHERE id = %s AND user_profile_id = %s",
            [(None if v is None else Vector(list(v)), s, i, user_id)
             for i, v, s in zip(ids, vectors, sentiments, strict=True)],
        )


def pending_embeddings(conn: psycopg.Connection[Any], *, user_id: int, after_id: int,
                       limit: int) -> list[tuple[int, str]]:
    """Next (id, text) rows, by id, not enriched yet: no sentiment, or no embedding though their
    text has something to find (a text with nothing to find keeps a NULL embedding for good)."""
    return [
        (int(i), t)
        for i, t in conn.execute(
            f"SELECT id, text FROM messages WHERE user_profile_id = %s AND id > %s"
            f" AND embedding IS NULL AND {EMBEDDABLE_SQL} AND (sentiment IS NULL OR {CONTENT_SQL})"
            f" ORDER BY id LIMIT %s",
            (user_id, after_id, limit),
        )
    ]
