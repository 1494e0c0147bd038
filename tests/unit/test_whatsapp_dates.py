"""Date order, years and clocks: decided over the whole file, never from one line."""

from __future__ import annotations

from datetime import time

import pytest

from nudge.errors import ParseError
from nudge.whatsapp import parse_bytes
from nudge.whatsapp.dates import decide_order, read_date, read_time


def order_of(*dates: str, us_default: bool = False) -> str | None:
    return decide_order([read_date(d) for d in dates], us_default=us_default)


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        pytest.param(("26/11/2024",), "dmy", id="day-over-12-first"),
        pytest.param(("11/26/2024",), "mdy", id="day-over-12-second"),
        pytest.param(("2024/11/26",), "ymd", id="four-digit-year-first"),
        pytest.param(("24/11/26",), "dmy", id="all-two-digit-ambiguous-defaults-dmy"),
        pytest.param(("01/11/2024", "02/11/2024", "03/11/2024"), "dmy",
                     id="first-field-changes-most"),
        pytest.param(("11/01/2024", "11/02/2024", "11/03/2024"), "mdy",
                     id="second-field-changes-most"),
        pytest.param(("12/11/2024", "01/12/2024"), "dmy", id="chronology-dmy"),
        pytest.param(("11/12/2024", "12/01/2024"), "mdy", id="chronology-mdy"),
        pytest.param(("05/06/2024",), "dmy", id="single-ambiguous-date"),
    ],
)
def test_date_order_is_decided_over_all_dates(dates, expected):
    assert order_of(*dates) == expected


def test_us_style_headers_break_a_tie_towards_month_first():
    assert order_of("05/06/2024", us_default=True) == "mdy"


def test_no_order_fits_dates_that_contradict_each_other():
    assert order_of("26/11/2024", "11/26/2024") is None


def test_the_order_of_a_file_comes_from_later_lines_too():
    text = "01/02/2024, 10:00 - Emre: a\n01/15/2024, 10:00 - Emre: b\n"
    export = parse_bytes(text.encode(), source="chat.txt")
    assert export.date_order == "mdy"
    assert export.messages[0].to_json()["sent_at"] == "2024-01-02T10:00:00"


@pytest.mark.parametrize(
    ("override", "sent_at"),
    [("dmy", "2024-02-01T10:00:00"), ("mdy", "2024-01-02T10:00:00"),
     ("ymd", "2001-02-24T10:00:00")],
)
def test_date_order_can_be_overridden(override, sent_at):
    export = parse_bytes(b"01/02/24, 10:00 - Emre: a\n", source="chat.txt", date_order=override)
    assert export.messages[0].to_json()["sent_at"] == sent_at


def test_an_override_that_makes_impossible_dates_is_a_parse_error_with_a_line():
    text = b"26/11/2024, 10:00 - Emre: a\n"
    with pytest.raises(ParseError, match=r"chat.txt:1: .*mdy"):
        parse_bytes(text, source="chat.txt", date_order="mdy")


@pytest.mark.parametrize(
    ("date", "year"),
    [("26/11/2567", 2024), ("26/11/2567 BE", 2024), ("26/11/67 BE", 2024), ("26/11/24", 2024),
     ("26/11/2024", 2024)],
)
def test_years_are_gregorian(date, year):
    from nudge.whatsapp.dates import to_date
    assert to_date(read_date(date), "dmy").year == year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:32", time(12, 32)), ("9.05", time(9, 5)), ("12:32:35", time(12, 32, 35)),
        ("12:05 AM", time(0, 5)), ("12:05 pm", time(12, 5)), ("1:05\u202fPM", time(13, 5)),
        ("9:15 a. m.", time(9, 15)), ("9:15 p. m.", time(21, 15)),
        ("3:45 nachm.", time(15, 45)), ("3:45 vorm.", time(3, 45)), ("下午3:45", time(15, 45)),
        ("오전 9:00", time(9, 0)), ("3:45 م", time(15, 45)),
    ],
)
def test_times_of_day_read_in_24_hours(text, expected):
    assert read_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "12:61", "13:00 PM", "10:00 xyz"])
def test_impossible_times_are_rejected(text):
    with pytest.raises(ValueError):
        read_time(text)


def test_an_impossible_time_in_a_file_is_a_parse_error_naming_the_line():
    text = b"26/11/2024, 10:00 - Emre: a\n26/11/2024, 25:00 - Emre: b\n"
    with pytest.raises(ParseError, match=r"chat.txt:2:"):
        parse_bytes(text, source="chat.txt")
