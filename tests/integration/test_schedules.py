"""The schedules: digest at the user's time in the user's zone, reminders per slot, never twice.

GIVEN imported chats, a user in Europe/Berlin or America/New_York and the fake Bot API,
WHEN the schedule fires at chosen UTC times (and fires again, as a retry would),
THEN each digest and each reminder slot reaches the user exactly once.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from nudge.config import load_settings
from nudge.faces.schedules import run_daily_digest, run_reminders, scheduled_time
from nudge.features.importing import import_export
from nudge.store import ensure_user
from nudge.store.contacts import set_contact_critical
from nudge.store.preferences import save_preferences, user_preferences
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import OWNER, FakeTelegram, telegram_env

ROOT = Path(__file__).resolve().parents[2]

ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
13/05/2024, 09:21 - Ana: Bring <wine> & cheese
"""
ANA_ANSWERED = ANA + b"14/05/2024, 10:30 - Sam: Yes, I'll be there\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def user(db) -> int:
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    return ensure_user(db)


@pytest.fixture
def schedule_settings(db_url: str, fake_telegram: FakeTelegram, tmp_path):
    return load_settings(telegram_env(db_url, fake_telegram), data_dir=tmp_path)


def _zone(db, user_id: int, tz: str, **prefs: object) -> None:
    db.execute("UPDATE user_profiles SET timezone = %s WHERE id = %s", [tz, user_id])
    save_preferences(db, user_id=user_id, prefs=replace(user_preferences(db, user_id=user_id), **prefs))


@pytest.mark.parametrize(("tz", "daily", "before", "at"), [
    ("Europe/Berlin", time(8, 0), "2024-05-14T05:59:00", "2024-05-14T06:00:00"),  # CEST = UTC+2
    ("America/New_York", time(7, 30), "2024-05-14T11:15:00", "2024-05-14T11:30:00"),  # EDT = UTC-4
])
def test_the_digest_goes_out_once_after_the_users_local_time(
        schedule_settings, fake_telegram: FakeTelegram, db, user, tz, daily, before, at):
    _zone(db, user, tz, daily_time=daily)

    early = run_daily_digest(schedule_settings, utc(before))
    assert early.skipped == {OWNER: "before the digest time"}
    assert fake_telegram.sent() == []

    report = run_daily_digest(schedule_settings, utc(at))
    assert report.sent == [OWNER]
    [message] = fake_telegram.sent()
    assert int(message["chat_id"]) == OWNER
    [text] = fake_telegram.texts()
    assert text.startswith("Digest for Monday 13 May 2024")
    assert "Are you coming to the dinner" in text  # the LLM is down: the digest still arrives
    assert "Bring <wine> & cheese" in text or "Are you coming to the dinner" in text

    retry = run_daily_digest(schedule_settings, utc(at))
    later = run_daily_digest(schedule_settings, utc(at).replace(minute=45))
    assert retry.skipped == later.skipped == {OWNER: "already sent"}
    assert len(fake_telegram.sent()) == 1
    assert fake_telegram.errors == []


def test_a_day_without_messages_is_not_sent(schedule_settings, fake_telegram, db, user):
    report = run_daily_digest(schedule_settings, utc("2024-06-02T09:00:00"))
    assert report.skipped == {OWNER: "no messages that day"}
    assert fake_telegram.sent() == []


