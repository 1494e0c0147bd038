"""Dates and times as exports write them: any field order, 2- or 4-digit and Buddhist-era years,
12-hour clocks with AM/PM or a day-period word in the phone's language.

Each distinct date or time string is parsed once (a chat has few), so clarity beats speed here;
the day/month order is decided over all dates of the file, never from one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time
from itertools import pairwise
from typing import NamedTuple

ORDERS = ("dmy", "mdy", "ymd")
BUDDHIST_ERA_OFFSET = 543

# Day-period words after (or, in East Asian locales, before) a 12-hour time, normalised by
# `_period_key`; the value says whether the word means afternoon/evening (PM).
PERIODS: dict[str, bool] = {
    "am": False, "pm": True,
    "vorm": False, "nachm": True, "morgens": False, "mittags": True, "abends": True,
    "nachts": False,  # German
    "vm": False, "nm": True,  # Afrikaans
    "fm": False, "em": True,  # Swedish
    "ap": False, "ip": True,  # Finnish
    "de": False, "du": True,  # Hungarian
    "dop": False, "odp": True,  # Czech
    "öö": False, "ös": True,  # Turkish
    "πμ": False, "μμ": True,  # Greek
    "sa": False, "ch": True,  # Vietnamese
    "ص": False, "م": True,  # Arabic
    "上午": False, "下午": True, "午前": False, "午後": True, "오전": False, "오후": True,
}
# The same words as a regex for the header grammar (headers.py); longest first so `a.m.` wins over `a`.
PERIOD_PATTERN = (
    r"(?:[AaPp]\.?[ \u00a0\u202f]?[Mm]\.?"
    r"|vorm\.|nachm\.|morgens|mittags|abends|nachts|vm\.|nm\.|fm|em|ap\.|ip\.|de\.|du\."
    r"|dop\.|odp\.|ÖÖ|ÖS|öö|ös|π\.μ\.|μ\.μ\.|SA|CH|ص|م)"
)
PERIOD_BEFORE_PATTERN = r"(?:上午|下午|午前|午後|오전|오후)"

_DIGITS = re.compile(r"\d+")
_NOT_PERIOD = re.compile(r"[\d\s:.\u00a0\u202f\u200e\u200f]+")


class RawDate(NamedTuple):
    """A date's three numbers in written order, before we know which is the day."""

    a: int
    b: int
    c: int
    a_digits: int
    c_digits: int
    buddhist: bool  # marked "BE"; years past 2400 count as Buddhist era without the mark too


def read_date(text: str) -> RawDate:
    """The numbers of a date string such as `26/11/2024`, `26.11.24`, `2024-11-26` or `‏26‏/11‏/2567 BE`."""
    parts = _DIGITS.findall(text)
    if len(parts) != 3:
        raise ValueError(f"not a date: {text!r}")
    a, b, c = parts
    return RawDate(int(a), int(b), int(c), len(a), len(c), "BE" in text)


def decide_order(dates: Sequence[RawDate], *, us_default: bool = False) -> str | None:
    """The field order that fits every date, or None when none does.

    When several fit, prefer the one under which the chat runs forward in time, then the one whose
    day field changes more often than its month field; else `mdy` for US-style headers (12-hour
    clock with slashes, `us_default`) and `dmy` everywhere else.
    """
    candidates = [order for order in ORDERS if all(_fits(d, order) for d in dates)]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    backwards = {order: _backward_steps(dates, order) for order in candidates}
    fewest = min(backwards.values())
    candidates = [order for order in candidates if backwards[order] == fewest]
    if len(candidates) > 1:
        churn = {order: _day_churn(dates, order) for order in candidates}
        most = max(churn.values())
        if sum(1 for v in churn.values() if v == most) == 1:
            return max(churn, key=churn.__getitem__)
    if us_default and "mdy" in candidates:
        return "mdy"
    return candidates[0]


def to_date(raw: RawDate, order: str) -> date:
    """The calendar date under `order`; ValueError when there is no such day."""
    year, month, day = _ymd(raw, order)
    return date(year, month, day)


def read_time(text: str) -> time:
    """`12:32`, `9.05`, `12:32:35 PM`, `3:45 nachm.`, `下午3:45` → the time of day (24-hour)."""
    parts = _DIGITS.findall(text)
    if len(parts) not in (2, 3):
        raise ValueError(f"not a time: {text!r}")
    hour, minute = int(parts[0]), int(parts[1])
    second = int(parts[2]) if len(parts) == 3 else 0
    key = _NOT_PERIOD.sub("", text).casefold()
    if key:
        pm = PERIODS.get(key)
        if pm is None or not 1 <= hour <= 12:
            raise ValueError(f"not a 12-hour time: {text!r}")
        hour = hour % 12 + (12 if pm else 0)
    return time(hour, minute, second)  # ValueError past 23:59:59


def _ymd(raw: RawDate, order: str) -> tuple[int, int, int]:
    if order == "ymd":
        return _year(raw.a, raw.a_digits, raw.buddhist), raw.b, raw.c
    year = _year(raw.c, raw.c_digits, raw.buddhist)
    return (year, raw.b, raw.a) if order == "dmy" else (year, raw.a, raw.b)


def _year(value: int, digits: int, buddhist: bool) -> int:
    if digits <= 2:
        value += 2500 if buddhist else 2000
    if buddhist or value >= 2400:
        value -= BUDDHIST_ERA_OFFSET
    return value


def _fits(raw: RawDate, order: str) -> bool:
    if raw.a_digits >= 3 and order != "ymd":
        return False  # a 4-digit first field is the year
    if raw.c_digits >= 3 and order == "ymd":
        return False
    _, month, day = _ymd(raw, order)
    return 1 <= month <= 12 and 1 <= day <= 31


def _backward_steps(dates: Sequence[RawDate], order: str) -> int:
    keyed = [_ymd(d, order) for d in dates]
    return sum(1 for before, after in pairwise(keyed) if after < before)


def _day_churn(dates: Sequence[RawDate], order: str) -> int:
    """How much more often the day field changes than the month field between consecutive dates."""
    keyed = [_ymd(d, order) for d in dates]
    pairs = list(pairwise(keyed))
    return sum(a[2] != b[2] for a, b in pairs) - sum(a[1] != b[1] for a, b in pairs)
