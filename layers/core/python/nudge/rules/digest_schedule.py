"""When a scheduled digest is due, and which wall-clock period it covers. Pure, no I/O.

The scheduled function runs every 15 minutes for every user; this rule decides, in the user's
time zone, from the user's schedule and the end of the last period a digest covered:

- daily HH:MM: at HH:MM, the whole previous day;
- weekly DAY HH:MM: on DAY at HH:MM, the seven whole days before DAY;
- times HH:MM,HH:MM,…: at each time, what came since the previous time;
- manual (only on request) and off: never.

A slot (a local date at one of the times) stays current until the next slot or the end of its
local day, whichever comes first: a run that was late or failed catches up within that window,
one that missed it does not send stale news. A period never overlaps what an earlier digest
covered (its start is moved up to the end of the last one), and a period already covered is not
sent again, also when the user changes the schedule in between.

Slots are wall-clock times in the user's zone, compared as instants (UTC): on a spring-forward day
a time inside the gap fires at the first instant after it; on a fall-back day a repeated time fires
once (its first occurrence). Periods are wall clock, like the messages' `sent_at`: a day is a day,
23 or 25 hours long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from nudge.errors import InputError

FREQUENCIES = ("daily", "weekly", "times", "manual", "off")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_WORDS = {
    **{name: n for n, name in enumerate(WEEKDAYS, 1)},
    **{name[:3]: n for n, name in enumerate(WEEKDAYS, 1)},
    **{name: n for n, name in enumerate(
        ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"), 1)},
    **{name: n for n, name in enumerate(
        ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"), 1)},
    "miercoles": 3, "sabado": 6,
}
_FREQUENCY_WORDS = {
    "daily": "daily", "day": "daily", "täglich": "daily", "diario": "daily",
    "weekly": "weekly", "week": "weekly", "wöchentlich": "weekly", "semanal": "weekly",
    "times": "times", "at": "times", "several": "times",
    "manual": "manual", "manually": "manual", "manuell": "manual",
    "off": "off", "never": "off", "aus": "off", "no": "off",
}
MAX_TIMES = 12


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """A user's digest frequency (summary_preferences): `times` holds one time for daily and
    weekly (daily_time) and the list for `times`; weekday is ISO (1 = Monday), used by weekly."""

    frequency: str = "daily"
    times: tuple[time, ...] = (time(8, 0),)
    weekday: int = 1

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise InputError(f"unknown digest frequency {self.frequency!r}: "
                             f"one of {', '.join(FREQUENCIES)}")
        if not 1 <= self.weekday <= 7:
            raise InputError(f"a weekday is 1 (Monday) to 7 (Sunday), got {self.weekday}")
        if self.frequency in ("daily", "weekly", "times") and not self.times:
            raise InputError(f"a {self.frequency} digest needs a time")
        if len(self.times) > MAX_TIMES:
            raise InputError(f"at most {MAX_TIMES} digest times a day")

    def describe(self) -> str:
        """'daily at 08:00', 'weekly on Sunday at 18:00', 'at 08:00, 13:00', 'manual only', 'off'."""
        first = f"{self.times[0]:%H:%M}" if self.times else ""
        match self.frequency:
            case "daily":
                return f"daily at {first}"
            case "weekly":
                return f"weekly on {WEEKDAYS[self.weekday - 1].title()} at {first}"
            case "times":
                return "at " + ", ".join(f"{t:%H:%M}" for t in self.times)
            case "manual":
                return "manual only"
        return "off"

    def to_json(self) -> dict[str, object]:
        return {"frequency": self.frequency, "times": [f"{t:%H:%M}" for t in self.times],
                "weekday": WEEKDAYS[self.weekday - 1], "description": self.describe()}


@dataclass(frozen=True, slots=True)
class DuePeriod:
    """A digest to send now: the slot that fell due (aware) and the wall-clock period it covers."""

    slot: datetime
    since: datetime  # naive wall clock, inclusive
    until: datetime  # naive wall clock, exclusive


@dataclass(frozen=True, slots=True)
class Decision:
    due: DuePeriod | None
    reason: str  # why nothing is due ("" when due)


def parse_time(value: str) -> time:
    """'7:30', '07.30', '7h', '7pm', '19:00' -> a time; InputError otherwise."""
    found = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?", value.strip().lower())
    if not found:
        raise InputError(f"Not a time: '{value}'. Example: 07:30")
    hour, minute = int(found[1]), int(found[2] or 0)
    hour += 12 if found[3] == "pm" and hour < 12 else 0
    hour -= 12 if found[3] == "am" and hour == 12 else 0
    if hour > 23 or minute > 59:
        raise InputError(f"Not a time: '{value}'. Example: 07:30")
    return time(hour, minute)


def parse_weekday(value: str) -> int:
    """'sunday', 'Sun', 'sonntag', 'domingo', '7' -> ISO weekday."""
    word = value.strip().lower().rstrip(".")
    if word.isdigit() and 1 <= int(word) <= 7:
        return int(word)
    if word in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[word]
    raise InputError(f"Not a weekday: '{value}'. Example: sunday")


def parse_schedule(text: str, *, current: DigestSchedule | None = None) -> DigestSchedule:
    """The words of `/settings digest …` or `nudge settings digest …`:
    'daily [07:30]', 'weekly [sunday] [18:00]', 'times 08:00,13:00,19:00' (or just the times),
    'manual', 'off'. What is left out is kept from `current`."""
    current = current or DigestSchedule()
    words = [w for w in re.split(r"[\s,;]+", text.strip()) if w and w.lower() not in ("on", "am", "um")]
    head = words[0].lower() if words else ""
    frequency = _FREQUENCY_WORDS.get(head)
    if frequency is None and not re.match(r"\d", head):
        raise InputError((f"Unknown digest frequency '{words[0]}'. " if words else "")
                         + "Try: daily 08:00 · weekly sunday 18:00 · times 08:00,13:00,19:00 · "
                           "manual · off")
    rest = words[1:]
    if frequency is None:  # "08:00 13:00": times alone
        frequency, rest = "times", words
    keep_time = current.times[:1] or (time(8, 0),)
    if frequency in ("manual", "off"):
        if rest:
            raise InputError(f"'{frequency}' takes nothing after it")
        return DigestSchedule(frequency, current.times or keep_time, current.weekday)
    if frequency == "daily":
        if len(rest) > 1:
            raise InputError("A daily digest has one time. Example: daily 07:30")
        return DigestSchedule("daily", (parse_time(rest[0]),) if rest else keep_time, current.weekday)
    if frequency == "weekly":
        weekday, times = current.weekday, keep_time
        for word in rest:
            if re.fullmatch(r"[1-7]|[^\d].*", word, flags=re.IGNORECASE):
                weekday = parse_weekday(word)
            else:
                times = (parse_time(word),)
        return DigestSchedule("weekly", times, weekday)
    if not rest:
        raise InputError("At which times? Example: times 08:00,13:00,19:00")
    times = tuple(sorted({parse_time(word) for word in rest}))
    return DigestSchedule("times", times, current.weekday)


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    """`day` at `at` in `tz` as an aware datetime (fold 0: a repeated time's first occurrence)."""
    return datetime.combine(day, at).replace(tzinfo=tz)


def _instant(moment: datetime) -> datetime:
    """For comparisons: aware datetimes sharing a tzinfo compare by wall clock, not as instants."""
    return moment.astimezone(UTC)


def _slot_days(schedule: DigestSchedule, today: date) -> list[date]:
    """Local dates that may hold the latest slot, newest first."""
    days = [today - timedelta(days=n) for n in range(8)]
    if schedule.frequency == "weekly":
        return [d for d in days if d.isoweekday() == schedule.weekday]
    return days


def _slots(schedule: DigestSchedule, tz: tzinfo, today: date) -> list[datetime]:
    """Every slot from a week before `today` to the end of `today`, oldest first."""
    return sorted((_local(d, t, tz) for d in _slot_days(schedule, today) for t in schedule.times),
                  key=_instant)


def _period(schedule: DigestSchedule, slot: datetime, previous: datetime | None) -> tuple[datetime, datetime]:
    """The wall-clock period a slot's digest covers."""
    midnight = datetime.combine(slot.date(), time(0, 0))
    if schedule.frequency == "daily":
        return midnight - timedelta(days=1), midnight
    if schedule.frequency == "weekly":
        return midnight - timedelta(days=7), midnight
    until = slot.replace(tzinfo=None)
    since = previous.replace(tzinfo=None) if previous else until - timedelta(days=1)
    return since, until


def digest_due(schedule: DigestSchedule, *, now: datetime, tz: tzinfo,
               last_until: datetime | None) -> Decision:
    """Is a scheduled digest due at `now` (aware) for a user in `tz`, whose last digest covered
    the wall-clock time up to `last_until` (None: never)? See the module docstring."""
    if now.tzinfo is None:
        raise InputError("now must carry a time zone")
    if schedule.frequency == "off":
        return Decision(None, "digests are off")
    if schedule.frequency == "manual":
        return Decision(None, "digests only on request")
    local_now = now.astimezone(tz)
    slots = _slots(schedule, tz, local_now.date())
    past = [s for s in slots if _instant(s) <= _instant(now)]
    if not past:
        return Decision(None, "before the digest time")
    slot = past[-1]
    later = [s for s in slots if _instant(s) > _instant(slot)]
    end_of_day = _local(slot.date() + timedelta(days=1), time(0, 0), tz)
    window_end = min([_instant(end_of_day), *(_instant(s) for s in later[:1])])
    if _instant(now) >= window_end:
        return Decision(None, "before the digest time")
    previous = past[-2] if len(past) > 1 else None
    since, until = _period(schedule, slot, previous)
    if last_until is not None:
        if until <= last_until:
            return Decision(None, "already sent")
        since = max(since, last_until)
    return Decision(DuePeriod(slot, since, until), "")
