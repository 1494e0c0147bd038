"""Plain data the whole core passes around. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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

    def to_json(self) -> dict:
        return {
            "chat": self.chat,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
        }
