"""The controls on the embedded Postgres: a message marked critical or ignored, a chat muted or
unmuted, remind me later, and the digest frequency settings; each scoped to its user.

GIVEN two chats of one user (Ben one-to-one, Trip a group) over three days in Berlin,
WHEN the user marks, ignores, mutes or changes the frequency,
THEN the digest, the reminders and the suggestions follow, and another user's ids are not found.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from nudge.domain import Message, ParsedExport, Preferences
from nudge.errors import InputError, NotFound
from nudge.features import controls
from nudge.features.digest import build_digest, digest_of_day
from nudge.features.importing import import_export
from nudge.features.reminders import due_reminders, list_reminders
from nudge.features.settings import (
    change_setting,
    digest_frequency,
    set_digest_frequency,
    set_digest_schedule,
    user_settings,
)
from nudge.rules.digest_schedule import DigestSchedule
from nudge.store import ensure_user

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2024, 11, 26)
PREFS = Preferences(reminder_interval_minutes=60)
BEN = [
    (datetime(2024, 11, 24, 18, 0), "Ben", "Sunday dinner was great"),
    (datetime(2024, 11, 26, 10, 0), "Ben", "Can you call me about the flat?"),
    (datetime(2024, 11, 26, 10, 5), "Ben", "The landlord wants an answer today"),
]
TRIP = [
    (datetime(2024, 11, 25, 9, 0), "Emre", "Who books the hotel in Lisbon?"),
    (datetime(2024, 11, 26, 11, 0), "Emre", "Sam, can you book the taxi?"),
    (datetime(2024, 11, 26, 11, 30), "Ana", "I'll bring the speakers"),
]


def export(chat: str, lines: list[tuple[datetime, str, str]]) -> ParsedExport:
    return ParsedExport([Message(when, sender, text) for when, sender, text in lines],
                        source=f"{chat}.txt", format="test", date_order="dmy", chat_name=chat)


@pytest.fixture
def user(db: psycopg.Connection[Any]) -> int:
    user_id = ensure_user(db, name="Sam", timezone="Europe/Berlin")
    import_export(db, export("Ben", BEN), user_id=user_id, me="Sam")
    import_export(db, export("Trip", TRIP), user_id=user_id, me="Sam")
    return user_id


def message_id(db: psycopg.Connection[Any], text: str) -> int:
    return db.execute("SELECT id FROM messages WHERE text = %s", [text]).fetchone()[0]


def chat(digest: Any, name: str) -> Any:
    return next((c for c in digest.chats if c.chat == name), None)


def digest(db: psycopg.Connection[Any], user: int, day: date = DAY) -> Any:
    return build_digest(db, user_id=user, day=day, me="Sam", llm=None, tz=BERLIN)


def test_a_message_marked_critical_is_important_in_the_digest_and_reminded(db, user):
    landlord = message_id(db, "The landlord wants an answer today")
    state = controls.mark_critical(db, user_id=user, message_id=landlord)
    assert state.critical and not state.ignored and state.chat == "Ben"

    [item] = chat(digest(db, user), "Ben").important
    assert item.reason == "marked critical" and item.message_id == landlord
    due = due_reminders(db, user_id=user, now=datetime(2024, 11, 26, 12, tzinfo=BERLIN), prefs=PREFS)
    assert [r.message_id for r in due] == [landlord] and due[0].reason == "marked critical"

    assert not controls.mark_critical(db, user_id=user, message_id=landlord, critical=False).critical
    assert chat(digest(db, user), "Ben").important == []


def test_an_ignored_message_leaves_the_digest_the_reminders_and_the_suggestions(db, user):
    from nudge.features.suggest import suggest_replies

    flat = message_id(db, "Can you call me about the flat?")
    controls.mark_critical(db, user_id=user, message_id=flat)
    assert due_reminders(db, user_id=user, now=datetime(2024, 11, 26, 12, tzinfo=BERLIN), prefs=PREFS)
    assert "Can you call me about the flat?" in [i.text for i in chat(digest(db, user), "Ben").needs_reply]

    state = controls.ignore_message(db, user_id=user, message_id=flat)
    assert state.ignored and not state.critical  # ignoring clears critical
    ben = chat(digest(db, user), "Ben")
    assert ben.messages == 1 and ben.needs_reply == [] and ben.important == []
    assert list_reminders(db, user_id=user) == []  # its reminder is cleared
    assert due_reminders(db, user_id=user, now=datetime(2024, 11, 26, 18, tzinfo=BERLIN), prefs=PREFS) == []
    replying_to = suggest_replies(db, user_id=user, chat="Ben", llm=None, n=1, me="Sam").replying_to
    assert [m.text for m in replying_to] == ["Sunday dinner was great", "The landlord wants an answer today"]
    assert [m.text for m in controls.flagged_messages(db, user_id=user, ignored=True)] == [
        "Can you call me about the flat?"]

    assert not controls.ignore_message(db, user_id=user, message_id=flat, ignored=False).ignored
    assert chat(digest(db, user), "Ben").messages == 2


def test_a_muted_chat_has_no_digest_and_no_reminders_until_unmuted(db, user):
    from nudge.features.reminders import add_reminder

    add_reminder(db, user_id=user, chat="Trip", due_at=datetime(2024, 11, 26, 12, tzinfo=BERLIN),
                 now=datetime(2024, 11, 26, 11, 45, tzinfo=BERLIN))
    state = controls.mute_chat(db, user_id=user, chat="trip")
    assert (state.chat, state.muted) == ("Trip", True)
    assert [c.chat for c in controls.muted_chats(db, user_id=user)] == ["Trip"]
    assert chat(digest(db, user), "Trip") is None and chat(digest(db, user), "Ben") is not None
    noon = datetime(2024, 11, 26, 13, tzinfo=BERLIN)
    assert due_reminders(db, user_id=user, now=noon, prefs=PREFS) == []

    controls.mute_chat(db, user_id=user, chat=state.id, muted=False)
    assert chat(digest(db, user), "Trip") is not None
    assert [r.chat for r in due_reminders(db, user_id=user, now=noon, prefs=PREFS)] == ["Trip"]


def test_remind_me_later_reminds_of_that_message(db, user):
    taxi = message_id(db, "Sam, can you book the taxi?")
    now = datetime(2024, 11, 26, 12, tzinfo=BERLIN)
    reminder = controls.remind_later(db, user_id=user, message_id=taxi, now=now)
    assert reminder.chat == "Trip" and reminder.message_id == taxi
    assert reminder.due_at == now + controls.LATER
    assert due_reminders(db, user_id=user, now=now, prefs=PREFS) == []
    [due] = due_reminders(db, user_id=user, now=now + controls.LATER, prefs=PREFS)
    assert due.text == "Sam, can you book the taxi?"


def test_another_users_messages_and_chats_are_not_found(db, user):
    other = ensure_user(db, user_id=2, name="Kim")
    taxi = message_id(db, "Sam, can you book the taxi?")
    trip_id = controls.mute_chat(db, user_id=user, chat="Trip", muted=False).id
    for act in (lambda: controls.mark_critical(db, user_id=other, message_id=taxi),
                lambda: controls.ignore_message(db, user_id=other, message_id=taxi),
                lambda: controls.remind_later(db, user_id=other, message_id=taxi),
                lambda: controls.mute_chat(db, user_id=other, chat=trip_id),
                lambda: controls.mute_chat(db, user_id=other, chat="Trip"),
                lambda: controls.chat_name(db, user_id=other, chat_id=trip_id)):
        with pytest.raises(NotFound):
            act()
    assert db.execute("SELECT count(*) FROM messages WHERE is_critical OR ignored").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM chats WHERE muted").fetchone()[0] == 0


def test_a_week_digest_covers_the_seven_days_and_keeps_each_days_topics(db, user):
    week = digest_of_day(db, user_id=user, day=DAY, me="Sam", llm=None,
                         since=datetime(2024, 11, 20), until=datetime(2024, 11, 27))
    assert (week.day, week.whole_day) == (DAY, False)
    assert week.title() == "Wed 20 Nov – Tue 26 Nov 2024"
    assert {c.chat: c.messages for c in week.chats} == {"Ben": 3, "Trip": 3}
    assert week.to_json()["since"] == "2024-11-20T00:00:00"
    days = {r[0] for r in db.execute("SELECT day FROM chat_day_topics WHERE user_profile_id = %s",
                                      [user])}
    assert days == {date(2024, 11, 24), date(2024, 11, 25), date(2024, 11, 26)}

    hours = digest_of_day(db, user_id=user, day=DAY, me="Sam", llm=None,
                          since=datetime(2024, 11, 26, 10, 30), until=datetime(2024, 11, 26, 13))
    assert hours.title() == "Tue 26 Nov 10:30–13:00"
    assert {c.chat: c.messages for c in hours.chats} == {"Trip": 2}


def test_the_digest_frequency_is_stored_and_read_back(db, user):
    assert digest_frequency(db, user_id=user) == DigestSchedule("daily", (time(8, 0),), 1)
    weekly = set_digest_frequency(db, user_id=user, text="weekly sunday 18:30")
    assert digest_frequency(db, user_id=user) == weekly == DigestSchedule("weekly", (time(18, 30),), 7)
    times = set_digest_schedule(db, user_id=user, frequency="times", times=["19:00", "08:00"])
    assert digest_frequency(db, user_id=user) == times
    assert times.times == (time(8, 0), time(19, 0))
    set_digest_frequency(db, user_id=user, text="manual")
    assert digest_frequency(db, user_id=user).frequency == "manual"
    back = set_digest_frequency(db, user_id=user, text="daily")
    assert back == DigestSchedule("daily", (time(18, 30),), 7)  # the daily time was kept


def test_bad_settings_are_refused_and_change_nothing(db, user):
    set_digest_frequency(db, user_id=user, text="weekly friday 17:00")
    before = user_settings(db, user_id=user)
    for key, value in [("digest", "times"), ("digest", "fortnightly"), ("time", "25:00"),
                       ("tz", "Mars/Olympus"), ("chats", "family"), ("remind", "2"),
                       ("colour", "blue")]:
        with pytest.raises(InputError):
            change_setting(db, user_id=user, key=key, value=value)
    with pytest.raises(InputError):
        set_digest_schedule(db, user_id=user, frequency="daily", times=["08:00", "09:00"])
    with pytest.raises(InputError):
        set_digest_schedule(db, user_id=user, frequency="weekly", weekday=9)
    assert user_settings(db, user_id=user) == before
    changed = change_setting(db, user_id=user, key="digest", value="times 08:00 20:00")
    assert changed.to_json()["digest"] == {"frequency": "times", "times": ["08:00", "20:00"],
                                           "weekday": "friday", "description": "at 08:00, 20:00"}


def test_a_digest_sent_before_the_upgrade_is_not_sent_again_after_it(pg_server: Any) -> None:
    from datetime import UTC

    from nudge.rules.digest_schedule import digest_due
    from nudge.store import apply_migrations
    from nudge.store.digests import last_digest_until
    from nudge.store.migrate import migration_files

    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS before_controls WITH (FORCE)")
        admin.execute("CREATE DATABASE before_controls")
    try:
        with psycopg.connect(pg_server.get_uri("before_controls"), autocommit=True) as conn:
            conn.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY,"
                         " applied_at timestamptz NOT NULL DEFAULT now())")
            for version, sql in migration_files():
                if version < "0600":
                    conn.execute(sql.encode())
                    conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", [version])
            user = ensure_user(conn, name="Sam", timezone="Europe/Berlin")
            conn.execute("UPDATE summary_preferences SET frequency = 'hourly'")  # never valid
            conn.execute("INSERT INTO digests (user_profile_id, day, sent_at)"
                         " VALUES (%s, '2024-05-13', '2024-05-14T06:00:00Z')", [user])
            assert "0600_controls" in apply_migrations(conn)
            assert last_digest_until(conn, user_id=user) == datetime(2024, 5, 14)
            assert digest_frequency(conn, user_id=user).frequency == "daily"
            again = digest_due(digest_frequency(conn, user_id=user),
                               now=datetime(2024, 5, 14, 7, tzinfo=UTC), tz=BERLIN,
                               last_until=last_digest_until(conn, user_id=user))
            assert again.reason == "already sent"
    finally:
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS before_controls WITH (FORCE)")
