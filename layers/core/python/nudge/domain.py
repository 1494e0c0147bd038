"""Plain data the whole core passes around. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal

MessageKind = Literal["text", "media", "deleted", "system", "poll", "location", "contact", "call"]
MESSAGE_KINDS: tuple[str, ...] = (
    "text", "media", "deleted", "system", "poll", "location", "contact", "call",
)
ChatType = Literal["one_to_one", "group"]


@dataclass(frozen=True, slots=True)
class Message:
    """One message as a WhatsApp export shows it (wall-clock time, no offset)."""

    sent_at: datetime
    sender: str | None
    text: str
    kind: MessageKind = "text"
    edited: bool = False
    attachment: str | None = None
    line: int = 0  # first line in the source file (1-based); 0 when unknown

    def to_json(self) -> dict:
        """The `nudge parse` JSON Lines record (CONTRACTS.md)."""
        return {
            "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "sender": self.sender,
            "text": self.text,
            "kind": self.kind,
            "edited": self.edited,
            "attachment": self.attachment,
        }


@dataclass(frozen=True, slots=True)
class ParsedExport:
    """What the parser read from one export file."""

    messages: list[Message]
    source: str
    format: str  # e.g. "android dmy 24h", "ios ymd 12h"
    date_order: str  # "dmy" | "mdy" | "ymd"
    chat_name: str | None = None  # from the file name, when it names the chat
    media_files: list[str] = field(default_factory=list)  # names of media inside a .zip


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What storing one export or batch did (the `nudge import` / `POST /ingest` answer)."""

    chat: str
    inserted: int
    duplicates: int
    skipped: int
    renamed_from: str | None = None  # this import recorded a rename of the chat (its old name)

    def to_json(self) -> dict:
        out = {
            "chat": self.chat,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
        }
        if self.renamed_from is not None:
            out["renamed_from"] = self.renamed_from
        return out


ALL_CHAT_TYPES = ("one_to_one", "group")


@dataclass(frozen=True, slots=True)
class Preferences:
    """The user's importance criteria and schedule (summary_preferences)."""

    keywords: list[str] = field(default_factory=list)
    chat_types: list[str] | None = None  # None: every chat type
    daily_time: time = time(8, 0)
    reminder_interval_minutes: int = 240  # the column's default too


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder as the user sees it (with the reminded message, when there is one)."""

    id: int
    chat: str | None
    due_at: datetime
    status: str
    source: str  # "user" | "auto"
    note: str | None = None
    reason: str | None = None
    interval_minutes: int | None = None
    last_sent_at: datetime | None = None
    sender: str | None = None  # the reminded message, when there is one
    sent_at: datetime | None = None  # wall clock
    text: str | None = None
    chat_id: int | None = None
    message_id: int | None = None  # the reminded message, when there is one

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "chat": self.chat, "chat_id": self.chat_id,
            "message_id": self.message_id, "due_at": self.due_at.isoformat(),
            "status": self.status, "source": self.source, "note": self.note, "reason": self.reason,
            "interval_minutes": self.interval_minutes,
            "last_sent_at": self.last_sent_at.isoformat() if self.last_sent_at else None,
            "message": None if self.text is None else {
                "sender": self.sender, "text": self.text,
                "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S") if self.sent_at else None},
        }


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message found by `search`, best first."""

    chat: str
    sender: str | None
    sent_at: datetime
    text: str
    score: float
    message_id: int

    def to_json(self) -> dict:
        """The `nudge search --json` record (CONTRACTS.md)."""
        return {
            "chat": self.chat,
            "sender": self.sender,
            "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "text": self.text,
            "score": round(self.score, 6),
        }
