"""Bulk writes of messages, and their enrichment (the backlog and what the steps write).

The hot path COPYs (binary) only the rows whose source key is not stored yet straight into
messages; for a chat created by this transaction there is nothing to look up. That is safe because
the caller holds the chat's row lock (upsert_chat, same transaction), so nobody else adds rows to
this chat meanwhile. Should a stored key still be met (a collector resending an id with another
time), the COPY fails with UniqueViolation and the caller redoes the batch with `merge=True`:
staging table + `INSERT … ON CONFLICT DO NOTHING`.

Every commit waits for the disk (synchronous_commit stays on, also for large imports): an
import answered with 200 or printed as done must survive a crash of the server right after.
Measured and not kept: a big gin_pending_list_limit + work_mem with one gin_clean_pending_list
at the end was no faster than the default 4 MB pending list. The import's
floor is to_tsvector for the full-text index: ~5.5 µs a row, on the server (bench/import.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from pgvector import Vector

from nudge.store.contacts import contact_ids

# A prepared row (a plain tuple, to keep the hot loop cheap):
# source_key, sender_name, from_me, sent_at, kind, text, attachment, edited, deleted
StageRow = tuple[bytes, str | None, bool, datetime, str, str, str | None, bool, bool]

# What deserves an embedding: something a person wrote (a caption counts) or said (a voice
# note's transcript), not system noise. EMBED_TEXT_SQL is what gets embedded (store.voice).
EMBEDDABLE_SQL = ("kind NOT IN ('system', 'deleted')"
                  " AND (btrim(text) <> '' OR btrim(coalesce(transcript, '')) <> '')")
EMBED_TEXT_SQL = "concat_ws(E'\\n', nullif(btrim(text), ''), transcript)"

_EXACT_LOOKUP_MAX = 5_000  # up to this many rows, look their keys up one by one

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
    many rows an iterator yields (unused since every commit is durable; kept for callers);
    `senders`: the names among them that
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


# The enrichment backlog (see 0400_enrichment_state.sql; the partial index has this predicate).
PENDING_SQL = f"enriched_at IS NULL AND {EMBEDDABLE_SQL}"

# Columns an enrichment step may write (nudge.features.enrichment); a new step adds its column
# here and in a migration.
ENRICHMENT_COLUMNS = frozenset({"embedding", "sentiment", "language"})


def pending_enrichment(conn: psycopg.Connection[Any], *, user_id: int, after_id: int,
                       limit: int) -> list[tuple[int, str, str, str | None]]:
    """Next (id, kind, text, attachment) rows of the backlog, by id."""
    return [
        (int(i), k, t, a)
        for i, k, t, a in conn.execute(
            f"SELECT id, kind, {EMBED_TEXT_SQL}, attachment FROM messages WHERE user_profile_id = %s"
            f" AND id > %s AND {PENDING_SQL} ORDER BY id LIMIT %s",
            (user_id, after_id, limit),
        )
    ]


def save_enrichment(conn: psycopg.Connection[Any], *, user_id: int,
                    rows: Sequence[tuple[int, dict[str, Any]]]) -> int:
    """Write each message's enrichment (column -> value; an embedding of None stays NULL) and mark
    it enriched, in one transaction; returns how many rows were still pending (a row another
    worker finished meanwhile is not written twice)."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for message_id, values in rows:
        unknown = set(values) - ENRICHMENT_COLUMNS
        if unknown:
            raise ValueError(f"not an enrichment column: {sorted(unknown)}")
        columns = tuple(sorted(values))
        params = [Vector(list(v)) if c == "embedding" and v is not None else v
                  for c, v in ((c, values[c]) for c in columns)]
        groups.setdefault(columns, []).append((*params, message_id, user_id))
    written = 0
    with conn.transaction(), conn.cursor() as cur:
        for columns, params in groups.items():
            sets = "".join(f"{c} = %s, " for c in columns)
            cur.executemany(
                f"UPDATE messages SET {sets}enriched_at = now()"
                " WHERE id = %s AND user_profile_id = %s AND enriched_at IS NULL",
                params, returning=False,
            )
            written += max(cur.rowcount, 0)
    return written


def enrichment_backlog(conn: psycopg.Connection[Any], *,
                       user_id: int) -> tuple[int, datetime | None]:
    """(pending messages, when the oldest of them was stored) for one user."""
    row = conn.execute(
        f"SELECT count(*), min(imported_at) FROM messages WHERE user_profile_id = %s"
        f" AND {PENDING_SQL}", (user_id,),
    ).fetchone()
    return (int(row[0]), row[1]) if row else (0, None)


def sender_names(conn: psycopg.Connection[Any], *, user_id: int) -> list[str]:
    """Every distinct sender name in the user's messages."""
    return [str(r[0]) for r in conn.execute(
        "SELECT DISTINCT sender_name FROM messages WHERE user_profile_id = %s"
        " AND sender_name IS NOT NULL", (user_id,))]


def remark_from_me(conn: psycopg.Connection[Any], *, user_id: int, mine: Sequence[str]) -> int:
    """Make from_me true exactly for the messages whose sender is one of `mine` (messages with
    no sender name keep theirs: a collector's own messages may carry none); a message of the
    user has no contact, anyone else's points at theirs (created if missing). Call inside a
    transaction; returns how many messages changed side."""
    mine = sorted(set(mine))
    changed = conn.execute(
        "UPDATE messages SET from_me = (sender_name = ANY(%(mine)s)),"
        " sender_contact_id = CASE WHEN sender_name = ANY(%(mine)s) THEN NULL"
        "                          ELSE sender_contact_id END"
        " WHERE user_profile_id = %(user)s AND sender_name IS NOT NULL"
        " AND from_me <> (sender_name = ANY(%(mine)s))",
        {"mine": mine, "user": user_id}).rowcount
    conn.execute(
        "INSERT INTO contacts (user_profile_id, name)"
        " SELECT DISTINCT %(user)s, sender_name FROM messages"
        " WHERE user_profile_id = %(user)s AND NOT from_me AND sender_name IS NOT NULL"
        "   AND sender_contact_id IS NULL"
        " ON CONFLICT (user_profile_id, name) DO NOTHING", {"user": user_id})
    conn.execute(
        "UPDATE messages m SET sender_contact_id = c.id FROM contacts c"
        " WHERE m.user_profile_id = %(user)s AND NOT m.from_me AND m.sender_contact_id IS NULL"
        "   AND m.sender_name IS NOT NULL AND c.user_profile_id = %(user)s"
        "   AND c.name = m.sender_name", {"user": user_id})
    conn.execute("DELETE FROM contacts WHERE user_profile_id = %s AND name = ANY(%s)"
                 " AND NOT is_critical", (user_id, mine))
    return max(changed, 0)
