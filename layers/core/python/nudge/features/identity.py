"""Who is who in the stored chats: the user's own name (which messages are `from_me`) and which
stored chat an export belongs to when its name is new (a renamed group).

The user's name lives on the profile (user_profiles.name): set by `nudge import --me`, NUDGE_ME,
`/settings name` in Telegram, or the user's Telegram first name when it is one of an export's
senders. Every face reads it from there, and setting or fixing it re-marks the messages already
stored, so an import made before the name was known is repaired, not re-imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from nudge.domain import Message
from nudge.errors import InputError
from nudge.store import chats
from nudge.store import messages as store
from nudge.store.users import display_name, ensure_user, remember_name

# An export under a name no chat has is the same chat as a stored one when, of its sampled
# messages that fall inside that chat's stored time span, at least this share is stored there
# (same time, sender and text) and at least OVERLAP_MIN_MATCHES of them.
OVERLAP_SHARE = 0.5
OVERLAP_MIN_MATCHES = 5  # a few shared messages (a greeting sent to many chats) are not enough
OVERLAP_SAMPLE = 64


def my_name(conn: psycopg.Connection[Any], *, user_id: int) -> str | None:
    """The user's display name in their chats, if known."""
    return display_name(conn, user_id=user_id)


def set_my_name(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> int:
    """Store the user's name and, when it changed, re-mark their stored messages: from_me for
    the senders with that name (ignoring case), not from_me for every other named sender.
    Returns how many messages changed side. One transaction."""
    name = name.strip()
    if not name:
        raise InputError("your name is empty")
    folded = name.casefold()
    ensure_user(conn, user_id=user_id)
    with conn.transaction():
        if not remember_name(conn, user_id=user_id, name=name):
            return 0
        mine = [s for s in store.sender_names(conn, user_id=user_id) if s.casefold() == folded]
        return store.remark_from_me(conn, user_id=user_id, mine=mine)


def is_me(sender: str | None, me: str | None) -> bool:
    return bool(sender and me and sender.casefold() == me.strip().casefold())


def overlap_sample(messages: Sequence[Message]) -> list[tuple[datetime, str | None, str]]:
    """Up to OVERLAP_SAMPLE messages spread evenly over the export: (time, sender, text) of
    messages a person wrote (system lines repeat across chats)."""
    written = [m for m in messages if m.sender is not None and m.text.strip()]
    if not written:
        return []
    step = max(1, len(written) // OVERLAP_SAMPLE)
    return [(m.sent_at, m.sender, m.text) for m in written[::step][:OVERLAP_SAMPLE]]


def same_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str,
              renamed_from: str | None = None,
              sample: Sequence[tuple[datetime, str | None, str]] = ()) -> int | None:
    """The stored chat an export named `name` continues, when that name is new: the chat the
    user named (`renamed_from`, e.g. `nudge import --renamed-from OLD`), else the one whose
    stored messages it overlaps (see OVERLAP_SHARE). None: a chat of that name exists already,
    or the export is a new chat."""
    if renamed_from is not None:
        found = chats.find_chat_id(conn, user_id=user_id, name=renamed_from.strip())
        if found is None:
            raise InputError(f"--renamed-from {renamed_from!r}: no chat has that name")
        return found
    if chats.find_chat_id(conn, user_id=user_id, name=name) is not None:
        return None
    best: tuple[int, int] | None = None
    for chat_id, inside, matched in chats.overlap_by_chat(conn, user_id=user_id, sample=sample):
        enough = matched >= OVERLAP_MIN_MATCHES and matched >= OVERLAP_SHARE * inside
        if enough and (best is None or matched > best[1]):
            best = (chat_id, matched)
    return best[0] if best else None
