"""embed_distinct: equal texts embedded once, texts with nothing to find not at all."""

from __future__ import annotations

import pytest

from nudge.errors import LLMUnavailable, NudgeError
from nudge.llm.distinct import VectorCache, embed_distinct


class CountingEmbed:
    """A stand-in embedder: a vector from the text's length, and a record of every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t)), 1.0] for t in texts]


def test_equal_texts_are_embedded_once_in_one_call() -> None:
    embed = CountingEmbed()
    vectors = embed_distinct(embed, ["ok", "OK", "see you", "ok ", "See  you"])
    assert embed.calls == [["ok", "see you"]]
    assert vectors == [[2.0, 1.0], [2.0, 1.0], [7.0, 1.0], [2.0, 1.0], [7.0, 1.0]]


def test_texts_with_nothing_to_find_get_none_and_never_reach_the_embedder() -> None:
    embed = CountingEmbed()
    vectors = embed_distinct(embed, ["👍", "", "hi", "😂😂"])
    assert vectors == [None, None, [2.0, 1.0], None]
    assert embed.calls == [["hi"]]


def test_only_nothing_to_find_means_no_call_at_all() -> None:
    embed = CountingEmbed()
    assert embed_distinct(embed, ["👍", "..."]) == [None, None]
    assert embed.calls == []


def test_the_cache_carries_short_texts_across_calls() -> None:
    embed = CountingEmbed()
    cache = VectorCache()
    embed_distinct(embed, ["ok", "a long message that will not repeat word for word, surely"],
                   cache=cache)
    embed_distinct(embed, ["Ok", "a long message that will not repeat word for word, surely"],
                   cache=cache)
    assert embed.calls[1] == ["a long message that will not repeat word for word, surely"]
    assert cache.hits == 1


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache = VectorCache(entries=2)
    for key in ("a", "b", "a", "c"):
        cache.put(key, [1.0])
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") == [1.0]


def test_embedder_failures_pass_through() -> None:
    def down(texts: list[str]) -> list[list[float]]:
        raise LLMUnavailable("away")

    with pytest.raises(LLMUnavailable):
        embed_distinct(down, ["hello"])


def test_a_short_answer_from_the_embedder_is_an_error() -> None:
    with pytest.raises(NudgeError, match="1 vectors for 2 texts"):
        embed_distinct(lambda texts: [[1.0]], ["one", "two"])
