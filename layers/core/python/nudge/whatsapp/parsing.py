"""From export bytes to `ParsedExport`: detect the layout once, split the whole text with one
regex, then turn the columns into messages with C-level maps over per-distinct-value caches.

Speed is a requirement (100,000 lines in a fraction of a second), so the per-message work stays
inside `re.split`, `map` and `itertools`; only bodies flagged as possibly special (media,
deleted, …) go through Python-level classification.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import accumulate, compress, count, repeat
from operator import contains, getitem, is_
from pathlib import Path

from nudge.domain import Message, ParsedExport
from nudge.errors import InputError, ParseError
from nudge.whatsapp.bodies import EXACT_SPECIAL, SPECIAL_STARTS, classify, might_be_special
from nudge.whatsapp.building import build_messages
from nudge.whatsapp.dates import ORDERS, decide_order, read_date, read_time, to_date
from nudge.whatsapp.headers import Layout, detect_layout
from nudge.whatsapp.names import chat_name_from_filename, clean_sender, is_sentence, plain
from nudge.whatsapp.reading import read_export

MAX_LEADING_LINES = 10  # tolerated non-header lines before the first message (a cut-off export)
_START = slice(0, 5)  # bodies are looked up by their first characters in SPECIAL_STARTS


def parse_path(path: str | Path, *, date_order: str = "auto") -> ParsedExport:
    """Parse a `.txt` or `.zip` WhatsApp export from disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file ({exc.strerror or exc})", source=str(path)) from exc
    return parse_bytes(data, source=str(path), date_order=date_order)


def parse_bytes(data: bytes, *, source: str, date_order: str = "auto") -> ParsedExport:
    """Parse a raw export: chat text in any encoding, or zip bytes (recognised by `PK`)."""
    export = read_export(data, source)
    chat_name = chat_name_from_filename(source)
    if chat_name is None and export.inner_name:
        chat_name = chat_name_from_filename(export.inner_name)
    return parse_text(
        export.text, source=source, date_order=date_order, chat_name=chat_name,
        media_files=export.media_files,
    )


def parse_text(
    text: str, *, source: str, date_order: str = "auto", chat_name: str | None = None,
    media_files: list[str] | None = None, first_line: int = 1,
) -> ParsedExport:
    """Parse chat text that is already decoded and has `\\n` line ends. `first_line`: the line
    number of the text's first line in its file (a later part of a file parsed in parts)."""
    if date_order != "auto" and date_order not in ORDERS:
        raise InputError(f"date order must be auto, dmy, mdy or ymd, not {date_order!r}")
    layout = detect_layout(text)
    if layout is None:
        raise ParseError("no line looks like a WhatsApp message header", source=source, line=1)
    with _gc_paused():
        columns = _split(text, layout, source, first_line)
        order, sent = _sent_at(columns, layout, date_order, source)
        messages, group_name = _messages(columns, sent, ios=layout.family == "ios")
    return ParsedExport(
        messages=messages,
        source=source,
        format=f"{layout.family} {order} {'12h' if layout.periods else '24h'}",
        date_order=order,
        chat_name=chat_name or group_name,
        media_files=list(media_files or []),
    )


@dataclass(slots=True)
class _Columns:
    """The export cut into parallel lists, one entry per message."""

    dates: list[str]
    times: list[str]
    names: list[str | None]
    bodies: list[str]
    lines: list[int]  # 1-based line where each message starts
    source: str

    def error(self, message: str, index: int) -> ParseError:
        return ParseError(message, source=self.source, line=self.lines[index])


def _split(text: str, layout: Layout, source: str, first_line: int = 1) -> _Columns:
    parts = layout.splitter().split("\n" + text)
    leading = parts[0]
    junk = sum(1 for line in leading.split("\n") if line.strip())
    if len(parts) == 1 or junk > MAX_LEADING_LINES:
        raise ParseError("the text does not start with a WhatsApp message header",
                         source=source, line=1)
    firsts, seconds = parts[1::4], parts[2::4]
    dates, times = (seconds, firsts) if layout.time_first else (firsts, seconds)
    bodies = parts[4::4]
    bodies[-1] = bodies[-1].rstrip("\n")
    steps = [1] * len(bodies)  # lines per message; counted only where a body has several
    for i in compress(count(), map(contains, bodies, repeat("\n"))):
        steps[i] += bodies[i].count("\n")
    lines = list(accumulate(steps, initial=leading.count("\n") + first_line))
    return _Columns(dates, times, parts[3::4], bodies, lines, source)


