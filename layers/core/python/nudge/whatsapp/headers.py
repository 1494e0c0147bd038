"""The header grammar: which line starts a message, and one compiled regex per export layout.

Layouts seen in the wild:
    android   26/11/2024, 12:32 - Name: text        (also `12:32, 26/11/2024 - …`)
    ios       [26.11.24, 12:32:35] Name: text       (lines may start with U+200E)
    ios-old   26.11.14, 12:32:35: Name: text
with any of `/ . -` between date fields, `,`, `،`, nothing, `à` or `klo` between date and time,
12-hour clocks with a period word, and (in right-to-left locales) direction marks inside.

The layout is detected once from the first and last lines; the whole file is then split with a
single regex specialised to it (no period words in a 24-hour export, no marks where there are
none: each optional part costs time on every header), which keeps the hot loop in C.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from nudge.whatsapp.dates import PERIOD_BEFORE_PATTERN, PERIOD_PATTERN

FAMILIES = ("android", "ios", "ios-old")
SAMPLE_LINES = 400
SAMPLE_CHARS = 1 << 16

SPACE = r"[ \u00a0\u202f]"
MARK_CHARS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
MARK = "[" + MARK_CHARS + "]*"
_NO_MARKS = frozenset(MARK_CHARS)
_JOIN_WORDS = r"(?:à|klo|kl\.|um|a las|às|alle|om|o)"
_SEPARATORS = {"/": "/", ".": r"\.", "-": "-", ":": ":"}


@dataclass(frozen=True, slots=True)
class Layout:
    """How one export writes its message headers."""

    family: str  # android | ios | ios-old
    time_first: bool = False  # `12:32, 26/11/2024 - …`
    date_sep: str = "/"
    time_sep: str = ":"  # `12.32` in Finnish and a few other locales
    marks: bool = False  # direction marks in the header (right-to-left locales)
    periods: bool = False  # a 12-hour clock: AM/PM or a day-period word next to the time
    join_words: tuple[str, ...] = ()  # `à`, `klo`… between date and time
    buddhist: bool = False  # `26/11/2567 BE`

    def splitter(self) -> re.Pattern[str]:
        """Matches `\\n` + a header; groups are date, time and sender (time first if `time_first`).

        Use on `"\\n" + text`: `re.split` then yields the text between headers as message bodies.
        """
        return _compile(self)


def detect_layout(text: str) -> Layout | None:
    """The layout most sampled lines agree on, or None when no line looks like a header.

    The sample is the first and the last lines, so a phone switched to a 12-hour clock (or to a
    right-to-left language) during the chat's life is noticed.
    """
    lines = text[:SAMPLE_CHARS].split("\n", SAMPLE_LINES)[:SAMPLE_LINES]
    if len(text) > SAMPLE_CHARS:
        lines += text[-SAMPLE_CHARS:].split("\n")[1:][-SAMPLE_LINES:]
    best: tuple[int, Layout | None] = (0, None)
    for family in FAMILIES:
        for time_first in (False, True):
            probe = _probe(family, time_first)
            hits = [m for m in map(probe.match, lines) if m]
            if len(hits) > best[0]:
                best = (len(hits), _refine(family, time_first, hits))
    return best[1]


def _refine(family: str, time_first: bool, hits: list[re.Match[str]]) -> Layout:
    """Keep only the optional parts the sample uses: each one costs time on every header."""
    sep = Counter(m["sep"] for m in hits).most_common(1)[0][0]
    time_sep = Counter("." if "." in m["time"][:3] else ":" for m in hits).most_common(1)[0][0]
    marks = periods = buddhist = False
    words: set[str] = set()
    for m in hits:
        head = m.string[:m.start("sender")] if m["sender"] else m.group()
        marks = marks or not _NO_MARKS.isdisjoint(head)
        periods = periods or not m["time"].replace(".", ":").replace(":", "").isdigit()
        buddhist = buddhist or bool(m["be"])
        if m["word"]:
            words.add(m["word"])
    return Layout(family, time_first, sep, time_sep, marks, periods, tuple(sorted(words)),
                  buddhist)


@functools.cache
def _probe(family: str, time_first: bool) -> re.Pattern[str]:
    """A permissive header regex (any separator, every option) for detection only."""
    return re.compile("^" + _header(
        family, time_first, sep1="(?P<sep>[./-])", sep2="(?P=sep)", time_sep="[:.]", mark=MARK,
        lead=MARK, periods=True, join=rf"(?:(?P<word>{_JOIN_WORDS}){SPACE}+)?",
        era=rf"(?:{SPACE}?(?P<be>BE))?",
    ))


@functools.cache
def _compile(layout: Layout) -> re.Pattern[str]:
    sep = _SEPARATORS[layout.date_sep]
    words = "|".join(map(re.escape, layout.join_words))
    source = _header(
        layout.family, layout.time_first, sep1=sep, sep2=sep,
        time_sep=_SEPARATORS[layout.time_sep],
        mark=MARK if layout.marks else "",
        lead=MARK if layout.marks or layout.family == "ios" else "",  # iOS: `‎[` on some lines
        periods=layout.periods,
        join=rf"(?:(?:{words}){SPACE}+)?" if words else "",
        era=rf"(?:{SPACE}?BE)?" if layout.buddhist else "",
    )
    return re.compile("\n" + source)


def _header(
    family: str, time_first: bool, *, sep1: str, sep2: str, time_sep: str, mark: str, lead: str,
    periods: bool, join: str, era: str,
) -> str:
    """Regex source of one header, up to and including `Name: ` when the line has a sender."""
    date = (
        rf"(?P<date>\d{{1,4}}+{mark}{sep1}{SPACE}?{mark}\d{{1,2}}+{mark}{sep2}{SPACE}?{mark}"
        rf"\d{{1,4}}+\.?{era})"
    )
    clock = rf"\d{{1,2}}+{time_sep}\d\d(?:{time_sep}\d\d)?"
    if periods:
        clock = (
            rf"(?:{PERIOD_BEFORE_PATTERN}{SPACE}?)?{clock}(?:{SPACE}?{mark}{PERIOD_PATTERN})?"
        )
    time = f"(?P<time>{clock})"
    between = rf"{mark}[,،]?{mark}{SPACE}+{join}{mark}"
    stamp = f"{time}{between}{date}" if time_first else f"{date}{between}{time}"
    sender = rf"(?:(?P<sender>[^:\n]{{1,80}}+):{SPACE})?"
    if family == "android":
        return rf"{lead}{stamp}{mark}{SPACE}[-–]{SPACE}{sender}"
    if family == "ios":
        return rf"{lead}\[{mark}{stamp}{mark}\]{SPACE}{sender}"
    return rf"{lead}{stamp}:{SPACE}{sender}"
