"""rules.digest_schedule: is a scheduled digest due now, and which wall-clock period does it cover?

GIVEN a frequency, a user's time zone, the run's UTC time and the end of the last period sent,
THEN the rule says due (with slot and period) or why not; across zones and DST changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from nudge.errors import InputError
from nudge.rules.digest_schedule import DigestSchedule, digest_due, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
DAILY_8 = DigestSchedule("daily", (time(8, 0),))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


def every_quarter(start: str, end: str) -> list[datetime]:
    """The scheduled function's ticks (every 15 minutes, UTC) from start to end."""
    moment, ticks = utc(start), []
    while moment <= utc(end):
        ticks.append(moment)
        moment += timedelta(minutes=15)
    return ticks


def simulate(schedule: DigestSchedule, tz: ZoneInfo, start: str, end: str,
             sent_until: str | None = None) -> list[tuple[datetime, datetime, datetime]]:
    """Run the rule every 15 minutes as the scheduler would, "sending" each due digest, after a
    last digest up to `sent_until` (wall clock); returns (sent at UTC, since, until) of each."""
    sent: list[tuple[datetime, datetime, datetime]] = []
    last_until = wall(sent_until) if sent_until else None
    for tick in every_quarter(start, end):
        decision = digest_due(schedule, now=tick, tz=tz, last_until=last_until)
        if decision.due:
            sent.append((tick, decision.due.since, decision.due.until))
            last_until = decision.due.until
    return sent


@pytest.mark.parametrize(("tz", "first_utc"), [
    (BERLIN, "2024-05-14T06:00:00"),  # CEST = UTC+2
    (NEW_YORK, "2024-05-14T12:00:00"),  # EDT = UTC-4
    (TOKYO, "2024-05-13T23:00:00"),  # JST = UTC+9: 08:00 on the 14th is the 13th in UTC
])
def test_a_daily_digest_is_due_once_at_the_local_time_and_covers_yesterday(tz, first_utc):
    sent = simulate(DAILY_8, tz, "2024-05-13T12:00:00", "2024-05-15T00:00:00")
    tick, since, _ = next(s for s in sent if s[2] == wall("2024-05-14T00:00:00"))
    assert tick == utc(first_utc)
    assert since == wall("2024-05-13T00:00:00")
    assert len({s[2] for s in sent}) == len(sent)  # never the same period twice


def test_before_the_time_nothing_is_due_and_after_midnight_a_missed_slot_is_not_sent_late():
    before = digest_due(DAILY_8, now=utc("2024-05-14T05:59:00"), tz=BERLIN, last_until=None)
    assert before.due is None and before.reason == "before the digest time"
    late_same_day = digest_due(DAILY_8, now=utc("2024-05-14T21:00:00"), tz=BERLIN, last_until=None)
    assert late_same_day.due is not None  # caught up the same local day
    next_night = digest_due(DAILY_8, now=utc("2024-05-14T22:30:00"), tz=BERLIN, last_until=None)
    assert next_night.due is None  # 00:30 on the 15th in Berlin: yesterday's slot is stale


def test_a_sent_period_is_not_sent_again_even_when_the_time_changes():
    sent_until = wall("2024-05-14T00:00:00")
    again = digest_due(DAILY_8, now=utc("2024-05-14T09:00:00"), tz=BERLIN, last_until=sent_until)
    assert again.due is None and again.reason == "already sent"
    moved = DigestSchedule("daily", (time(10, 0),))
    assert digest_due(moved, now=utc("2024-05-14T09:00:00"), tz=BERLIN, last_until=sent_until).due is None


def test_a_weekly_digest_comes_on_its_day_and_covers_the_seven_days_before():
    sunday_18 = DigestSchedule("weekly", (time(18, 0),), weekday=7)
    sent = simulate(sunday_18, BERLIN, "2024-05-06T00:00:00", "2024-05-27T00:00:00")
    assert [tick for tick, _, _ in sent] == [utc("2024-05-12T16:00:00"), utc("2024-05-19T16:00:00"),
                                             utc("2024-05-26T16:00:00")]
    for _, since, until in sent:
        assert until - since == timedelta(days=7)  # seven whole days
        assert since.weekday() == 6 and until.weekday() == 6  # Sunday 00:00 to Sunday 00:00
    assert sent[1][1] == sent[0][2]  # back to back: nothing missed, nothing twice


def test_several_times_a_day_each_digest_covers_the_time_since_the_previous_one():
    times = DigestSchedule("times", (time(8, 0), time(13, 0), time(19, 0)))
    sent = simulate(times, NEW_YORK, "2024-05-14T04:00:00", "2024-05-15T23:59:00")
    assert [(since, until) for _, since, until in sent] == [
        (wall("2024-05-13T19:00:00"), wall("2024-05-14T08:00:00")),
        (wall("2024-05-14T08:00:00"), wall("2024-05-14T13:00:00")),
        (wall("2024-05-14T13:00:00"), wall("2024-05-14T19:00:00")),
        (wall("2024-05-14T19:00:00"), wall("2024-05-15T08:00:00")),
        (wall("2024-05-15T08:00:00"), wall("2024-05-15T13:00:00")),
        (wall("2024-05-15T13:00:00"), wall("2024-05-15T19:00:00")),
    ]
    assert sent[0][0] == utc("2024-05-14T12:00:00")  # 08:00 EDT


