"""The fast embedding path gives the reference's vectors: Q8_0 weights, texts packed many to a
llama.cpp batch, and normalised texts standing in for their variants (cosine >= 0.999)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from llm_service.engine import embed_packed, load_embedder
from nudge.llm import models
from nudge.rules.searchable import normalise
from tests.fixtures_llm import TEST_MODELS_DIR

pytestmark = pytest.mark.slow

MIN_COSINE = 0.999  # the promise: Q8_0 + packing stay this close to f16 one batch of 512
WORDS = ("meet", "tomorrow", "Ömer", "çok", "güzel", "mañana", "l'appartement", "Straße", "7:40",
         "invoice", "passport", "haha", "ok", "🎉", "👍", "birthday", "where", "are", "you?",
         "Lisbon", "flight", "cancelled", "dentist", "¿vienes?", "merci", "danke", "lease")


def random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 30))) for _ in range(n)]


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    """llama-cpp-python's own Llama.embed on the f16 GGUF with the old settings (n_batch 512)."""
    import llama_cpp

    path = models.prepare_default_embed_model(TEST_MODELS_DIR, matrices="f16")
    llm = llama_cpp.Llama(str(path), embedding=True, n_ctx=512, n_batch=512, n_ubatch=512,
                          n_threads=2, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                          verbose=False)
    return lambda texts: np.array(llm.embed(texts, normalize=True))


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    """The default engine: the default (Q8_0) GGUF, default batch size."""
    llm = load_embedder(models.prepare_default_embed_model(TEST_MODELS_DIR))
    return lambda texts: np.array(embed_packed(llm, texts)[0])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_matches_the_f16_reference_for_any_texts(reference, engine, seed: int) -> None:  # type: ignore[no-untyped-def]
    texts = random_texts(seed, 40)
    cosines = (reference(texts) * engine(texts)).sum(1)
    assert cosines.min() >= MIN_COSINE, (cosines.min(), texts[int(cosines.argmin())])


def test_a_vector_does_not_depend_on_the_texts_it_shares_a_batch_with(engine) -> None:  # type: ignore[no-untyped-def]
    texts = random_texts(4, 30)
    together = engine(texts)
    alone = np.array([engine([t])[0] for t in texts[:5]])
    assert (together[:5] * alone).sum(1).min() >= 0.99999


def test_a_normalised_text_has_the_vector_of_the_original(reference) -> None:  # type: ignore[no-untyped-def]
    texts = ["OK", "See  you\nat FIVE", "Ömer Geliyor Mu?", "cafe\u0301 au lait", "  Haha  "]
    cosines = (reference(texts) * reference([normalise(t) for t in texts])).sum(1)
    assert cosines.min() >= 0.9999, cosines
