"""Validate a collector's JSON batch, naming the exact field that is wrong.

`{"chat": {"name": str, "type": "one_to_one"|"group", "id": str}, "messages": [{"sent_at", "sender", "text",
"kind", "from_me", "id"}]}`. `sent_at` is ISO-8601: wall-clock time without an offset is stored
as is (like an export); with an offset (e.g. `Z`) it is converted to the user's time zone
(NUDGE_TIMEZONE), because the store keeps wall-clock times. Optional per message: `kind`
(default "text"), `from_me` (default false), `id` (default null), `sender` (default null).
Optional `chat.id`: the collector's own id of the chat, so a renamed chat stays one chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from nudge.domain import MESSAGE_KINDS
from nudge.faces.http.errors import ApiError

MAX_BATCH_MESSAGES = 10_000
MAX_TEXT_CHARS = 100_000
MAX_FIELD_CHARS = 500


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
    return value


def _moment(value: Any, where: str, tz: tzinfo) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, "not an ISO-8601 date (expected a string)")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(where, f"not an ISO-8601 date: {value[:40]!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
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
    return IncomingMessage(
        sent_at=_moment(raw.get("sent_at"), f"{where}.sent_at", tz),
        sender=_text(raw.get("sender"), f"{where}.sender", limit=MAX_FIELD_CHARS, optional=True),
        text=_text(raw["text"], f"{where}.text", limit=MAX_TEXT_CHARS) or "",
        kind=kind,
        from_me=from_me,
        id=_text(raw.get("id"), f"{where}.id", limit=MAX_FIELD_CHARS, optional=True),
    )


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
