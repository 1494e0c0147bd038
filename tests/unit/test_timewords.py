"""parse_when: the times people say in English, German and Spanish, in two time zones
(pure, no database; it lives with the reminders it serves)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nudge.errors import InputError
from nudge.rules.timewords import parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 11, 26, 13, 0, tzinfo=UTC)  # Tuesday: 14:00 in Berlin, 08:00 in New York

TABLE = [  # (said, Berlin wall clock, New York wall clock)
    ("tonight", "2024-11-26 20:00", "2024-11-26 20:00"),
    ("tomorrow", "2024-11-27 09:00", "2024-11-27 09:00"),
    ("in 2 hours", "2024-11-26 16:00", "2024-11-26 10:00"),
    ("in 30 min", "2024-11-26 14:30", "2024-11-26 08:30"),
    ("at 18:00", "2024-11-26 18:00", "2024-11-26 18:00"),
    ("at 9:00", "2024-11-27 09:00", "2024-11-26 09:00"),  # already past in Berlin
    ("tomorrow 9am", "2024-11-27 09:00", "2024-11-27 09:00"),
    ("tomorrow at 6pm", "2024-11-27 18:00", "2024-11-27 18:00"),
    ("remind me to answer Ben tonight", "2024-11-26 20:00", "2024-11-26 20:00"),
    ("in an hour", "2024-11-26 15:00", "2024-11-26 09:00"),
    ("friday", "2024-11-29 09:00", "2024-11-29 09:00"),
    ("heute Abend", "2024-11-26 20:00", "2024-11-26 20:00"),
    ("morgen", "2024-11-27 09:00", "2024-11-27 09:00"),
    ("in 2 Stunden", "2024-11-26 16:00", "2024-11-26 10:00"),
    ("in einer Stunde", "2024-11-26 15:00", "2024-11-26 09:00"),
    ("morgen um 18 Uhr", "2024-11-27 18:00", "2024-11-27 18:00"),
    ("morgen früh", "2024-11-27 09:00", "2024-11-27 09:00"),
    ("esta noche", "2024-11-26 20:00", "2024-11-26 20:00"),
    ("mañana", "2024-11-27 09:00", "2024-11-27 09:00"),
    ("en 2 horas", "2024-11-26 16:00", "2024-11-26 10:00"),
    ("mañana a las 18:00", "2024-11-27 18:00", "2024-11-27 18:00"),
    ("mañana por la noche", "2024-11-27 20:00", "2024-11-27 20:00"),
    ("pasado mañana", "2024-11-28 09:00", "2024-11-28 09:00"),
]


@pytest.mark.parametrize(("said", "berlin", "new_york"), TABLE)
def test_what_people_say_becomes_a_wall_clock_time_in_the_users_zone(
        said: str, berlin: str, new_york: str) -> None:
    for tz, expected in ((BERLIN, berlin), (NEW_YORK, new_york)):
        when = parse_when(said, now=NOW, tz=tz)
        assert when.tzinfo is tz
        assert when.strftime("%Y-%m-%d %H:%M") == expected, (said, tz)


def test_tonight_said_late_in_the_evening_means_in_an_hour() -> None:
    late = datetime(2024, 11, 26, 22, 30, tzinfo=BERLIN)
    assert parse_when("tonight", now=late, tz=BERLIN) == datetime(2024, 11, 26, 23, 30,
                                                                  tzinfo=BERLIN)


def test_spans_count_elapsed_time_and_days_keep_the_wall_clock_across_dst() -> None:
    before = datetime(2024, 3, 9, 22, 0, tzinfo=NEW_YORK)  # the clocks go forward at 02:00
    assert parse_when("in 6 hours", now=before, tz=NEW_YORK).strftime("%d %H:%M %Z") == \
        "10 05:00 EDT"
    assert parse_when("tomorrow 9am", now=before, tz=NEW_YORK).strftime("%d %H:%M %Z") == \
        "10 09:00 EDT"


def test_text_without_a_time_is_refused_with_examples() -> None:
    with pytest.raises(InputError, match="tomorrow 9am"):
        parse_when("whenever", now=NOW, tz=BERLIN)
    with pytest.raises(InputError):
        parse_when("tonight", now=datetime(2024, 11, 26, 13, 0), tz=BERLIN)


@pytest.mark.parametrize("said", ["2024-02-30", "2024-13-01 10:00", "2024-02-10 25:00"])
def test_an_impossible_date_or_time_is_an_input_error_not_a_value_error(said: str) -> None:
    with pytest.raises(InputError, match="not a real date"):
        parse_when(said, now=NOW, tz=BERLIN)
