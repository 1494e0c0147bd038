"""Validate a collector's JSON batch, naming the exact field that is wrong.

`{"chat": {"name": str, "type": "one_to_one"|"group", "id": str}, "messages": [{"sent_at", "sender", "text",
"kind", "from_me", "id"}]}`. `sent_at` is ISO-8601: wall-clock time without an offset is stored
as is (like an export); with an offset (e.g. `Z`) it is converted to the user's time zone
(NUDGE_TIMEZONE), because the store keeps wall-clock times. Optional per message: `kind`
(default "text"), `from_me` (default false), `id` (default null), `sender` (default null),
`media` (default null): `{"mimetype": "audio/ogg; codecs=opus", "data": base64, "filename": str|null}`
for a voice note (whatsapp-web.js type `ptt` or `audio`, kind "media"): its audio is kept until
transcribed. Media that is not audio is not stored.
Optional `chat.id`: the collector's own id of the chat, so a renamed chat stays one chat.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from nudge.domain import MESSAGE_KINDS
from nudge.faces.http.errors import ApiError

MAX_BATCH_MESSAGES = 10_000
MAX_TEXT_CHARS = 100_000
MAX_FIELD_CHARS = 500
MAX_AUDIO_BYTES = 8 * 1024 * 1024  # one voice note, decoded (the request itself is capped at 10 MB)


@dataclass(frozen=True, slots=True)
class Batch:
    chat_name: str
    chat_type: str | None
    messages: list[Any]
    chat_id: str | None = None  # nudge.features.importing.IncomingMessage


def _bad(where: str, what: str) -> ApiError:
    return ApiError(400, f"{where}: {what}")


def _text(value: Any, where: str, *, limit: int, optional: bool = False,
          nonempty: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(where, "must be a string" + (" or null" if optional else ""))
    if nonempty and not value.strip():
        raise _bad(where, "must not be empty")
    if len(value) > limit:
        raise _bad(where, f"longer than {limit} characters")
    if "\x00" in value:
        raise _bad(where, "must not contain a NUL character")  # Postgres text cannot hold one
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad(where, "must be valid Unicode text (a lone surrogate?)") from None
    return value


def _moment(value: Any, where: str, tz: tzinfo) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, "not an ISO-8601 date (expected a string)")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(where, f"not an ISO-8601 date: {value[:40]!r}") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(tz).replace(tzinfo=None)
        except (OverflowError, ValueError):
            raise _bad(where, f"out of range: {value[:40]!r}") from None
    return moment


def _message(raw: Any, where: str, tz: tzinfo) -> Any:
    from nudge.features.importing import IncomingMessage

    if not isinstance(raw, dict):
        raise _bad(where, "must be an object")
    kind = raw.get("kind", "text")
    if kind not in MESSAGE_KINDS:
        raise _bad(f"{where}.kind", f"unknown kind {str(kind)[:40]!r} "
                                    f"(one of {', '.join(MESSAGE_KINDS)})")
    from_me = raw.get("from_me", False)
    if not isinstance(from_me, bool):
        raise _bad(f"{where}.from_me", "must be true or false")
    if "text" not in raw:
        raise _bad(f"{where}.text", "missing")
    attachment, audio = _media(raw.get("media"), f"{where}.media")
    return IncomingMessage(
        sent_at=_moment(raw.get("sent_at"), f"{where}.sent_at", tz),
        sender=_text(raw.get("sender"), f"{where}.sender", limit=MAX_FIELD_CHARS, optional=True),
        text=_text(raw["text"], f"{where}.text", limit=MAX_TEXT_CHARS) or "",
        kind=kind,
        from_me=from_me,
        id=_text(raw.get("id"), f"{where}.id", limit=MAX_FIELD_CHARS, optional=True),
        attachment=attachment,
        audio=audio,
    )


def _media(raw: Any, where: str) -> tuple[str | None, bytes | None]:
    """(file name, audio bytes) of a message's `media`; (name, None) for media that is not audio."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise _bad(where, "must be an object with mimetype and data")
    mimetype = _text(raw.get("mimetype"), f"{where}.mimetype", limit=MAX_FIELD_CHARS,
                     nonempty=True) or ""
    name = _text(raw.get("filename"), f"{where}.filename", limit=MAX_FIELD_CHARS, optional=True)
    if not mimetype.lower().startswith("audio/"):
        return name, None
    data = raw.get("data")
    if not isinstance(data, str) or not data:
        raise _bad(f"{where}.data", "must be the audio as a base64 string")
    if len(data) > MAX_AUDIO_BYTES * 4 // 3 + 4:
        raise ApiError(413, f"{where}.data: audio over {MAX_AUDIO_BYTES // 2**20} MB")
    try:
        audio = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"{where}.data", "not valid base64") from None
    extension = "ogg" if "ogg" in mimetype or "opus" in mimetype else mimetype[6:].split(";")[0]
    return name or f"voice-note.{extension.strip() or 'audio'}", audio


def parse_batch(body: dict[str, Any], *, tz: tzinfo) -> Batch:
    """The batch as core messages, or ApiError(400) naming the first wrong field."""
    chat = body.get("chat")
    if not isinstance(chat, dict):
        raise _bad("chat", "must be an object with name and type")
    name = _text(chat.get("name"), "chat.name", limit=MAX_FIELD_CHARS, nonempty=True)
    chat_id = _text(chat.get("id"), "chat.id", limit=MAX_FIELD_CHARS, optional=True)
    chat_type = chat.get("type")
    if chat_type not in (None, "one_to_one", "group"):
        raise _bad("chat.type", "must be one_to_one or group")
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise _bad("messages", "must be a list")
    if len(messages) > MAX_BATCH_MESSAGES:
        raise ApiError(413, f"messages: more than {MAX_BATCH_MESSAGES} in one batch; split it")
    parsed = [_message(raw, f"messages[{i}]", tz) for i, raw in enumerate(messages)]
    return Batch(chat_name=(name or "").strip(), chat_type=chat_type, messages=parsed,
                 chat_id=chat_id.strip() or None if chat_id else None)
