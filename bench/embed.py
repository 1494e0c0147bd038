"""Embedding throughput: llm_service over HTTP (batched) vs llama-cpp-python called directly.

Same sentences, same model, same run; prints sentences/s for both and the ratio, which is
the price of the HTTP hop and JSON. Usage: .venv/bin/python bench/embed.py [--n 512]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from nudge.config import load_settings
from nudge.llm import models
from nudge.llm.client import EMBED_BATCH, LLMClient
from nudge.llm.local import local_llm_service

WORDS = ["meet", "tomorrow", "dinner", "flat", "lease", "call", "back", "train", "late",
         "birthday", "party", "invoice", "passport", "flight", "kids", "school", "doctor",
         "weekend", "beach", "rain", "coffee", "office", "report"]


def sentences(n: int) -> list[str]:
    """Chat-sized messages (4-20 words), reproducible."""
    rng = random.Random(7)
    return [" ".join(rng.choices(WORDS, k=rng.randint(4, 20))).capitalize() + "?"
            for _ in range(n)]


def rate(embed, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    embed(texts[:8])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), EMBED_BATCH):
        embed(texts[start:start + EMBED_BATCH])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=512, help="number of sentences")
    args = parser.parse_args()
    texts = sentences(args.n)
    settings = load_settings()
    embed_path = models.embed_model_path(settings)

    with tempfile.TemporaryDirectory() as tmp:
        env = {"LLM_CHAT_MODEL": str(models.chat_model_path(settings)),
               "LLM_EMBED_MODEL": str(embed_path)}
        with local_llm_service(load_settings(env, data_dir=Path(tmp))) as url, \
                LLMClient(url) as client:
            http = rate(client.embed, texts)

    import llama_cpp

    from llm_service.engine import EMBED_CTX, THREADS

    llm = llama_cpp.Llama(str(embed_path), embedding=True, n_ctx=EMBED_CTX, n_batch=EMBED_CTX,
                          n_ubatch=EMBED_CTX, n_threads=THREADS, n_threads_batch=THREADS,
                          pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN, verbose=False)
    direct = rate(lambda batch: llm.embed(batch, normalize=True), texts)

    print(f"sentences: {len(texts)} (batches of {EMBED_BATCH}, model {embed_path.name})")
    print(f"llm_service over HTTP : {http:8.1f} sentences/s")
    print(f"llama-cpp-python direct: {direct:8.1f} sentences/s")
    print(f"ratio HTTP / direct    : {http / direct:8.2f}")


if __name__ == "__main__":
    main()
