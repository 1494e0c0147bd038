"""Chat identity and the user's name (issue 12, "correct data"), against the embedded Postgres:
a renamed group keeps one history, and from_me follows the name on the user's profile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import InputError
from nudge.features.identity import set_my_name
from nudge.features.importing import IncomingMessage, import_export, ingest_batch

T0 = datetime(2024, 5, 1, 9, 0)


def export(messages: list[Message], name: str) -> ParsedExport:
    return ParsedExport(messages=messages, source=f"WhatsApp Chat with {name}.txt",
                        format="android dmy 24h", date_order="dmy", chat_name=name)


def group_messages(n: int, start: int = 0, senders: tuple[str, ...] = ("Emre", "Sam", "Ana"),
                   words: str = "message number") -> list[Message]:
    return [Message(sent_at=T0 + timedelta(minutes=i), sender=senders[i % len(senders)],
                    text=f"{words} {i}") for i in range(start, start + n)]


def one(db: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def test_a_group_renamed_between_two_exports_stores_no_duplicates_and_records_the_rename(
    db: psycopg.Connection[Any],
) -> None:
    before = group_messages(40)
    after = group_messages(60)  # the same history, 20 messages more, under the new name

    first = import_export(db, export(before, "Trip"), user_id=1)
    second = import_export(db, export(after, "Trip 2024"), user_id=1)
    old_again = import_export(db, export(before, "Trip"), user_id=1)

    assert (first.inserted, first.duplicates) == (40, 0)
    assert (second.chat, second.inserted, second.duplicates) == ("Trip 2024", 20, 40)
    assert second.renamed_from == "Trip" and second.to_json()["renamed_from"] == "Trip"
    assert (old_again.chat, old_again.inserted, old_again.duplicates) == ("Trip 2024", 0, 40)
    assert one(db, "SELECT count(*) FROM messages") == 60
    assert db.execute("SELECT name FROM chats").fetchall() == [("Trip 2024",)]
    assert db.execute("SELECT name FROM chat_names").fetchall() == [("Trip",)]


def test_a_rename_the_user_names_joins_the_chat_even_without_overlap(
    db: psycopg.Connection[Any],
) -> None:
    import_export(db, export(group_messages(10), "Old name"), user_id=1)

    later = import_export(db, export(group_messages(10, start=100), "New name"), user_id=1,
                          renamed_from="Old name")

    assert (later.chat, later.inserted, later.renamed_from) == ("New name", 10, "Old name")
    assert one(db, "SELECT count(*) FROM chats") == 1
    with pytest.raises(InputError, match="no chat has that name"):
        import_export(db, export(group_messages(1), "X"), user_id=1, renamed_from="Nobody")


def test_another_chat_with_other_messages_is_not_taken_for_a_rename(
    db: psycopg.Connection[Any],
) -> None:
    import_export(db, export(group_messages(30), "Trip"), user_id=1)

    other = import_export(db, export(group_messages(30, words="something else"), "Work"),
                          user_id=1)

    assert (other.chat, other.inserted, other.renamed_from) == ("Work", 30, None)
    assert one(db, "SELECT count(*) FROM chats") == 2


def test_chats_keyed_by_their_name_before_the_migration_keep_deduplicating(
    db: psycopg.Connection[Any],
) -> None:
    messages = group_messages(20)
    import_export(db, export(messages, "Trip"), user_id=1)
    db.execute("UPDATE chats SET key_name = NULL")  # a row written by older code

    again = import_export(db, export(messages, "Trip"), user_id=1)

    assert (again.inserted, again.duplicates) == (0, 20)


def test_a_collector_chat_id_keeps_a_renamed_chat_one_chat(db: psycopg.Connection[Any]) -> None:
    batch = [IncomingMessage(sent_at=T0 + timedelta(minutes=i), sender="Emre", text=f"m{i}")
             for i in range(5)]

    first = ingest_batch(db, user_id=1, chat_name="Lisbon", chat_type="group", messages=batch,
                         chat_id="120363@g.us")
    renamed = ingest_batch(db, user_id=1, chat_name="Lisbon 🏖", chat_type="group",
                           messages=batch, chat_id="120363@g.us")
    other = ingest_batch(db, user_id=1, chat_name="Lisbon", chat_type="group", messages=batch,
                         chat_id="99999@g.us")

    assert (first.inserted, renamed.inserted, renamed.duplicates) == (5, 0, 5)
    assert renamed.chat == "Lisbon 🏖" and renamed.renamed_from == "Lisbon"
    assert (other.chat, other.inserted) == ("Lisbon", 5)  # the name was free again
    assert one(db, "SELECT count(*) FROM chats") == 2


def test_the_users_name_set_after_an_import_makes_their_messages_from_me(
    db: psycopg.Connection[Any],
) -> None:
    import_export(db, export(group_messages(30), "Trip"), user_id=1)
    assert one(db, "SELECT count(*) FROM messages WHERE from_me") == 0
    assert one(db, "SELECT count(*) FROM contacts WHERE name = 'Sam'") == 1

    changed = set_my_name(db, user_id=1, name="sam")

    assert changed == 10
    assert one(db, "SELECT count(*) FROM messages WHERE from_me") == 10
    assert one(db, "SELECT bool_and(sender_name = 'Sam') FROM messages WHERE from_me")
    assert one(db, "SELECT count(*) FROM messages WHERE from_me"
                   " AND sender_contact_id IS NOT NULL") == 0
    assert one(db, "SELECT count(*) FROM contacts WHERE name = 'Sam'") == 0
    assert one(db, "SELECT name FROM user_profiles WHERE id = 1") == "sam"


def test_fixing_a_wrong_name_moves_from_me_to_the_right_sender_and_back_to_contacts(
    db: psycopg.Connection[Any],
) -> None:
    import_export(db, export(group_messages(30), "Trip"), user_id=1, me="Emre")
    assert one(db, "SELECT count(*) FROM messages WHERE from_me AND sender_name = 'Emre'") == 10

    set_my_name(db, user_id=1, name="Sam")

    assert one(db, "SELECT array_agg(DISTINCT sender_name) FROM messages WHERE from_me") == ["Sam"]
    assert one(db, "SELECT count(*) FROM messages m JOIN contacts c ON c.id = m.sender_contact_id"
                   " WHERE m.sender_name = 'Emre'") == 10
    assert set_my_name(db, user_id=1, name="Sam") == 0  # unchanged: nothing to re-mark


def test_the_profile_name_marks_from_me_on_every_import_path(db: psycopg.Connection[Any]) -> None:
    set_my_name(db, user_id=1, name="Sam")

    import_export(db, export(group_messages(6), "Trip"), user_id=1)
    ingest_batch(db, user_id=1, chat_name="Ana", chat_type=None, messages=[
        IncomingMessage(sent_at=T0, sender="Sam", text="named, not flagged"),
        IncomingMessage(sent_at=T0, sender=None, text="flagged, no name", from_me=True),
        IncomingMessage(sent_at=T0, sender="Ana", text="hers")])

    assert one(db, "SELECT count(*) FROM messages WHERE from_me") == 2 + 2
    assert one(db, "SELECT count(*) FROM contacts WHERE name = 'Sam'") == 0
    assert one(db, "SELECT type FROM chats WHERE name = 'Ana'") == "one_to_one"


def test_keys_of_a_chat_keyed_by_its_name_are_the_ones_stored_before_issue_12(
    db: psycopg.Connection[Any],
) -> None:
    """Pinned from the code before key names existed: old rows must keep matching new imports."""
    import_export(db, export([Message(sent_at=T0, sender="Emre", text="hi")], "Trip"), user_id=1)
    ingest_batch(db, user_id=1, chat_name="Trip", chat_type=None,
                 messages=[IncomingMessage(sent_at=T0, sender="Emre", text="x", id="wamid.1")])

    keys = {bytes(k).hex() for (k,) in db.execute("SELECT source_key FROM messages")}

    assert keys == {"0eba07346632049002f9dab5a2a32227e74652ba",
                    "0eba073400000000c981734567960312196c1a57"}


def test_a_file_imported_in_parts_stores_what_a_whole_import_stores(
    db: psycopg.Connection[Any], tmp_path: Any,
) -> None:
    from bench.parse import generate_android_export
    from nudge.features.import_files import import_file
    from nudge.whatsapp import parse_path

    path = tmp_path / "WhatsApp Chat with Bench.txt"
    path.write_text(generate_android_export(5_000), encoding="utf-8")

    parts = import_file(db, path, user_id=1, me="Sam", part_bytes=16 * 1024)
    keys = {bytes(k) for (k,) in db.execute("SELECT source_key FROM messages")}
    db.execute("TRUNCATE messages, chats, contacts CASCADE")
    whole = import_export(db, parse_path(path), user_id=1, me="Sam")
    again = import_file(db, path, user_id=1, me="Sam", part_bytes=16 * 1024)

    assert (parts.chat, parts.inserted, parts.skipped) == (whole.chat, whole.inserted,
                                                          whole.skipped)
    assert keys == {bytes(k) for (k,) in db.execute("SELECT source_key FROM messages")}
    assert (again.inserted, again.duplicates) == (0, whole.inserted)
