"""The enrichment stage against the embedded Postgres: the backlog is the messages table, so an
LLM outage or a crash mid-way resumes where it stopped, and nothing is enriched twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import LLMUnavailable
from nudge.features.enrichment import Item, backlog, default_steps, enrich_all, enrich_pending
from nudge.features.importing import import_export

T0 = datetime(2024, 5, 1, 9, 0)
DIM = 384


def export(n: int, chat: str = "Emre") -> ParsedExport:
    messages = [Message(sent_at=T0 + timedelta(minutes=i), sender=("Emre", "Sam")[i % 2],
                        text=f"message number {i}") for i in range(n)]
    messages.append(Message(sent_at=T0, sender=None, text="Emre joined", kind="system"))
    return ParsedExport(messages=messages, source="t.txt", format="android dmy 24h",
                        date_order="dmy", chat_name=chat)


class FlakyLLM:
    """Embeds, but is 'killed' after `fail_after` calls until revived; counts every text."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.fail_after = fail_after
        self.calls = 0
        self.texts: Counter[str] = Counter()

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise LLMUnavailable("llm_service is not running")
        self.texts.update(texts)
        return [[1.0] + [0.0] * (DIM - 1) for _ in texts]


def scalar(db: psycopg.Connection[Any], sql: str) -> Any:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_imports_only_store_and_the_backlog_holds_every_new_text_message(db) -> None:
    result = import_export(db, export(150), user_id=1)
    assert result.inserted == 151
    pending, oldest = backlog(db, user_id=1)
    assert pending == 150 and oldest is not None  # the system line needs no enrichment
    assert scalar(db, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL") == 0


def test_an_llm_killed_mid_enrichment_leaves_a_backlog_that_resumes_with_no_duplicates(db) -> None:
    import_export(db, export(300), user_id=1)
    llm = FlakyLLM(fail_after=2)
    with pytest.raises(LLMUnavailable):
        enrich_pending(db, llm, user_id=1)
    assert backlog(db, user_id=1)[0] == 300 - 2 * 64
    llm.fail_after = None  # llm_service is back
    assert enrich_pending(db, llm, user_id=1) == 300 - 2 * 64
    assert backlog(db, user_id=1)[0] == 0
    assert sum(llm.texts.values()) == 300 and max(llm.texts.values()) == 1  # each text once
    assert scalar(db, "SELECT count(*) FROM messages") == 301
    assert scalar(db, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL"
                      " AND sentiment IS NOT NULL AND enriched_at IS NOT NULL") == 300


def test_the_steps_store_language_and_sentiment_with_the_embedding(db) -> None:
    spanish = ParsedExport(messages=[
        Message(sent_at=T0, sender="Ana", text="¿Dónde está la fiesta? Me encanta la idea"),
        Message(sent_at=T0, sender="Ben", text="I love this, it is a great idea and we are happy"),
    ], source="t.txt", format="android dmy 24h", date_order="dmy", chat_name="Mix")
    import_export(db, spanish, user_id=1)
    assert enrich_pending(db, FlakyLLM(), user_id=1) == 2
    rows = db.execute("SELECT sender_name, language, sentiment FROM messages ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("Ana", "es"), ("Ben", "en")]
    assert all(r[2] is not None and r[2] > 0 for r in rows)


def test_a_crash_inside_a_batch_stores_nothing_of_it_and_the_rerun_finishes(db) -> None:
    import_export(db, export(100), user_id=1)
    steps = default_steps(FlakyLLM())
    seen = []

    def crash_on_second_batch(items: list[Item]) -> None:
        seen.append(len(items))
        if len(seen) == 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        enrich_pending(db, FlakyLLM(), user_id=1, steps=[*steps, crash_on_second_batch])
    assert backlog(db, user_id=1)[0] == 100 - 64
    assert enrich_pending(db, FlakyLLM(), user_id=1) == 36
    assert backlog(db, user_id=1)[0] == 0


def test_progress_is_reported_per_batch_up_to_the_total(db) -> None:
    import_export(db, export(130), user_id=1)
    seen: list[tuple[int, int]] = []
    assert enrich_pending(db, FlakyLLM(), user_id=1, on_progress=lambda d, t: seen.append((d, t))) == 130
    assert seen == [(0, 130), (64, 130), (128, 130), (130, 130)]


def test_a_limit_bounds_one_call_and_the_next_call_goes_on(db) -> None:
    import_export(db, export(100), user_id=1)
    assert enrich_pending(db, FlakyLLM(), user_id=1, limit=70) == 70
    assert enrich_pending(db, FlakyLLM(), user_id=1, limit=70) == 30


def test_while_one_worker_enriches_a_user_another_returns_at_once(db, db_url) -> None:
    import_export(db, export(10), user_id=1)
    inside, release = threading.Event(), threading.Event()

    def slow(texts: list[str]) -> list[list[float]]:
        inside.set()
        release.wait(10)
        return FlakyLLM()(texts)

    worker = threading.Thread(target=lambda: enrich_pending(db, slow, user_id=1))
    worker.start()
    assert inside.wait(10)
    with psycopg.connect(db_url, autocommit=True) as other:
        assert enrich_pending(other, FlakyLLM(), user_id=1) == 0
    release.set()
    worker.join(10)
    assert backlog(db, user_id=1)[0] == 0


def test_a_text_with_nothing_to_find_is_enriched_without_a_vector_and_never_embedded(db) -> None:
    thumbs = ParsedExport(messages=[
        Message(sent_at=T0, sender="Ana", text="👍"),
        Message(sent_at=T0, sender="Ben", text="see you at the station"),
    ], source="t.txt", format="android dmy 24h", date_order="dmy", chat_name="Mix")
    import_export(db, thumbs, user_id=1)
    llm = FlakyLLM()

    assert enrich_pending(db, llm, user_id=1) == 2
    assert list(llm.texts) == ["see you at the station"]
    assert scalar(db, "SELECT count(*) FROM messages WHERE enriched_at IS NOT NULL"
                      " AND embedding IS NULL AND kind = 'text'") == 1


def test_the_catch_up_goes_through_every_users_backlog_within_its_bound(db) -> None:
    import_export(db, export(50), user_id=1)
    import_export(db, export(50), user_id=2)
    assert enrich_all(db, FlakyLLM(), max_rows=80) == 80
    assert backlog(db, user_id=1)[0] + backlog(db, user_id=2)[0] == 20