def test_a_period_never_overlaps_the_last_digest_after_a_schedule_change():
    times = DigestSchedule("times", (time(12, 0), time(18, 0)))
    daily_sent_until = wall("2024-05-14T00:00:00")  # the daily digest of the 13th went out
    due = digest_due(times, now=utc("2024-05-14T10:00:00"), tz=BERLIN, last_until=daily_sent_until).due
    assert due is not None
    assert (due.since, due.until) == (wall("2024-05-14T00:00:00"), wall("2024-05-14T12:00:00"))


@pytest.mark.parametrize("frequency", ["manual", "off"])
def test_manual_and_off_are_never_due(frequency):
    schedule = DigestSchedule(frequency)
    assert simulate(schedule, BERLIN, "2024-05-13T00:00:00", "2024-05-20T00:00:00") == []
    assert digest_due(schedule, now=utc("2024-05-14T09:00:00"), tz=BERLIN, last_until=None).reason


def test_across_the_spring_forward_change_the_daily_digest_keeps_its_local_time():
    # Berlin: 31 March 2024, 02:00 CET -> 03:00 CEST.
    sent = simulate(DAILY_8, BERLIN, "2024-03-30T00:00:00", "2024-04-01T23:00:00")
    assert [tick for tick, _, _ in sent] == [utc("2024-03-30T07:00:00"),  # 08:00 CET
                                             utc("2024-03-31T06:00:00"),  # 08:00 CEST
                                             utc("2024-04-01T06:00:00")]
    assert [until for _, _, until in sent] == [wall("2024-03-30T00:00:00"), wall("2024-03-31T00:00:00"),
                                               wall("2024-04-01T00:00:00")]


def test_a_time_inside_the_spring_gap_fires_once_just_after_it():
    at_0230 = DigestSchedule("daily", (time(2, 30),))
    sent = simulate(at_0230, BERLIN, "2024-03-30T12:00:00", "2024-03-31T12:00:00",
                    sent_until="2024-03-30T00:00:00")
    [(tick, since, until)] = sent
    assert tick == utc("2024-03-31T01:30:00")  # 03:30 CEST, the first instant past 02:30 CET
    assert (since, until) == (wall("2024-03-30T00:00:00"), wall("2024-03-31T00:00:00"))


def test_a_time_repeated_by_the_fall_back_change_fires_once():
    # New York: 3 November 2024, 02:00 EDT -> 01:00 EST; 01:30 happens twice.
    at_0130 = DigestSchedule("times", (time(1, 30), time(12, 0)))
    sent = simulate(at_0130, NEW_YORK, "2024-11-03T00:00:00", "2024-11-03T20:00:00",
                    sent_until="2024-11-02T12:00:00")
    assert [tick for tick, _, _ in sent] == [utc("2024-11-03T05:30:00"),  # 01:30 EDT
                                             utc("2024-11-03T17:00:00")]  # 12:00 EST


def test_the_daily_digest_of_a_25_hour_day_still_covers_that_wall_clock_day():
    sent = simulate(DAILY_8, NEW_YORK, "2024-11-04T00:00:00", "2024-11-04T23:00:00",
                    sent_until="2024-11-03T00:00:00")
    [(tick, since, until)] = sent
    assert tick == utc("2024-11-04T13:00:00")  # 08:00 EST
    assert (since, until) == (wall("2024-11-03T00:00:00"), wall("2024-11-04T00:00:00"))


def test_a_naive_now_is_refused():
    with pytest.raises(InputError):
        digest_due(DAILY_8, now=datetime(2024, 5, 14, 9), tz=BERLIN, last_until=None)


@pytest.mark.parametrize(("text", "expected"), [
    ("daily 07:30", DigestSchedule("daily", (time(7, 30),))),
    ("daily", DigestSchedule("daily", (time(9, 0),))),  # keeps the current time
    ("weekly sunday 18:00", DigestSchedule("weekly", (time(18, 0),), 7)),
    ("weekly on Fri 7pm", DigestSchedule("weekly", (time(19, 0),), 5)),
    ("wöchentlich sonntag", DigestSchedule("weekly", (time(9, 0),), 7)),
    ("times 19:00, 08:00,13:00", DigestSchedule("times", (time(8), time(13), time(19)))),
    ("08:00 20:00", DigestSchedule("times", (time(8), time(20)))),
    ("manual", DigestSchedule("manual", (time(9, 0),))),
    ("off", DigestSchedule("off", (time(9, 0),))),
])
def test_the_settings_words_become_a_schedule(text, expected):
    assert parse_schedule(text, current=DigestSchedule("daily", (time(9, 0),))) == expected


@pytest.mark.parametrize("text", ["", "times", "daily 25:00", "weekly someday", "off now",
                                  "daily 08:00 09:00", "fortnightly", "times 8:00 noon"])
def test_malformed_schedules_are_clear_errors(text):
    with pytest.raises(InputError):
        parse_schedule(text)


def test_a_schedule_describes_itself():
    assert DigestSchedule("weekly", (time(18, 0),), 7).describe() == "weekly on Sunday at 18:00"
    assert DigestSchedule("times", (time(8), time(19))).describe() == "at 08:00, 19:00"
    assert DigestSchedule("manual").describe() == "manual only"
