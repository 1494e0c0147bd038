"""Time words in English, German and Spanish, in one place: when a reminder is due ("tonight",
"in 2 Stunden", "mañana a las 18:00") and which past day a digest request names ("gestern").

Pure functions: "now" and the time zone are arguments.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nudge.errors import InputError

_UNITS = {
    "minute": 1, "minutes": 1, "min": 1, "mins": 1, "m": 1, "minuten": 1, "minute(n)": 1,
    "minuto": 1, "minutos": 1, "hour": 60, "hours": 60, "h": 60, "hr": 60, "hrs": 60,
    "stunde": 60, "stunden": 60, "std": 60, "hora": 60, "horas": 60, "day": 1440, "days": 1440,
    "tag": 1440, "tage": 1440, "tagen": 1440, "día": 1440, "días": 1440, "dia": 1440, "dias": 1440,
    "week": 10080, "weeks": 10080, "woche": 10080, "wochen": 10080, "semana": 10080,
    "semanas": 10080,
}
_ONE = {"a": 1, "an": 1, "one": 1, "ein": 1, "eine": 1, "einer": 1, "einem": 1, "un": 1,
        "una": 1, "half an": 0.5, "half a": 0.5, "einer halben": 0.5, "media": 0.5}
_RELATIVE_RE = re.compile(
    r"\b(?:in|en)\s+(\d+(?:[.,]\d+)?(?=\s*[a-zäöüéíá])|(?:half an|half a|einer halben|an|a|one|"
    r"einer|einem|eine|una|un|media)(?=\s))\s*("
    + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")\b")
_CLOCK_RE = re.compile(
    r"(?:\b(?:at|um|a las|a la|@)\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|uhr|h)?\b"
    r"|\b(\d{1,2})(?:[:.](\d{2}))\s*(am|pm|uhr|h)?(?!\w)"
    r"|\b(\d{1,2})\s*(am|pm|uhr)\b)")
_PARTS = [  # (pattern, time of day); "por la mañana" before "mañana" means tomorrow
    (r"por la mañana|in the morning|\bmorning\b|\bfrüh\b|vormittag", time(9, 0)),
    (r"\bnoon\b|\bmittag\b|mediodía", time(12, 0)),
    (r"afternoon|nachmittag|por la tarde|esta tarde", time(15, 0)),
    (r"tonight|evening|\babend\b|\bnoche\b|\bnight\b", time(20, 0)),
]
WEEKDAYS = [("monday", "montag", "lunes"), ("tuesday", "dienstag", "martes"),
             ("wednesday", "mittwoch", "miércoles"), ("thursday", "donnerstag", "jueves"),
             ("friday", "freitag", "viernes"), ("saturday", "samstag", "sábado"),
             ("sunday", "sonntag", "domingo")]
WEEKDAY_NUMBER = {name: number for number, names in enumerate(WEEKDAYS) for name in names}
_DEFAULT_TIME = time(9, 0)


def _clock(text: str) -> time | None:
    m = _CLOCK_RE.search(text)
    if not m:
        return None
    groups = next(g for g in (m.group(1, 2, 3), m.group(4, 5, 6), (m.group(7), None, m.group(8)))
                  if g[0] is not None)
    hour, minute, suffix = int(groups[0]), int(groups[1] or 0), groups[2]
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise InputError(f"not a time of day: {m.group(0).strip()!r}")
    return time(hour, minute)


def _day_offset(text: str, today: date) -> int | None:
    if re.search(r"day after tomorrow|übermorgen|pasado mañana", text):
        return 2
    if re.search(r"\btomorrow\b|\btmrw\b|\bmorgen\b|(?<!la )\bmañana\b", text):
        return 1
    if re.search(r"\btoday\b|\bheute\b|\bhoy\b|tonight|esta noche|esta tarde", text):
        return 0
    for number, names in enumerate(WEEKDAYS):
        if any(re.search(rf"\b{name}\b", text) for name in names):
            return (number - today.weekday() - 1) % 7 + 1
    return None


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """When the user means, as an aware datetime in `tz`.

    Relative spans ("in 2 hours") count elapsed time (right across DST changes); days and clock
    times are wall clock in `tz`. A clock time already past today means tomorrow; "tonight" is
    20:00, "tomorrow" alone 09:00. Raises InputError when nothing in the text names a time.
    """
    if now.tzinfo is None:
        raise InputError("now must carry a time zone")
    said = " ".join(text.casefold().split())
    local_now = now.astimezone(tz)
    if re.fullmatch(r"now|jetzt|ahora", said):
        return local_now
    if m := _RELATIVE_RE.search(said):
        amount = _ONE.get(m.group(1))
        count = amount if amount is not None else float(m.group(1).replace(",", "."))
        delta = timedelta(minutes=count * _UNITS[m.group(2)])
        return (now.astimezone(UTC) + delta).astimezone(tz)
    if m := re.search(r"\b(\d{4}-\d{2}-\d{2})(?:[t ](\d{1,2}:\d{2}))?\b", said):
        try:
            day = date.fromisoformat(m.group(1))
            at = time.fromisoformat(m.group(2).zfill(5)) if m.group(2) else _DEFAULT_TIME
        except ValueError:
            raise InputError(f"{m.group(0)!r} is not a real date and time; try "
                             "'2024-02-29 18:00'") from None
        return datetime.combine(day, at, tzinfo=tz)
    offset = _day_offset(said, local_now.date())
    at = _clock(said)
    part = next((t for pattern, t in _PARTS if re.search(pattern, said)), None)
    if offset is None and at is None and part is None:
        raise InputError(f"cannot tell when {text.strip()!r} is; try 'tonight', 'tomorrow 9am', "
                         "'in 2 hours' or 'at 18:00'")
    if at is None and part is None and offset == 0:  # "today": later today
        return (now.astimezone(UTC) + timedelta(hours=3)).astimezone(tz)
    if at is None and part == time(20, 0) and offset in (None, 0) and local_now.time() >= part:
        return (now.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)  # "tonight", late
    at = at or part or _DEFAULT_TIME
    day = local_now.date() + timedelta(days=offset or 0)
    when = datetime.combine(day, at, tzinfo=tz)
    if offset is None and when <= local_now:
        when = datetime.combine(day + timedelta(days=1), at, tzinfo=tz)
    return when


PAST_DAY_WORDS: dict[str, int] = {
    "today": 0, "heute": 0, "hoy": 0,
    "yesterday": 1, "gestern": 1, "ayer": 1,
    "day before yesterday": 2, "vorgestern": 2, "anteayer": 2, "antes de ayer": 2,
}
_PAST_DAY_RE = re.compile(
    r"\b(?P<day>\d{4}-\d{2}-\d{2}|day before yesterday|antes de ayer|"
    + "|".join(sorted((*PAST_DAY_WORDS, *WEEKDAY_NUMBER), key=len, reverse=True)) + r")\b", re.IGNORECASE)


def day_named(text: str) -> str | None:
    """The day words in `text` ("yesterday", "2024-05-01", "lunes"), if any."""
    found = _PAST_DAY_RE.search(text or "")
    return found["day"] if found else None


def resolve_day(text: str, today: date) -> date | None:
    """The day a digest request names: ISO date, today/yesterday (3 languages), or the last such
    weekday; None when the text names no day."""
    found = _PAST_DAY_RE.search(text or "")
    if not found:
        return None
    word = found["day"].lower()
    if word[0].isdigit():
        try:
            return date.fromisoformat(word)
        except ValueError:
            return None
    if word in PAST_DAY_WORDS:
        return today - timedelta(days=PAST_DAY_WORDS[word])
    back = (today.weekday() - WEEKDAY_NUMBER[word]) % 7 or 7
    return today - timedelta(days=back)
