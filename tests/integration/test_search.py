"""Hybrid search on the embedded Postgres, with a tiny deterministic bag-of-words embedder."""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import NotFound
from nudge.features.importing import import_export
from nudge.features.search import search

DIM = 384


def bag_of_words(texts: list[str]) -> list[list[float]]:
    """Each word hashed to one dimension, L2-normalised: shared words mean nearby vectors."""
    out = []
    for text in texts:
        v = [0.0] * DIM
        for word in text.lower().split():
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        out.append([x / norm for x in v])
    return out


def msg(day: int, sender: str, text: str) -> Message:
    return Message(sent_at=datetime(2024, 6, day, 12, 0), sender=sender, text=text)


@pytest.fixture
def history(db: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    chats = {
        "Emre": [msg(1, "Emre", "the party is on saturday at my place"),
                 msg(2, "Me", "great, I will bring cake"),
                 msg(3, "Emre", "dinner tomorrow?")],
        "Family": [msg(1, "Mum", "call grandma on sunday"),
                   msg(2, "Dad", "the party was fun"),
                   msg(5, "Mum", "buy bread and milk")],
    }
    for name, messages in chats.items():
        parsed = ParsedExport(messages=messages, source=name, format="t", date_order="dmy",
                              chat_name=name)
        import_export(db, parsed, user_id=1, me="Me", embed=bag_of_words)
    return db


def test_full_text_finds_messages_by_their_words(history: psycopg.Connection[Any]) -> None:
    hits = search(history, user_id=1, query="party")
    assert {h.text for h in hits} == {"the party is on saturday at my place", "the party was fun"}
    assert hits[0].score >= hits[-1].score > 0


def test_a_question_still_finds_messages_sharing_some_words(
    history: psycopg.Connection[Any],
) -> None:
    hits = search(history, user_id=1, query="what did Emre say about the party?")
    assert hits and "party" in hits[0].text


def test_vector_search_finds_messages_without_shared_query_words(
    history: psycopg.Connection[Any],
) -> None:
    hits = search(history, user_id=1, query="zzz", query_embedding=bag_of_words(["bread milk"])[0])
    assert hits[0].text == "buy bread and milk"


def test_hybrid_ranks_a_message_found_both_ways_first(history: psycopg.Connection[Any]) -> None:
    hits = search(history, user_id=1, query="saturday party",
                  query_embedding=bag_of_words(["party at my place"])[0])
    assert len(hits) > 1
    assert hits[0].score > hits[1].score
    assert hits[0].text == "the party is on saturday at my place"
    assert hits[0].to_json() == {"chat": "Emre", "sender": "Emre",
                                 "sent_at": "2024-06-01T12:00:00",
                                 "text": "the party is on saturday at my place",
                                 "score": round(hits[0].score, 6)}


def test_the_chat_filter_is_case_insensitive_and_unknown_chats_are_not_found(
    history: psycopg.Connection[Any],
) -> None:
    hits = search(history, user_id=1, query="party", chat="family")
    assert [h.chat for h in hits] == ["Family"]
    with pytest.raises(NotFound):
        search(history, user_id=1, query="party", chat="nobody")


def test_the_sender_filter_matches_a_case_insensitive_part_of_the_name(
    history: psycopg.Connection[Any],
) -> None:
    hits = search(history, user_id=1, query="zzz", query_embedding=bag_of_words(["party"])[0], sender="dA")
    assert [h.sender for h in hits] == ["Dad"]


def test_since_and_until_are_inclusive_days(history: psycopg.Connection[Any]) -> None:
    emb = bag_of_words(["party cake dinner bread grandma"])[0]
    hits = search(history, user_id=1, query="", query_embedding=emb, since=date(2024, 6, 2),
                  until=date(2024, 6, 3))
    assert {h.sent_at.day for h in hits} == {2, 3}
    assert len(hits) == 3


def test_limit_caps_the_number_of_hits(history: psycopg.Connection[Any]) -> None:
    emb = bag_of_words(["party cake dinner bread grandma"])[0]
    assert len(search(history, user_id=1, query="the", query_embedding=emb, limit=2)) == 2


def test_the_sentiment_filter_keeps_only_messages_of_that_tone(history: psycopg.Connection[Any]) -> None:
    """Sentiment is stored by the enrichment pass beside the embedding (rules.tone)."""
    emb = bag_of_words(["party"])[0]
    positive = search(history, user_id=1, query="party", query_embedding=emb, sentiment="positive")
    assert {h.text for h in positive} == {"the party is on saturday at my place",
                                          "great, I will bring cake", "the party was fun"}
    neutral = search(history, user_id=1, query="party", query_embedding=emb, sentiment="neutral")
    assert neutral and not {h.text for h in neutral} & {h.text for h in positive}
    assert search(history, user_id=1, query="party", query_embedding=emb, sentiment="negative") == []
