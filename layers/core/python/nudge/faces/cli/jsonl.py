"""JSON Lines out of the CLI at library speed: orjson encodes each record (datetimes included,
natively, with no strftime per message) and lines go to stdout's buffer in large chunks.

`nudge parse` of a 100k-line export spent ~85 % of its time in json.dumps and strftime before
this (bench/parse.py prints both in one run).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

import orjson

from nudge.domain import Message

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_OMIT_MICROSECONDS
_CHUNK = 8192  # lines per write


def dumps_line(obj: Any) -> bytes:
    """One JSON line (UTF-8, newline ended). Text orjson refuses (a lone surrogate from a badly
    encoded export) is written with \\u escapes instead of failing the whole output."""
    try:
        return orjson.dumps(obj, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return (json.dumps(obj, default=str) + "\n").encode("utf-8")


def write_messages(messages: Iterable[Message], out: IO[bytes]) -> int:
    """The `nudge parse` records (CONTRACTS.md) of `messages`, one per line; returns how many.
    sent_at is a naive datetime, which orjson writes as YYYY-MM-DDTHH:MM:SS."""
    dumps, options = orjson.dumps, _OPTIONS
    chunk: list[bytes] = []
    keep = chunk.append
    count = 0
    for m in messages:
        record = {"sent_at": m.sent_at, "sender": m.sender, "text": m.text, "kind": m.kind,
                  "edited": m.edited, "attachment": m.attachment}
        try:
            keep(dumps(record, option=options))
        except orjson.JSONEncodeError:
            keep(dumps_line(m.to_json()))
        count += 1
        if len(chunk) >= _CHUNK:
            out.write(b"".join(chunk))
            chunk.clear()
    out.write(b"".join(chunk))
    return count
