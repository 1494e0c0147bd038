"""Which texts get an embedding, and which texts share one (nudge.rules.searchable)."""

from __future__ import annotations

import pytest

from nudge.rules.searchable import has_content, normalise, worth_embedding


@pytest.mark.parametrize("text", ["👍", "😂😂😂", "❤️", "🇹🇷", "👍🏽", "?", "!!", "...", "  ",
                                  "", "🙏 🙏", "→", "€", "«»", "👨‍👩‍👧"])
def test_texts_with_nothing_to_find_are_not_worth_an_embedding(text: str) -> None:
    assert not has_content(text)
    assert not worth_embedding("text", text)


@pytest.mark.parametrize("text", ["ok", "k", "haha 😂", "1", "7:40?", "Ömer!", "çok iyi",
                                  "日本", "привет", "مرحبا", "ça va", "1️⃣", "100€"])
def test_texts_with_a_letter_or_digit_are_worth_an_embedding(text: str) -> None:
    assert has_content(text)
    assert worth_embedding("text", text)


@pytest.mark.parametrize("kind", ["system", "deleted"])
def test_system_lines_and_deleted_messages_are_never_embedded(kind: str) -> None:
    assert not worth_embedding(kind, "Anna added Ben")


def test_captions_and_polls_are_embedded_like_text() -> None:
    assert worth_embedding("media", "the view from the flat")
    assert not worth_embedding("media", "")


def test_case_and_whitespace_runs_share_one_key() -> None:
    assert normalise("OK") == normalise("ok") == normalise("  Ok ") == "ok"
    assert normalise("see\n  you   soon") == "see you soon"


def test_composed_and_decomposed_accents_share_one_key() -> None:
    assert normalise("cafe\u0301") == normalise("caf\u00e9")


def test_different_words_keep_different_keys() -> None:
    assert normalise("haha") != normalise("hahaha")
    assert normalise("Thanks!") != normalise("thanks")