def _sent_at(
    columns: _Columns, layout: Layout, date_order: str, source: str,
) -> tuple[str, list[datetime]]:
    """The date order used, and each message's wall-clock time."""
    raw_dates = {text: read_date(text) for text in dict.fromkeys(columns.dates)}
    order = date_order
    if order == "auto":
        us_style = layout.date_sep == "/" and layout.periods
        order = decide_order(list(raw_dates.values()), us_default=us_style) or ""
        if not order:
            raise ParseError("the dates fit no day/month/year order", source=source, line=1)
    days: dict[str, date] = {}
    for text, raw in raw_dates.items():
        try:
            days[text] = to_date(raw, order)
        except ValueError:
            index = columns.dates.index(text)
            raise columns.error(f"{text.strip()!r} is no date in {order} order", index) from None
    clock = _times(columns, layout)
    sent = list(map(datetime.combine, map(days.__getitem__, columns.dates),
                    map(clock.__getitem__, columns.times)))
    return order, sent


def _times(columns: _Columns, layout: Layout) -> dict[str, time]:
    """Each distinct time string as a time of day.

    iOS writes seconds, so nearly every message has its own string: zero-padded 24-hour times go
    through `time.fromisoformat` in C, anything else through `read_time`.
    """
    distinct = list(dict.fromkeys(columns.times))
    if not layout.periods and layout.time_sep == ":":
        try:
            return dict(zip(distinct, map(time.fromisoformat, distinct), strict=True))
        except ValueError:
            pass  # unpadded hours (`9:05`) or digits of another script
    clock: dict[str, time] = {}
    for text in distinct:
        try:
            clock[text] = read_time(text)
        except ValueError:
            index = columns.times.index(text)
            raise columns.error(f"{text.strip()!r} is no time of day", index) from None
    return clock


def _messages(
    columns: _Columns, sent: list[datetime], *, ios: bool,
) -> tuple[list[Message], str | None]:
    """Messages of the export, and the chat's name when iOS attributed system lines to it."""
    names = {raw: clean_sender(raw) for raw in dict.fromkeys(columns.names)}
    senders = list(map(names.__getitem__, columns.names))
    texts = columns.bodies
    size = len(texts)
    kinds: list[str] = ["text"] * size
    edited = [False] * size
    attachments: list[str | None] = [None] * size

    sentences = {raw for raw, name in names.items() if name and is_sentence(name)}
    if sentences:  # e.g. `Emre changed the subject to "Trip: Lisbon"`, cut at its colon
        for i in compress(count(), map(sentences.__contains__, columns.names)):
            texts[i] = f"{columns.names[i]}: {texts[i]}"
            senders[i] = None
    for i in compress(count(), map(is_, senders, repeat(None))):
        kinds[i], texts[i] = "system", plain(texts[i]).strip()

    group_name = None
    special = set(compress(count(), map(might_be_special, texts)))
    special.update(compress(count(), map(EXACT_SPECIAL.__contains__, texts)))
    starts = map(getitem, texts, repeat(_START))
    special.update(compress(count(), map(SPECIAL_STARTS.__contains__, starts)))
    for i in sorted(special):
        if kinds[i] == "system":
            continue
        body = classify(texts[i], ios=ios)
        kinds[i], texts[i], edited[i], attachments[i] = (
            body.kind, body.text, body.edited, body.attachment)
        if body.system:
            group_name = group_name or senders[i]
            senders[i] = None
    messages = build_messages(
        sent_at=sent, sender=senders, text=texts, kind=kinds, edited=edited,
        attachment=attachments, line=columns.lines[:size],
    )
    return messages, group_name


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building ~100k small objects triggers many cyclic-GC passes, and none of them form
    cycles; a GC the caller had disabled stays disabled."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
