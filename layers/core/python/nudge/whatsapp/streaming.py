"""A large `.txt` export parsed in parts of bounded size, so importing a 1 GB chat never holds
1 GB of text (and ~13× that in lists of messages) at once.

Two passes over the file, each reading one part at a time:
1. the layout (from the file's first and last lines, as `detect_layout` samples a whole text)
   and every distinct date, in file order, to decide the day/month order exactly as a whole
   parse would;
2. the parts themselves, cut where a message starts with another time than the one before it
   (identical messages of one minute stay in one part, so their occurrence numbers, which the
   importer's keys count per part, are the same as in one whole parse).

What this cannot stream is parsed whole as before: zips, UTF-16, byte-order marks other than
UTF-8's, text that is not UTF-8 (old cp1252 exports), and files smaller than one part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from nudge.domain import ParsedExport
from nudge.errors import ParseError
from nudge.whatsapp.dates import decide_order, read_date
from nudge.whatsapp.headers import SAMPLE_CHARS, Layout, detect_layout
from nudge.whatsapp.names import chat_name_from_filename
from nudge.whatsapp.parsing import parse_path, parse_text
from nudge.whatsapp.reading import ZIP_MAGIC

PART_BYTES = 4 << 20
_BOM = b"\xef\xbb\xbf"


def parse_path_in_parts(path: str | Path, *, date_order: str = "auto",
                        part_bytes: int = PART_BYTES) -> Iterator[ParsedExport]:
    """The export at `path` as consecutive ParsedExports of about `part_bytes` of text each (one,
    the whole parse, when it cannot be streamed: see the module docstring). Every part carries
    the chat name the whole file would have and its messages' file line numbers."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError as exc:
        raise ParseError(f"cannot read the file ({exc.strerror or exc})", source=source) from exc
    if size <= part_bytes or not _streamable(head):
        yield parse_path(path, date_order=date_order)
        return
    try:
        layout, order = _survey(path, part_bytes, date_order)
    except UnicodeDecodeError:  # not UTF-8 after all: the whole parse tries the other codecs
        yield parse_path(path, date_order=date_order)
        return
    chat_name = chat_name_from_filename(source)
    line = 1
    for text in _message_parts(path, part_bytes, layout):
        part = parse_text(text, source=source, date_order=order, chat_name=chat_name,
                          first_line=line)
        chat_name = chat_name or part.chat_name  # iOS names the group in a system line
        line += text.count("\n")
        yield part


def _streamable(head: bytes) -> bool:
    """Plain UTF-8 text (a UTF-8 byte-order mark allowed): no zip, no UTF-16, no NUL bytes."""
    if head.startswith(ZIP_MAGIC) or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" not in head


def _text_pieces(path: Path, part_bytes: int) -> Iterator[str]:
    """The file's text in pieces of about `part_bytes`, each ending at a line end, CRLF and CR
    made LF; UnicodeDecodeError when the file is not UTF-8."""
    with path.open("rb") as file:
        rest = b""
        first = True
        while True:
            block = file.read(part_bytes)
            if not block:
                break
            data = rest + block
            if first and data.startswith(_BOM):
                data = data[len(_BOM):]
            first = False
            end = data.rfind(b"\n") + 1
            if end == 0:  # no line end yet: keep reading
                rest = data
                continue
            rest = data[end:]
            yield _plain(data[:end].decode("utf-8"))
        if rest:
            yield _plain(rest.decode("utf-8"))


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _tail(path: Path) -> str:
    """The file's last lines (for the layout: a phone may change its clock format mid-chat)."""
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - SAMPLE_CHARS))
        data = file.read()
    return _plain(data.decode("utf-8", errors="ignore")).split("\n", 1)[-1]


def _survey(path: Path, part_bytes: int, date_order: str) -> tuple[Layout, str]:
    """Pass 1: the layout, then every distinct date in file order, for the date order."""
    pieces = _text_pieces(path, part_bytes)
    first = next(pieces, "")
    layout = detect_layout(first[:SAMPLE_CHARS] + "\n" + _tail(path))
    if layout is None:
        raise ParseError("no line looks like a WhatsApp message header", source=str(path),
                         line=1)
    if date_order != "auto":
        for _ in pieces:  # still decode everything once: a bad byte must fail before storing
            pass
        return layout, date_order
    splitter = layout.splitter()
    seen: dict[str, None] = {}
    for piece in _chain(first, pieces):
        columns = splitter.split("\n" + piece)  # as parsing._split cuts a whole text
        seen.update(dict.fromkeys(columns[2::4] if layout.time_first else columns[1::4]))
        del columns
    us_style = layout.date_sep == "/" and layout.periods
    order = decide_order([read_date(text) for text in seen], us_default=us_style)
    if not order:
        raise ParseError("the dates fit no day/month/year order", source=str(path), line=1)
    return layout, order


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _message_parts(path: Path, part_bytes: int, layout: Layout) -> Iterator[str]:
    """Pass 2: text parts that each start with a message header and end where the next message
    has another time than the one before it."""
    splitter = layout.splitter()
    carry = ""
    for piece in _text_pieces(path, part_bytes):
        text = carry + piece
        cut = _last_cut(text, splitter)
        if cut <= 0:
            carry = text
            continue
        carry = text[cut:]
        yield text[:cut]
    if carry:
        yield carry


def _last_cut(text: str, splitter: re.Pattern[str]) -> int:
    """Where the last header whose (date, time) differs from the header before it starts in
    `text`; 0 when there is none. Looks at the end of the text first (a part holds many)."""
    window = 1 << 16
    while True:
        start = max(0, len(text) - window)
        if start:
            start = text.rfind("\n", 0, start) + 1
        matches = list(splitter.finditer("\n" + text[start:]))
        for later, earlier in zip(reversed(matches), reversed(matches[:-1]), strict=False):
            if later.group("date", "time") != earlier.group("date", "time"):
                return start + later.start()
        if start == 0:
            return 0
        window *= 4
