"""Finding plans in a message: dates, times and places resolved against the message's own time (pure)."""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nudge.errors import InputError
from nudge.rules.plans import Plan, find_plans

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_18H = datetime(2024, 5, 13, 18, 0)  # a Monday evening, CEST (+02:00)


def plans(text: str, said_at: datetime = MONDAY_18H, tz: ZoneInfo = BERLIN) -> list[Plan]:
    return find_plans(text, said_at=said_at, tz=tz, sender="Ana", message_id=42)


def only(text: str, said_at: datetime = MONDAY_18H, tz: ZoneInfo = BERLIN) -> Plan:
    found = plans(text, said_at, tz)
    assert len(found) == 1, f"{text!r} → {found}"
    return found[0]


def at(day: int, hour: int = 0, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=BERLIN)


def test_a_party_with_a_weekday_a_time_a_place_and_an_end_is_one_plan() -> None:
    plan = only("party Thursday 20:00 at Rui's, music off at 23:00")
    assert plan.starts_at == at(16, 20)
    assert plan.starts_at.utcoffset() == timedelta(hours=2)
    assert plan.ends_at == at(16, 23)
    assert plan.place == "Rui's"
    assert plan.title == "party at Rui's"
    assert not plan.all_day
    assert (plan.sender, plan.message_id, plan.said_at) == ("Ana", 42, MONDAY_18H)


@pytest.mark.parametrize(("text", "expected"), [
    ("tomorrow at 8pm", at(14, 20)),
    ("let's meet friday 7pm", at(17, 19)),
    ("dinner on the 25th at 7pm", at(25, 19)),
    ("flight 8.30pm tomorrow", at(14, 20, 30)),
    ("morgen um 20 Uhr", at(14, 20)),
    ("Treffen am 17.05. um 19 Uhr im Café Central", at(17, 19)),
    ("Freitag morgen um 9 Arzt", at(17, 9)),
    ("heute Abend um 8 Kino?", at(13, 20)),
    ("el jueves a las 20:00", at(16, 20)),
    ("mañana a las 9", at(14, 9)),
    ("pasado mañana a las 10", at(15, 10)),
    ("cena el viernes 21h", at(17, 21)),
    ("vamos al cine hoy a las 9 de la noche", at(13, 21)),
    ("Treffen 1.6.2024 um 10", at(1, 10, month=6)),
    ("lunch 5/17 at noon", at(17, 12)),
    ("Do you want to grab dinner Friday around 8?", at(17, 20)),
    ("Samstag 14 Uhr Fußball im Park", at(18, 14)),
    ("reunión el 20 de mayo a las 10:30 en la oficina", at(20, 10, 30)),
])
def test_relative_and_explicit_dates_in_three_languages_resolve_against_the_message(
        text: str, expected: datetime) -> None:
    assert only(text).starts_at == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("on Thursday", at(16)),
    ("next Friday", at(17)),
    ("am Samstag", at(18)),
    ("nos vemos el sábado en Café Central", at(18)),
    ("am 17. Juni Grillen", at(17, month=6)),
    ("party on the 3rd", at(3, month=6)),  # the 3rd of May has passed: next month's
    ("2024-06-01 wedding", at(1, month=6)),
    ("this weekend hiking?", at(18)),
])
def test_a_date_without_a_time_is_an_all_day_plan(text: str, expected: datetime) -> None:
    plan = only(text)
    assert plan.all_day
    assert plan.starts_at == expected
    assert plan.ends_at is None


def test_a_weekday_said_on_that_weekday_means_next_week_as_dateparser_has_it() -> None:
    assert only("party on Monday").starts_at == at(20)


def test_tomorrow_said_just_before_midnight_is_the_next_calendar_day() -> None:
    plan = only("tomorrow 10:00", said_at=datetime(2024, 5, 13, 23, 50))
    assert plan.starts_at == at(14, 10)


def test_a_time_that_dst_skips_is_shifted_forward_not_a_crash() -> None:
    plan = only("tomorrow at 02:30", said_at=datetime(2024, 3, 30, 12, 0))
    assert plan.starts_at == datetime(2024, 3, 31, 3, 30, tzinfo=BERLIN)
    assert plan.starts_at.utcoffset() == timedelta(hours=2)
    assert plan.starts_at.astimezone(UTC) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_a_time_after_the_spring_forward_carries_the_summer_offset() -> None:
    plan = only("tomorrow at 10:00", said_at=datetime(2024, 3, 30, 12, 0))
    assert plan.starts_at.isoformat() == "2024-03-31T10:00:00+02:00"


def test_the_users_zone_is_the_one_the_plan_is_in() -> None:
    new_york = ZoneInfo("America/New_York")
    plan = only("dinner tomorrow at 19:00", tz=new_york)
    assert plan.starts_at.isoformat() == "2024-05-14T19:00:00-04:00"


