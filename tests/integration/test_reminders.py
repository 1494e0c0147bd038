"""Reminders on the embedded Postgres: user-set, snoozed, repeated, cleared, closed by a reply
in a later import, and automatic ones for critical messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from nudge.domain import Message, ParsedExport, Preferences
from nudge.errors import InputError, NotFound
from nudge.features.importing import import_export
from nudge.features.reminders import (
    add_reminder,
    clear,
    close_answered,
    due_reminders,
    list_reminders,
    mark_sent,
    snooze,
)
from nudge.store import ensure_user
from nudge.store.contacts import set_contact_critical

BERLIN = ZoneInfo("Europe/Berlin")
PREFS = Preferences(keywords=["invoice"], reminder_interval_minutes=60)
BEN = [  # wall clock in Berlin
    (datetime(2024, 11, 26, 9, 0), "Sam", "morning!"),
    (datetime(2024, 11, 26, 10, 0), "Ben", "Can you call me about the flat?"),
    (datetime(2024, 11, 26, 10, 1), "Ben", "It's urgent"),
]


def at(hour: int, minute: int = 0, day: int = 26) -> datetime:
    return datetime(2024, 11, day, hour, minute, tzinfo=BERLIN)


def export(chat: str, lines: list[tuple[datetime, str, str]]) -> ParsedExport:
    return ParsedExport([Message(when, sender, text) for when, sender, text in lines],
                        source=f"{chat}.txt", format="test", date_order="dmy", chat_name=chat)


@pytest.fixture
def user(db: psycopg.Connection[Any]) -> int:
    user_id = ensure_user(db, name="Sam", timezone="Europe/Berlin")
    import_export(db, export("Ben", BEN), user_id=1, me="Sam")
    return user_id


def due_ids(db: psycopg.Connection[Any], user: int, now: datetime) -> list[int]:
    return [d.id for d in due_reminders(db, user_id=user, now=now, prefs=PREFS, me="Sam")]


def test_a_user_reminder_is_due_once_its_time_has_passed(db: psycopg.Connection[Any],
                                                         user: int) -> None:
    reminder = add_reminder(db, user_id=user, chat="ben", due_at=at(18), note="answer Ben",
                            now=at(12))
    assert reminder.chat == "Ben" and reminder.status == "open" and reminder.source == "user"
    assert due_ids(db, user, at(17, 59)) == []
    assert due_ids(db, user, at(18)) == [reminder.id]


def test_a_naive_due_time_is_wall_clock_in_the_users_time_zone(db: psycopg.Connection[Any],
                                                               user: int) -> None:
    reminder = add_reminder(db, user_id=user, chat="Ben", due_at=datetime(2024, 11, 26, 18, 0))
    assert reminder.due_at == datetime(2024, 11, 26, 17, 0, tzinfo=UTC)


def test_a_sent_reminder_repeats_after_its_interval_until_answered(db: psycopg.Connection[Any],
                                                                   user: int) -> None:
    default = add_reminder(db, user_id=user, chat="Ben", due_at=at(18), now=at(12))
    every_15 = add_reminder(db, user_id=user, chat="Ben", due_at=at(18), interval_minutes=15,
                            now=at(12))
    mark_sent(db, due_reminders(db, user_id=user, now=at(18), prefs=PREFS), at(18), user_id=user)
    assert due_ids(db, user, at(18, 14)) == []
    assert due_ids(db, user, at(18, 15)) == [every_15.id]
    assert due_ids(db, user, at(19)) == [default.id, every_15.id]


def test_a_snoozed_reminder_waits_until_the_new_time_then_is_open_again(
        db: psycopg.Connection[Any], user: int) -> None:
    reminder = add_reminder(db, user_id=user, chat="Ben", due_at=at(18), now=at(12))
    mark_sent(db, due_reminders(db, user_id=user, now=at(18), prefs=PREFS), at(18), user_id=user)
    snoozed = snooze(db, user_id=user, reminder_id=reminder.id, until=at(21))
    assert snoozed.status == "snoozed" and snoozed.due_at == at(21)
    assert due_ids(db, user, at(20, 59)) == []
    due = due_reminders(db, user_id=user, now=at(21), prefs=PREFS)
    assert [d.id for d in due] == [reminder.id]
    mark_sent(db, due[0], at(21), user_id=user)
    assert [r.status for r in list_reminders(db, user_id=user)] == ["open"]


def test_clearing_one_or_all_reminders_stops_them(db: psycopg.Connection[Any], user: int) -> None:
    first = add_reminder(db, user_id=user, chat="Ben", due_at=at(18), now=at(12))
    add_reminder(db, user_id=user, chat="Ben", due_at=at(19), now=at(12))
    add_reminder(db, user_id=user, chat="Ben", due_at=at(20), now=at(12))
    assert clear(db, user_id=user, reminder_id=first.id) == 1
    assert len(list_reminders(db, user_id=user)) == 2
    assert clear(db, user_id=user) == 2
    assert list_reminders(db, user_id=user) == []
    assert [r.status for r in list_reminders(db, user_id=user, include_closed=True)] == \
        ["cleared"] * 3
    with pytest.raises(NotFound, match=str(first.id)):
        clear(db, user_id=user, reminder_id=first.id)


def test_unknown_chats_and_reminders_are_not_found(db: psycopg.Connection[Any], user: int) -> None:
    with pytest.raises(NotFound, match="Lisbon"):
        add_reminder(db, user_id=user, chat="Lisbon", due_at=at(18))
    with pytest.raises(NotFound, match="99"):
        snooze(db, user_id=user, reminder_id=99, until=at(20))
    with pytest.raises(InputError):
        due_reminders(db, user_id=user, now=datetime(2024, 11, 26, 18), prefs=PREFS)


def test_a_reply_in_a_later_import_closes_the_reminder(db: psycopg.Connection[Any],
                                                       user: int) -> None:
    reminder = add_reminder(db, user_id=user, chat="Ben", due_at=at(18), now=at(12))
    import_export(db, export("Ben", [*BEN, (datetime(2024, 11, 26, 11, 0), "Sam", "calling now")]), user_id=1,
                  me="Sam")
    assert close_answered(db, user_id=user) == 0  # that reply came before the reminder was set
    import_export(db, export("Ben", [*BEN, (datetime(2024, 11, 26, 11, 0), "Sam", "calling now"),
                                     (datetime(2024, 11, 26, 12, 30), "Sam", "done, talk later")]), user_id=1,
                  me="Sam")
    assert due_ids(db, user, at(18)) == []
    assert [(r.id, r.status) for r in list_reminders(db, user_id=user, include_closed=True)] == \
        [(reminder.id, "done")]


def test_a_critical_contact_without_reply_is_reminded_every_interval_until_the_user_replies(
        db: psycopg.Connection[Any], user: int) -> None:
    assert due_ids(db, user, at(10, 5)) == []  # Ben is not critical yet
    set_contact_critical(db, user_id=user, name="Ben", critical=True)
    due = due_reminders(db, user_id=user, now=at(10, 5), prefs=PREFS, me="Sam")
    assert len(due) == 1
    auto = due[0]
    assert (auto.source, auto.reason, auto.sender, auto.text) == (
        "auto", "critical contact", "Ben", "Can you call me about the flat?")
    assert auto.due_at == at(10)
    mark_sent(db, due, at(10, 5), user_id=user)
    assert due_ids(db, user, at(11)) == []
    assert due_ids(db, user, at(11, 5)) == [auto.id]  # one interval (60 min) later
    assert len(list_reminders(db, user_id=user)) == 1  # not a second reminder for "It's urgent"
    import_export(db, export("Ben", [*BEN, (datetime(2024, 11, 26, 11, 10), "Sam", "calling")]), user_id=1,
                  me="Sam")
    assert due_ids(db, user, at(12)) == []
    assert list_reminders(db, user_id=user, include_closed=True)[0].status == "done"


def test_a_cleared_automatic_reminder_stays_quiet_until_a_new_unanswered_message(
        db: psycopg.Connection[Any], user: int) -> None:
    set_contact_critical(db, user_id=user, name="Ben", critical=True)
    assert len(due_ids(db, user, at(10, 5))) == 1
    clear(db, user_id=user)
    assert due_ids(db, user, at(15)) == []
    import_export(db, export("Ben", [*BEN, (datetime(2024, 11, 26, 11, 0), "Sam", "ok"),
                                     (datetime(2024, 11, 26, 16, 0), "Ben", "Still there?")]), user_id=1,
                  me="Sam")
    due = due_reminders(db, user_id=user, now=at(16, 5), prefs=PREFS)
    assert [d.text for d in due] == ["Still there?"]


def test_keyword_questions_and_marked_messages_get_automatic_reminders(
        db: psycopg.Connection[Any], user: int) -> None:
    import_export(db, export("Flat", [
        (datetime(2024, 11, 26, 9, 0), "Ana", "The invoice is paid"),
        (datetime(2024, 11, 26, 9, 1), "Luis", "hello all"),
        (datetime(2024, 11, 26, 9, 2), "Sam", "great"),
        (datetime(2024, 11, 26, 9, 5), "Ana", "Sam, can you forward the invoice?"),
    ]), user_id=1, me="Sam")
    import_export(db, export("Mum", [(datetime(2024, 11, 26, 8, 0), "Mum", "Call grandma")]), user_id=1,
                  me="Sam")
    db.execute("UPDATE messages SET is_critical = true WHERE text = 'Call grandma'")
    due = due_reminders(db, user_id=user, now=at(12), prefs=PREFS, me="Sam")
    assert sorted((d.chat, d.reason, d.text) for d in due) == [
        ("Flat", "question with keyword: invoice", "Sam, can you forward the invoice?"),
        ("Mum", "marked critical", "Call grandma"),
    ]


def test_old_unanswered_messages_get_no_automatic_reminder(db: psycopg.Connection[Any],
                                                           user: int) -> None:
    set_contact_critical(db, user_id=user, name="Ben", critical=True)
    assert due_ids(db, user, at(12, day=26) + timedelta(days=8)) == []


def test_automatic_reminders_are_due_at_the_message_time_in_the_users_zone(
        db: psycopg.Connection[Any], user: int) -> None:
    db.execute("UPDATE user_profiles SET timezone = 'America/New_York' WHERE id = %s", [user])
    set_contact_critical(db, user_id=user, name="Ben", critical=True)
    now = datetime(2024, 11, 26, 16, 0, tzinfo=UTC)  # 11:00 in New York
    due = due_reminders(db, user_id=user, now=now, prefs=PREFS)
    assert [d.due_at for d in due] == [datetime(2024, 11, 26, 15, 0, tzinfo=UTC)]  # 10:00 NY
    assert due_reminders(db, user_id=user, now=now - timedelta(hours=2), prefs=PREFS) == []
