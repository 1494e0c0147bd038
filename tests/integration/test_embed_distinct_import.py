"""Imports embed each distinct text once, skip texts with nothing to find, and never retry them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from nudge.domain import Message, ParsedExport
from nudge.errors import LLMUnavailable
from nudge.features.enrichment import enrich_available
from nudge.features.importing import import_export
from nudge.llm import EMBEDDING_DIM

T0 = datetime(2024, 3, 1, 9, 0)
TEXTS = ["ok", "OK", "👍", "see you at 5", "😂😂", "ok", "...", "See you at 5", "where?"]


def export(texts: list[str]) -> ParsedExport:
    messages = [Message(sent_at=T0 + timedelta(minutes=i), sender=("Emre", "Me")[i % 2], text=t)
                for i, t in enumerate(texts)]
    return ParsedExport(messages=messages, source="test.txt", format="android dmy 24h",
                        date_order="dmy", chat_name="Emre")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[1.0] + [0.0] * (EMBEDDING_DIM - 1) for _ in texts]


def one(db: psycopg.Connection[Any], sql: str) -> Any:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_an_import_embeds_each_distinct_text_once(db: psycopg.Connection[Any]) -> None:
    embed = Recorder()
    import_export(db, export(TEXTS), user_id=1, embed=embed)
    assert embed.calls == [["ok", "see you at 5", "where?"]]
    assert one(db, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL") == 6


def test_texts_with_nothing_to_find_get_a_sentiment_and_are_never_retried(
    db: psycopg.Connection[Any],
) -> None:
    embed = Recorder()
    import_export(db, export(TEXTS), user_id=1, embed=embed)
    assert one(db, "SELECT count(*) FROM messages WHERE embedding IS NULL") == 3
    assert one(db, "SELECT count(*) FROM messages WHERE sentiment IS NULL") == 0
    assert enrich_available(db, embed, user_id=1) == 0
    assert len(embed.calls) == 1


def test_after_an_llm_outage_only_texts_with_something_to_find_are_pending(
    db: psycopg.Connection[Any],
) -> None:
    def down(texts: list[str]) -> list[list[float]]:
        raise LLMUnavailable("llm_service is not running")

    import_export(db, export(TEXTS), user_id=1, embed=down)
    embed = Recorder()
    assert enrich_available(db, embed, user_id=1) == 9  # every message enriched, 6 with a vector
    assert embed.calls == [["ok", "see you at 5", "where?"]]
    assert one(db, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL") == 6
    assert enrich_available(db, embed, user_id=1) == 0