def test_an_aware_message_time_is_read_in_the_users_zone() -> None:
    said = datetime(2024, 5, 13, 22, 30, tzinfo=UTC)  # 00:30 on Tuesday in Berlin
    assert only("tomorrow 10:00", said_at=said).starts_at == at(15, 10)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("party Saturday 22:00 until 2:00", at(18, 22), at(19, 2)),
    ("Party Freitag 20-23 Uhr bei Anna", at(17, 20), at(17, 23)),
    ("Feier am Samstag ab 19 Uhr bis 23 Uhr", at(18, 19), at(18, 23)),
    ("drinks friday 8-11pm", at(17, 20), at(17, 23)),
    ("party at 9 until 1 on Saturday", at(18, 21), at(19, 1)),
    ("clase el martes de 8:00 a 10:00", at(14, 8), at(14, 10)),
    ("fiesta el sábado a las 22:00 hasta las 3:00", at(18, 22), at(19, 3)),
])
def test_an_until_or_a_range_gives_the_end(text: str, start: datetime, end: datetime) -> None:
    plan = only(text)
    assert (plan.starts_at, plan.ends_at) == (start, end)


@pytest.mark.parametrize("text", [
    "now", "I may come", "in a second", "2 people", "see you soon", "at least 3", "it's 20€", "20.50",
    "42", "call +49 170 1234567", "the 90s were great", "haha", "ok", "", "I'll be there in 10 minutes",
    "see you in 2 hours", "Guten Morgen!", "buenos días, qué tal la mañana", "open 24/7", "rated 10/10",
    "1/2 of the pizza", "until 23:00", "bis 23 Uhr", "we came 1st", "rain on Wednesday maybe",
    "lo dejo para el lunes como siempre", "I'm so tired today", "cena para un grupo de 5 personas",
    "I woke up at 8", "Around 17 during the day",
])
def test_chat_that_fixes_nothing_is_not_a_plan(text: str) -> None:
    assert plans(text) == []


@pytest.mark.parametrize("text", [
    "yesterday we ate at Rui's", "last Friday was fun", "el viernes pasado fuimos al cine",
    "gestern um 20 Uhr Kino", "we met today at 10:00", "ayer cenamos a las 9",
])
def test_past_references_are_not_plans(text: str) -> None:
    assert plans(text) == []


def test_a_time_with_no_date_is_kept_when_something_is_planned() -> None:
    assert only("meet at 8").starts_at == at(13, 20)  # said at 18:00: this evening
    assert only("meet at 8", said_at=datetime(2024, 5, 13, 21, 0)).starts_at == at(14, 8)
    assert only("see you at 6:15", said_at=datetime(2024, 5, 13, 22, 10)).starts_at == at(14, 6, 15)


def test_a_bare_evening_hour_reads_as_the_evening() -> None:
    assert only("dinner on Friday at 8").starts_at == at(17, 20)
    assert only("breakfast on Friday at 8").starts_at == at(17, 8)
    assert only("call me Friday at 3").starts_at == at(17, 15)


def test_two_times_on_one_day_are_two_plans() -> None:
    text = "Tomorrow: cake in the morning, shopping at 16:00, we leave the flat at 19:30 for the party"
    found = plans(text)
    assert [(p.starts_at, p.title) for p in found] == [
        (at(14, 16), "shopping"), (at(14, 19, 30), "we leave the flat for the party")]


@pytest.mark.parametrize(("text", "place"), [
    ("Grillen am Samstag bei Tom", "Tom"),
    ("dinner Friday 20:00 at Café Central", "Café Central"),
    ("quedamos el sábado a las 12 en la Plaza Mayor", "Plaza Mayor"),
    ("movie night Friday at my place", "my place"),
    ("party Friday 21:00", None),
])
def test_the_place_is_what_follows_at_bei_or_en(text: str, place: str | None) -> None:
    assert only(text).place == place


def test_the_title_falls_back_to_the_message_when_it_is_only_a_date() -> None:
    assert only("tomorrow at 8pm").title == "tomorrow at 8pm"


def test_to_json_gives_iso_strings() -> None:
    data = only("party Thursday 20:00 at Rui's, music off at 23:00").to_json()
    assert data == {
        "message_id": 42, "sender": "Ana", "said_at": "2024-05-13T18:00:00",
        "text": "party Thursday 20:00 at Rui's, music off at 23:00", "title": "party at Rui's",
        "starts_at": "2024-05-16T20:00:00+02:00", "ends_at": "2024-05-16T23:00:00+02:00", "place": "Rui's",
        "all_day": False,
    }


def test_no_languages_is_an_input_error() -> None:
    with pytest.raises(InputError):
        find_plans("party Friday", said_at=MONDAY_18H, tz=BERLIN, languages=())


def test_a_day_of_two_thousand_messages_takes_well_under_a_few_seconds() -> None:
    chat = ["ok", "haha 😂", "kommst du morgen?", "nos vemos el sábado a las 9", "2 people", "20€",
            "see you soon", "meet at 8", "yesterday we ate pizza", "bin in 10 min da", "lol",
            "party Thursday 20:00 at Rui's", "wer hat das Ladekabel?", "te llamo luego", "Guten Morgen!"]
    start = clock.perf_counter()
    for i in range(2000):
        find_plans(chat[i % len(chat)], said_at=MONDAY_18H + timedelta(seconds=20 * i), tz=BERLIN)
    assert clock.perf_counter() - start < 3.0
