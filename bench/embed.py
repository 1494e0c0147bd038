"""Embedding throughput and fidelity: the new settings vs llama-cpp-python at today's settings.

Same texts (realistic generated chat messages, bench/chatgen.py), same run, interleaved rounds
(the machine is shared: the best round of each is reported, plus the median):
- anchor: llama-cpp-python's `Llama.embed`, f16 GGUF, n_ctx = n_batch = n_ubatch = 512, 2
  threads, batches of 64 texts (the settings llm_service and the importer used until now);
- engine: llm_service.engine.embed_packed with the default GGUF and batch size, every text;
- ours: the same engine behind nudge.llm.distinct.embed_distinct (each distinct normalised text
  once, none for texts with nothing to find), batches of the importer's size, messages/s;
- with --http, ours again through llm_service over loopback HTTP (what imports use).
Fidelity: cosine of the engine's vectors to the anchor's (f16) for every text, and for held-out
queries the overlap of the top-10 messages found by each (search quality by meaning).
Usage: .venv/bin/python bench/embed.py [--n 3000] [--rounds 3] [--http]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chatgen import ChatGen
from llm_service.engine import EMBED_BATCH_TOKENS, embed_packed, load_embedder
from nudge.config import load_settings
from nudge.features.importing import EMBED_BATCH
from nudge.llm import models
from nudge.llm.distinct import VectorCache, embed_distinct
from nudge.rules.searchable import has_content

ANCHOR_CTX = 512
ANCHOR_BATCH = 64


def timed(run: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    """Messages per second embedding `texts` in slices of `batch`."""
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        run(texts[start:start + batch])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="number of messages")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--http", action="store_true", help="also time ours over llm_service")
    args = parser.parse_args()
    texts = ChatGen(seed=11).texts(args.n)
    queries = [t for t in ChatGen(seed=99).texts(args.queries * 3) if len(t) > 25][:args.queries]
    settings = load_settings()
    reference_path = models.prepare_default_embed_model(settings.models_dir, matrices="f16")
    ours_path = models.embed_model_path(settings)

    import llama_cpp

    anchor = llama_cpp.Llama(str(reference_path), embedding=True, n_ctx=ANCHOR_CTX,
                             n_batch=ANCHOR_CTX, n_ubatch=ANCHOR_CTX, n_threads=2,
                             n_threads_batch=2, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                             verbose=False)
    engine = load_embedder(ours_path)

    def run_anchor(batch: list[str]) -> object:
        return anchor.embed(batch, normalize=True)

    def run_engine(batch: list[str]) -> object:
        return embed_packed(engine, batch)[0]

    caches = [VectorCache()]

    def run_ours(batch: list[str]) -> object:
        return embed_distinct(run_engine, batch, cache=caches[-1])  # type: ignore[arg-type]

    runs: dict[str, tuple[Callable[[list[str]], object], int]] = {
        "anchor": (run_anchor, ANCHOR_BATCH), "engine": (run_engine, EMBED_BATCH),
        "ours": (run_ours, EMBED_BATCH)}
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for run, _ in runs.values():  # warm-up
        run(texts[:16])
    for _ in range(args.rounds):
        for name, (run, batch) in runs.items():
            caches.append(VectorCache())  # every round of ours starts with an empty cache
            rates[name].append(timed(run, texts, batch))
        print("  round:", ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rates.items()), flush=True)

    http_rate = None
    if args.http:
        http_rate = _http_rate(settings, texts)

    content = [t for t in texts if has_content(t)]
    ref = np.array(anchor.embed(content, normalize=True), dtype=np.float64)
    new = np.array(embed_packed(engine, content)[0], dtype=np.float64)
    cosines = (ref * new).sum(1)
    q_ref = np.array(anchor.embed(queries, normalize=True), dtype=np.float64)
    q_new = np.array(embed_packed(engine, queries)[0], dtype=np.float64)
    top_ref = np.argsort(-(q_ref @ ref.T), axis=1)[:, :10]
    top_new = np.argsort(-(q_new @ new.T), axis=1)[:, :10]
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top_ref, top_new, strict=True)])
    distinct = len(set(content))

    print(f"\nmessages: {len(texts)} generated chat messages ({len(content)} with something to "
          f"find, {distinct} distinct texts); rounds {args.rounds}, interleaved")
    print(f"anchor: {reference_path.name}, n_batch {ANCHOR_CTX}, batches of {ANCHOR_BATCH}; "
          f"ours: {ours_path.name}, n_batch {EMBED_BATCH_TOKENS}, batches of {EMBED_BATCH}")
    print(f"{'':34s}{'best':>10s}{'median':>10s}")
    labels = {"anchor": "anchor (llama-cpp, today)", "engine": "engine (every text)",
              "ours": "ours (distinct, skip empty)"}
    for name, label in labels.items():
        print(f"{label:34s}{max(rates[name]):10.0f}{statistics.median(rates[name]):10.0f}  msg/s")
    if http_rate is not None:
        print(f"{'ours over llm_service HTTP':34s}{http_rate:10.0f}{'':10s}  msg/s")
    print(f"speed-up ours / anchor (best)     {max(rates['ours']) / max(rates['anchor']):.2f}x; "
          f"engine / anchor {max(rates['engine']) / max(rates['anchor']):.2f}x")
    print(f"cosine to the f16 anchor: min {cosines.min():.5f}, 1st percentile "
          f"{np.percentile(cosines, 1):.5f}, mean {cosines.mean():.6f}")
    print(f"held-out search: top-10 overlap with the anchor's results over {len(queries)} "
          f"queries: {overlap:.3f}")


def _http_rate(settings: object, texts: list[str]) -> float:
    from nudge.llm.client import LLMClient
    from nudge.llm.local import local_llm_service

    with tempfile.TemporaryDirectory() as tmp:
        env = {"LLM_CHAT_MODEL": str(models.chat_model_path(settings)),  # type: ignore[arg-type]
               "LLM_EMBED_MODEL": str(models.embed_model_path(settings))}  # type: ignore[arg-type]
        with local_llm_service(load_settings(env, data_dir=Path(tmp))) as url, \
                LLMClient(url) as client:
            cache = VectorCache()
            client.embed(texts[:16])
            return timed(lambda batch: embed_distinct(client.embed, batch, cache=cache),
                         texts, EMBED_BATCH)


if __name__ == "__main__":
    main()
