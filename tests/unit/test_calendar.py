"""Plans as an .ics file: parsed back with icalendar, field by field."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from nudge.rules.calendar import plans_to_ics
from nudge.rules.plans import Plan, find_plans

BERLIN = ZoneInfo("Europe/Berlin")
SAID = datetime(2024, 5, 13, 18, 0)


def plan(text: str, *, message_id: int | None = 7, sender: str = "Ana", said_at: datetime = SAID) -> Plan:
    found = find_plans(text, said_at=said_at, tz=BERLIN, sender=sender, message_id=message_id)
    assert len(found) == 1, found
    return found[0]


def events(ics: bytes) -> list:
    return Calendar.from_ical(ics).walk("VEVENT")


def test_a_timed_plan_becomes_an_event_in_the_users_zone() -> None:
    [event] = events(plans_to_ics([plan("party Thursday 20:00 at Rui's, music off at 23:00")]))
    assert event.decoded("dtstart") == datetime(2024, 5, 16, 20, 0, tzinfo=BERLIN)
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtend") == datetime(2024, 5, 16, 23, 0, tzinfo=BERLIN)
    assert str(event["summary"]) == "party at Rui's"
    assert str(event["location"]) == "Rui's"
    assert str(event["description"]) == "Ana: party Thursday 20:00 at Rui's, music off at 23:00"
    assert str(event["uid"]) == "7-20240516T200000+0200@nudge"
    assert event.decoded("dtstamp") == datetime(2024, 5, 13, 16, 0, tzinfo=ZoneInfo("UTC"))


def test_the_file_carries_a_vtimezone_for_every_tzid() -> None:
    cal = Calendar.from_ical(plans_to_ics([plan("dinner Friday at 8")]))
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(cal["x-wr-calname"]) == "Nudge"
    assert str(cal["version"]) == "2.0"


def test_a_plan_with_no_end_lasts_two_hours() -> None:
    [event] = events(plans_to_ics([plan("dinner Friday at 8")]))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)


def test_an_all_day_plan_is_a_date_event_without_a_location_when_none_was_said() -> None:
    [event] = events(plans_to_ics([plan("party on Saturday")]))
    assert event["dtstart"].params["VALUE"] == "DATE"
    assert event.decoded("dtstart") == date(2024, 5, 18)
    assert event.decoded("dtend") == date(2024, 5, 19)
    assert "location" not in event
    assert str(event["uid"]) == "7-20240518@nudge"


def test_exporting_twice_gives_the_same_bytes_and_uids() -> None:
    plans = [plan("party Thursday 20:00 at Rui's"), plan("Grillen am Samstag bei Tom", message_id=None)]
    first, second = plans_to_ics(plans), plans_to_ics(plans)
    assert first == second
    assert len({str(e["uid"]) for e in events(first)}) == 2


def test_a_plan_without_message_id_gets_a_uid_from_who_said_what_when() -> None:
    one = plan("Grillen am Samstag bei Tom", message_id=None, sender="Tom")
    other = plan("Grillen am Samstag bei Tom", message_id=None, sender="Ana")
    [a], [b] = events(plans_to_ics([one])), events(plans_to_ics([other]))
    assert str(a["uid"]).endswith("-20240518@nudge")
    assert a["uid"] != b["uid"]


def test_a_dst_shifted_plan_round_trips_with_the_summer_offset() -> None:
    [event] = events(plans_to_ics([plan("flight tomorrow at 02:30", said_at=datetime(2024, 3, 30, 12))]))
    assert event.decoded("dtstart").isoformat() == "2024-03-31T03:30:00+02:00"


def test_text_with_commas_semicolons_and_newlines_survives_the_round_trip() -> None:
    text = "cena el viernes a las 21h; traed vino, pan\ny postre 🎉"
    [event] = events(plans_to_ics([plan(text, sender="Lucía")]))
    assert str(event["description"]) == f"Lucía: {text}"


def test_no_plans_is_a_valid_empty_calendar_with_its_name() -> None:
    cal = Calendar.from_ical(plans_to_ics([], calendar_name="Family"))
    assert cal.walk("VEVENT") == []
    assert str(cal["x-wr-calname"]) == "Family"
