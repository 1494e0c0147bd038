"""Bundled sample exports (written for Nudge; the user is "Sam") for the demo and the tests.

- `WhatsApp Chat with Trip to Lisbon.txt`: Android group, 24-hour, d/m/y, 24–28 Nov 2024.
- `WhatsApp Chat with Ana.txt`: iOS one-to-one in Spanish, `[dd/mm/yy, HH:MM:SS]`, CRLF.
- `WhatsApp Chat - Family.zip`: iOS US-English 12-hour `_chat.txt` plus two photos
  (regenerate with `make_family_zip.py`).
"""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
SAMPLE_NAMES = (
    "WhatsApp Chat with Trip to Lisbon.txt",
    "WhatsApp Chat with Ana.txt",
    "WhatsApp Chat - Family.zip",
)


def sample_paths() -> list[Path]:
    """Paths of the bundled sample exports, group chat first."""
    return [SAMPLES_DIR / name for name in SAMPLE_NAMES]
