"""Names: senders as people read them, and the chat's name from the export's file name."""

from __future__ import annotations

import re

from nudge.whatsapp.headers import MARK_CHARS

_PLAIN = str.maketrans({**dict.fromkeys(MARK_CHARS), "\u00a0": " ", "\u202f": " "})
_QUOTES = frozenset('"“”«»„')
_CHAT_FILE = re.compile(
    r"(?:WhatsApp[ -]Chat\s*(?:with|mit|met|con|com|avec|-|–)"
    r"|Chat de WhatsApp con|Discussion WhatsApp avec|Conversa do WhatsApp com"
    r"|Chat WhatsApp con|Chat WhatsApp -)\s+(.+?)(?:\s*\(\d+\))?",
    re.IGNORECASE,
)


def plain(text: str) -> str:
    """Text without invisible direction marks and with odd spaces made plain."""
    return text.translate(_PLAIN)


def clean_sender(raw: str | None) -> str | None:
    """`‪+44 7700 900123‬` → `+44 7700 900123`, `~ Lia` (not in contacts) → `Lia`; blank → None."""
    if raw is None:
        return None
    name = raw.translate(_PLAIN).strip()
    if name.startswith("~"):
        name = name[1:].strip()
    return name or None


def is_sentence(name: str) -> bool:
    """A "sender" with quotes is a system line that had a colon, e.g. a subject change."""
    return not _QUOTES.isdisjoint(name)


def chat_name_from_filename(name: str) -> str | None:
    """`WhatsApp Chat with X.txt` / `WhatsApp Chat - X.zip` (and other languages) → `X`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if dot and ext.lower() in ("txt", "zip"):
        base = stem
    found = _CHAT_FILE.fullmatch(base.strip())
    return found.group(1).strip() if found else None