def test_a_digest_that_could_not_be_sent_is_tried_again(schedule_settings, fake_telegram, db, user):
    fake_telegram.refuse.add("sendMessage")
    assert run_daily_digest(schedule_settings, utc("2024-05-14T09:00:00")).failed == [OWNER]
    fake_telegram.refuse.clear()
    assert run_daily_digest(schedule_settings, utc("2024-05-14T09:15:00")).sent == [OWNER]
    assert len(fake_telegram.sent()) == 2


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York"])
def test_a_reminder_repeats_per_interval_until_the_user_replies(
        schedule_settings, fake_telegram: FakeTelegram, db, user, tz):
    from nudge.features.reminders import add_reminder

    _zone(db, user, tz, reminder_interval_minutes=60)
    add_reminder(db, user_id=user, chat="Ana", due_at=datetime(2024, 5, 14, 9, 0), note="dinner?",
                 now=datetime(2024, 5, 13, 22, 0))  # 09:00 wall clock in the user's zone
    due_utc = datetime(2024, 5, 14, 9, 0, tzinfo=__import__("zoneinfo").ZoneInfo(tz)).astimezone(UTC)

    assert run_reminders(schedule_settings, due_utc.replace(minute=0, hour=due_utc.hour - 1)).sent == []
    assert run_reminders(schedule_settings, due_utc).sent == [OWNER]
    [text] = fake_telegram.texts()
    assert "Ana" in text and "dinner?" in text

    assert run_reminders(schedule_settings, due_utc).sent == []  # the retried event
    assert run_reminders(schedule_settings, due_utc.replace(minute=30)).sent == []  # same slot
    assert run_reminders(schedule_settings, due_utc.replace(hour=due_utc.hour + 1)).sent == [OWNER]
    assert len(fake_telegram.sent()) == 2

    import_export(db, parse_bytes(ANA_ANSWERED, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    assert run_reminders(schedule_settings, due_utc.replace(hour=due_utc.hour + 3)).sent == []
    assert fake_telegram.errors == []


def test_critical_messages_without_reply_are_reminded_automatically(
        schedule_settings, fake_telegram: FakeTelegram, db, user):
    set_contact_critical(db, user_id=user, name="Ana", critical=True)
    _zone(db, user, "UTC", reminder_interval_minutes=120)
    assert run_reminders(schedule_settings, utc("2024-05-14T08:00:00")).sent == [OWNER]
    assert "Are you coming to the dinner on Friday?" in fake_telegram.texts()[0]
    assert run_reminders(schedule_settings, utc("2024-05-14T08:00:00")).sent == []
    assert run_reminders(schedule_settings, utc("2024-05-14T10:00:00")).sent == [OWNER]


def test_the_scheduled_time_comes_from_the_event():
    assert scheduled_time({"scheduled_time": "2024-05-14T06:00:00Z"}) == utc("2024-05-14T06:00:00")
    assert scheduled_time({"time": "2024-05-14T06:00:00Z", "detail-type": "Scheduled Event"}) == \
        utc("2024-05-14T06:00:00")
    assert scheduled_time({}).tzinfo is not None


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_handler", ROOT / "functions" / name / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lambdas_run_the_schedules_from_scheduler_events(
        db_url, fake_telegram: FakeTelegram, db, user, monkeypatch: pytest.MonkeyPatch, tmp_path):
    from tests.fake_telegram import LambdaContext

    for name, value in telegram_env(db_url, fake_telegram).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NUDGE_DATA_DIR", str(tmp_path))
    set_contact_critical(db, user_id=user, name="Ana", critical=True)
    event = {"scheduled_time": "2024-05-14T09:00:00Z"}
    assert _load("summarize").handler(event, LambdaContext(function_name="summarize"))["sent"] == [OWNER]
    assert _load("remind").handler(event, LambdaContext(function_name="remind"))["sent"] == [OWNER]
    assert _load("summarize").handler(event, LambdaContext(function_name="summarize"))["sent"] == []
    assert len(fake_telegram.sent()) == 2


def test_the_scheduled_digest_knows_the_name_the_user_gave_the_bot(
        db_url: str, fake_telegram: FakeTelegram, db, tmp_path):
    group = (b"13/05/2024, 09:15 - Emre: Dinner on Friday?\n"
             b"13/05/2024, 09:20 - Ben: Sam, can you book the table?\n"
             b"13/05/2024, 09:21 - Ana: yes!\n")
    import_export(db, parse_bytes(group, source="WhatsApp Chat with Dinner.txt"), user_id=1, me="Sam")
    db.execute("UPDATE user_profiles SET name = 'Sam' WHERE id = %s", [ensure_user(db)])
    env = {k: v for k, v in telegram_env(db_url, fake_telegram).items() if k != "NUDGE_ME"}
    settings = load_settings(env, data_dir=tmp_path)

    assert run_daily_digest(settings, utc("2024-05-14T12:00:00")).sent == [OWNER]
    assert "❓" in fake_telegram.texts()[0]  # Ben's question to Sam waits for a reply


WEEK = b"""06/05/2024, 10:00 - Ana: Monday coffee?
08/05/2024, 10:00 - Ana: Wednesday: did you see the tickets?
12/05/2024, 20:00 - Ana: Sunday night, are you coming on Friday?
13/05/2024, 09:00 - Ana: Monday again
"""


def test_a_weekly_digest_goes_out_on_its_day_and_covers_the_seven_days(
        schedule_settings, fake_telegram: FakeTelegram, db, user):
    from nudge.features.settings import set_digest_frequency

    import_export(db, parse_bytes(WEEK, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    _zone(db, user, "Europe/Berlin")
    set_digest_frequency(db, user_id=user, text="weekly monday 08:00")
    assert run_daily_digest(schedule_settings, utc("2024-05-12T06:00:00")).skipped == {
        OWNER: "before the digest time"}  # a Sunday: not the day
    assert run_daily_digest(schedule_settings, utc("2024-05-13T06:00:00")).sent == [OWNER]
    [text] = fake_telegram.texts()
    assert text.startswith("Digest for Mon 06 May – Sun 12 May 2024")
    assert "Monday coffee?" in text or "did you see the tickets?" in text
    assert "Monday again" not in text  # the 13th belongs to next week's digest
    assert run_daily_digest(schedule_settings, utc("2024-05-13T09:00:00")).skipped == {OWNER: "already sent"}
    assert run_daily_digest(schedule_settings, utc("2024-05-14T06:00:00")).skipped == {
        OWNER: "before the digest time"}
    assert len(fake_telegram.sent()) == 1


def test_several_digests_a_day_each_cover_the_hours_since_the_previous_one(
        schedule_settings, fake_telegram: FakeTelegram, db, user):
    from nudge.features.settings import set_digest_frequency

    set_digest_frequency(db, user_id=user, text="times 09:18 12:00")  # UTC user
    assert run_daily_digest(schedule_settings, utc("2024-05-13T09:30:00")).sent == [OWNER]
    [first] = fake_telegram.texts()
    assert first.startswith("Digest for Sun 12 May 12:00–Mon 13 May 09:18")
    assert "Hi Ana!" in first and "Are you coming" not in first  # 09:15 is in, 09:20 is not
    assert run_daily_digest(schedule_settings, utc("2024-05-13T12:00:00")).sent == [OWNER]
    second = fake_telegram.texts()[1]
    assert second.startswith("Digest for Mon 13 May 09:18–12:00") and "Bring <wine> & cheese" in second
    assert run_daily_digest(schedule_settings, utc("2024-05-13T13:00:00")).skipped == {OWNER: "already sent"}


@pytest.mark.parametrize(("frequency", "reason"), [("manual", "digests only on request"),
                                                   ("off", "digests are off")])
def test_manual_and_off_digests_are_never_scheduled(
        schedule_settings, fake_telegram: FakeTelegram, db, user, frequency, reason):
    from nudge.features.settings import set_digest_frequency

    set_digest_frequency(db, user_id=user, text=frequency)
    assert run_daily_digest(schedule_settings, utc("2024-05-14T09:00:00")).skipped == {OWNER: reason}
    assert fake_telegram.sent() == []


def test_pushed_reminders_carry_control_buttons(schedule_settings, fake_telegram: FakeTelegram, db, user):
    set_contact_critical(db, user_id=user, name="Ana", critical=True)
    assert run_reminders(schedule_settings, utc("2024-05-14T08:00:00")).sent == [OWNER]
    [sent] = fake_telegram.sent()
    [row] = sent["reply_markup"]["inline_keyboard"]
    verbs = [button["callback_data"].split(":")[0] for button in row]
    assert verbs == ["snz", "clr", "ign", "sug"]
    assert all(len(button["callback_data"].encode()) <= 64 for button in row)
