"""Topics as clusters of message embeddings named by c-TF-IDF words (pure, hand-made vectors)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nudge.rules import topic_clusters
from nudge.rules.topic_clusters import Topic, average_linkage, day_topics, topic_words

PARKING = [
    "Rui found no parking near the garage again",
    "The garage parking costs twelve euros now",
    "Is there parking behind the garage?",
    "Rui says garage parking opens at seven",
    "Parking permit for the garage arrived",
    "Garage parking is full, try the street",
]
CAKE = [
    "Rui will bake the birthday cake",
    "Chocolate cake for the birthday?",
    "The birthday cake needs candles",
    "Rui ordered a birthday cake with berries",
    "Birthday cake at Lena's flat, bring plates",
]
CHITCHAT = ["ok", "haha", "👍", "lol", "hahaha 😂", "ok ok", "hehe", "hmm"]


def _cloud(rng: np.random.Generator, centre: np.ndarray, n: int, noise: float = 0.04) -> list[list[float]]:
    """n unit vectors scattered around a centre (in 384-d, noise 0.04 gives cosines ≈ 0.6)."""
    points = centre + noise * rng.standard_normal((n, centre.size))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).tolist()


def _centres(rng: np.random.Generator, k: int) -> list[np.ndarray]:
    """k random unit directions; in 384-d they are almost orthogonal."""
    raw = rng.standard_normal((k, 384))
    return list(raw / np.linalg.norm(raw, axis=1, keepdims=True))


def _day(seed: int = 7) -> tuple[list[int], list[str], list[list[float] | None]]:
    rng = np.random.default_rng(seed)
    parking, cake, chat = _centres(rng, 3)
    texts = PARKING + CAKE + CHITCHAT
    vectors = _cloud(rng, parking, len(PARKING)) + _cloud(rng, cake, len(CAKE))
    vectors += _cloud(rng, chat, len(CHITCHAT))
    order = rng.permutation(len(texts))  # a day interleaves its threads
    return ([100 + int(i) for i in order], [texts[i] for i in order], [vectors[i] for i in order])


def _labels(topics: list[Topic]) -> list[set[str]]:
    return [set(t.label.split(", ")) for t in topics]


def test_two_planted_themes_come_out_as_two_topics_named_by_their_planted_words() -> None:
    ids, texts, vectors = _day()
    topics = day_topics(ids, texts, vectors, exclude=["Rui Costa"])
    assert _labels(topics) == [{"garage", "parking"}, {"birthday", "cake"}]
    assert [t.size for t in topics] == [6, 5]
    assert sorted(topics[0].message_ids) == sorted(i for i, t in zip(ids, texts, strict=True) if t in PARKING)


def test_chit_chat_never_forms_a_topic_even_when_its_vectors_cluster() -> None:
    ids, texts, vectors = _day()
    topics = day_topics(ids, texts, vectors, exclude=["Rui"])
    chat_ids = {i for i, t in zip(ids, texts, strict=True) if t in CHITCHAT}
    assert all(not chat_ids & set(t.message_ids) for t in topics)
    assert topic_words("haha lol 👍 hahaha jajaja hmm ok Sounds good!") == set()


def test_participant_names_are_never_topic_words() -> None:
    ids, texts, vectors = _day()
    named = day_topics(ids, texts, vectors, exclude=["Rui Costa", "Lena"])
    assert all("rui" not in t.words and "lena" not in t.words for t in named)
    unnamed = day_topics(ids, texts, vectors)
    assert any("rui" in t.words for t in unnamed)  # the planted name would leak without exclude


def test_without_any_embedding_shared_words_still_make_the_topics() -> None:
    ids, texts, _ = _day()
    topics = day_topics(ids, texts, [None] * len(texts), exclude=["Rui"])
    assert _labels(topics) == [{"garage", "parking"}, {"birthday", "cake"}]


def test_a_message_missing_its_embedding_joins_the_topic_its_words_fit() -> None:
    ids, texts, vectors = _day()
    late = texts.index(CAKE[2])
    vectors[late] = None
    topics = day_topics(ids, texts, vectors, exclude=["Rui"])
    cake = next(t for t in topics if "cake" in t.words)
    assert ids[late] in cake.message_ids and cake.size == 5


def test_lone_messages_and_clusters_with_no_shared_word_are_dropped() -> None:
    rng = np.random.default_rng(3)
    ids, texts, vectors = _day()
    odd, pair = _centres(rng, 2)
    texts += ["Dentist appointment moved", "Train tickets booked", "Ferry timetable changed"]
    vectors += _cloud(rng, odd, 1) + _cloud(rng, pair, 2)  # a lone message; a pair sharing no word
    topics = day_topics([*ids, 1, 2, 3], texts, vectors, exclude=["Rui"])
    assert _labels(topics) == [{"garage", "parking"}, {"birthday", "cake"}]


def test_max_topics_keeps_the_largest_and_the_result_is_deterministic() -> None:
    ids, texts, vectors = _day()
    first = day_topics(ids, texts, vectors, max_topics=1, exclude=["Rui"])
    assert [t.to_json() for t in first] == [t.to_json() for t in day_topics(ids, texts, vectors, max_topics=1,
                                                                             exclude=["Rui"])]
    assert _labels(first) == [{"garage", "parking"}]
    assert set(first[0].to_json()) == {"label", "words", "message_ids", "size"}


def test_average_linkage_stops_merging_below_the_threshold() -> None:
    rng = np.random.default_rng(1)
    a, b, c = _centres(rng, 3)
    vectors = np.asarray(_cloud(rng, a, 4) + _cloud(rng, b, 3) + _cloud(rng, c, 1), dtype=np.float32)
    assert sorted(average_linkage(vectors, 0.3)) == [[0, 1, 2, 3], [4, 5, 6], [7]]
    assert sorted(average_linkage(vectors, 0.99)) == [[i] for i in range(8)]


def test_a_day_beyond_the_clustering_cap_is_sampled_and_the_rest_assigned(monkeypatch) -> None:
    monkeypatch.setattr(topic_clusters, "MAX_CLUSTERED", 9)
    ids, texts, vectors = _day()
    topics = day_topics(ids, texts, vectors, exclude=["Rui"])
    assert _labels(topics) == [{"garage", "parking"}, {"birthday", "cake"}]
    assert [t.size for t in topics] == [6, 5]


def test_inputs_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        day_topics([1, 2], ["a"], [None, None])


def test_a_two_thousand_message_day_completes_with_bounded_topics() -> None:
    rng = np.random.default_rng(11)
    themes = [f"theme{chr(97 + k)}" for k in range(20)]  # letters only: "themea", "themeb", ...
    centres = _centres(rng, len(themes))
    vocabulary = [f"word{chr(97 + a)}{chr(97 + b)}" for a in range(26) for b in range(26)]
    ids, texts, vectors = [], [], []
    for n in range(2000):
        k = int(rng.integers(len(themes)))
        noise = " ".join(rng.choice(vocabulary, size=5))
        ids.append(n)
        texts.append(f"{themes[k]} {noise}" if n % 10 else "haha 👍")
        vectors.append(_cloud(rng, centres[k], 1, noise=0.05)[0])
    started = time.perf_counter()
    topics = day_topics(ids, texts, vectors, max_topics=5)
    print(f"2,000 messages: {time.perf_counter() - started:.3f} s")
    assert len(topics) == 5
    assert all(t.label.split(", ")[0] in themes and t.size >= 2 for t in topics)
    assert [t.size for t in topics] == sorted((t.size for t in topics), reverse=True)
