"""The importer against the embedded Postgres: idempotency, counting, chats, contacts, embeddings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import InputError, LLMUnavailable
from nudge.features.enrichment import enrich_available
from nudge.features.importing import IncomingMessage, import_export, ingest_batch

T0 = datetime(2024, 5, 1, 9, 0)
DIM = 384


def export(messages: list[Message], chat_name: str | None = "Emre") -> ParsedExport:
    return ParsedExport(messages=messages, source="test.txt", format="android dmy 24h",
                        date_order="dmy", chat_name=chat_name)


def chat_messages(n: int, senders: tuple[str, ...] = ("Emre", "Me")) -> list[Message]:
    return [Message(sent_at=T0 + timedelta(minutes=i), sender=senders[i % len(senders)],
                    text=f"message number {i}") for i in range(n)]


def fake_embed(texts: list[str]) -> list[list[float]]:
    return [[1.0] + [0.0] * (DIM - 1) for _ in texts]


def count(db: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def test_importing_the_same_export_twice_stores_nothing_the_second_time(
    db: psycopg.Connection[Any],
) -> None:
    parsed = export(chat_messages(50))
    first = import_export(db, parsed, user_id=1)
    second = import_export(db, parsed, user_id=1)
    assert (first.inserted, first.duplicates, first.skipped) == (50, 0, 0)
    assert (second.inserted, second.duplicates, second.skipped) == (0, 50, 0)
    assert count(db, "SELECT count(*) FROM messages") == 50


def test_an_overlapping_export_adds_only_the_new_half(db: psycopg.Connection[Any]) -> None:
    messages = chat_messages(40)
    import_export(db, export(messages[:20]), user_id=1)
    result = import_export(db, export(messages), user_id=1)
    assert (result.inserted, result.duplicates) == (20, 20)
    assert count(db, "SELECT count(*) FROM messages") == 40


def test_a_large_overlapping_export_takes_the_bulk_path_and_still_deduplicates(
    db: psycopg.Connection[Any],
) -> None:
    messages = chat_messages(12_000)
    import_export(db, export(messages[:7_000]), user_id=1)
    result = import_export(db, export(messages), user_id=1)
    assert (result.inserted, result.duplicates) == (5_000, 7_000)


def test_identical_messages_in_the_same_minute_are_all_kept(db: psycopg.Connection[Any]) -> None:
    same = Message(sent_at=T0, sender="Emre", text="ok")
    parsed = export([same, same, same])
    assert import_export(db, parsed, user_id=1).inserted == 3
    assert import_export(db, parsed, user_id=1).duplicates == 3
    grown = import_export(db, export([same, same, same, same]), user_id=1)
    assert (grown.inserted, grown.duplicates) == (1, 3)


def test_the_encryption_notice_and_empty_texts_are_skipped(db: psycopg.Connection[Any]) -> None:
    messages = [
        Message(sent_at=T0, sender=None, kind="system",
                text="Messages and calls are end-to-end encrypted. Tap to learn more."),
        Message(sent_at=T0, sender=None, kind="system", text="Emre created group \"Trip\""),
        Message(sent_at=T0, sender="Emre", text="   "),
        Message(sent_at=T0, sender="Emre", text="", kind="media", attachment="IMG-1.jpg"),
        Message(sent_at=T0, sender="Emre", text="hello"),
    ]
    result = import_export(db, export(messages), user_id=1)
    assert (result.inserted, result.duplicates, result.skipped) == (3, 0, 2)


def test_messages_from_me_are_marked_and_do_not_become_a_contact(
    db: psycopg.Connection[Any],
) -> None:
    import_export(db, export(chat_messages(4, ("Emre", "Ada Lovelace"))), user_id=1, me="ada lovelace")
    mine = db.execute(
        "SELECT from_me, sender_contact_id IS NULL, count(*) FROM messages"
        " GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert mine == [(False, False, 2), (True, True, 2)]
    contacts = [row[0] for row in db.execute("SELECT name FROM contacts")]
    assert contacts == ["Emre"]


def test_chat_type_is_group_with_more_than_two_senders(db: psycopg.Connection[Any]) -> None:
    import_export(db, export(chat_messages(6), chat_name="Emre"), user_id=1)
    import_export(db, export(chat_messages(6, ("A", "B", "C")), chat_name="Trip"), user_id=1)
    types = dict(db.execute("SELECT name, type FROM chats").fetchall())
    assert types == {"Emre": "one_to_one", "Trip": "group"}


def test_chat_name_comes_from_the_argument_then_the_export_else_it_is_an_error(
    db: psycopg.Connection[Any],
) -> None:
    assert import_export(db, export(chat_messages(1)), user_id=1, chat_name="Other").chat == "Other"
    assert import_export(db, export(chat_messages(1)), user_id=1).chat == "Emre"
    with pytest.raises(InputError):
        import_export(db, export(chat_messages(1), chat_name=None), user_id=1)


def test_last_message_at_follows_the_newest_message_and_never_goes_back(
    db: psycopg.Connection[Any],
) -> None:
    messages = chat_messages(10)
    import_export(db, export(messages), user_id=1)
    import_export(db, export(messages[:3]), user_id=1)
    assert count(db, "SELECT last_message_at FROM chats") == messages[-1].sent_at


def test_the_given_embedder_fills_embeddings_of_new_text_messages(
    db: psycopg.Connection[Any],
) -> None:
    calls: list[int] = []

    def embed(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return fake_embed(texts)

    messages = [*chat_messages(100),
                Message(sent_at=T0, sender="Emre", text="", kind="deleted")]
    import_export(db, export(messages), user_id=1, embed=embed)
    assert calls == [64, 36]  # one embedder call per enrichment batch (enrichment.BATCH rows)
    assert count(db, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL") == 100
    import_export(db, export(messages), user_id=1, embed=embed)
    assert calls == [64, 36]


def test_an_unavailable_llm_still_stores_the_messages_and_enrich_available_fills_them_later(
    db: psycopg.Connection[Any],
) -> None:
    def down(texts: list[str]) -> list[list[float]]:
        raise LLMUnavailable("llm_service is not running")

    result = import_export(db, export(chat_messages(70)), user_id=1, embed=down)
    assert result.inserted == 70
    assert count(db, "SELECT count(*) FROM messages WHERE embedding IS NULL") == 70
    assert enrich_available(db, down, user_id=1) == 0
    assert enrich_available(db, fake_embed, user_id=1, batch_size=16) == 70
    assert count(db, "SELECT count(*) FROM messages WHERE embedding IS NULL") == 0
    assert enrich_available(db, fake_embed, user_id=1) == 0


def test_collector_messages_with_ids_are_keyed_by_id(db: psycopg.Connection[Any]) -> None:
    batch = [IncomingMessage(sent_at=T0, sender="Emre", text="hi", id="wamid.1"),
             IncomingMessage(sent_at=T0, sender=None, text="hey", from_me=True, id="wamid.2")]
    first = ingest_batch(db, user_id=1, chat_name="Emre", chat_type="one_to_one", messages=batch)
    assert (first.inserted, first.duplicates) == (2, 0)
    moved = [IncomingMessage(sent_at=T0 + timedelta(seconds=5), sender="Emre", text="hi",
                             id="wamid.1"),
             IncomingMessage(sent_at=T0, sender="Emre", text="new", id="wamid.3")]
    second = ingest_batch(db, user_id=1, chat_name="Emre", chat_type="one_to_one", messages=moved)
    assert (second.inserted, second.duplicates) == (1, 1)
    assert count(db, "SELECT count(*) FROM messages WHERE from_me") == 1


def test_a_resent_id_outside_the_bulk_lookup_span_falls_back_to_merging(
    db: psycopg.Connection[Any],
) -> None:
    early = IncomingMessage(sent_at=T0 - timedelta(days=30), sender="Emre", text="x", id="dup")
    ingest_batch(db, user_id=1, chat_name="Emre", chat_type=None, messages=[early])
    bulk = [IncomingMessage(sent_at=T0 + timedelta(seconds=i), sender="Emre", text=f"m{i}",
                            id=f"id{i}") for i in range(6_000)]
    bulk.append(IncomingMessage(sent_at=T0, sender="Emre", text="x", id="dup"))
    result = ingest_batch(db, user_id=1, chat_name="Emre", chat_type=None, messages=bulk)
    assert (result.inserted, result.duplicates) == (6_000, 1)


def test_an_explicit_chat_type_wins_and_unknown_kinds_are_refused(
    db: psycopg.Connection[Any],
) -> None:
    one = [IncomingMessage(sent_at=T0, sender="Emre", text="hi")]
    ingest_batch(db, user_id=1, chat_name="Team", chat_type="group", messages=one)
    assert count(db, "SELECT type FROM chats WHERE name = 'Team'") == "group"
    with pytest.raises(InputError):
        ingest_batch(db, user_id=1, chat_name="Team", chat_type=None,
                     messages=[IncomingMessage(sent_at=T0, sender="E", text="x", kind="sticker")])


def test_a_collector_time_with_an_offset_is_stored_as_its_wall_clock(
    db: psycopg.Connection[Any],
) -> None:
    from datetime import timezone

    aware = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    ingest_batch(db, user_id=1, chat_name="Emre", chat_type=None,
                 messages=[IncomingMessage(sent_at=aware, sender="Emre", text="hi")])
    assert count(db, "SELECT sent_at FROM messages") == datetime(2024, 5, 1, 9, 30)
