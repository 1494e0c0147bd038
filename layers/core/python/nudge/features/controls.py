"""What the user controls from the digest, the reminders, the CLI and the API: mark a message
critical, ignore a message, mute or unmute a chat, remind me later.

- critical: the message is listed as important in the digest ("marked critical") and gets an
  automatic reminder until the user replies in its chat.
- ignored: the message leaves the digest (no line, no open question, no count), its reminders are
  cleared, no automatic one is made, and reply suggestions do not answer it. Critical and ignored
  exclude each other.
- muted chat: no digest section and no reminders (user reminders wait until it is unmuted).
Every function acts for one user; another user's message or chat is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from nudge.domain import Reminder
from nudge.errors import NotFound
from nudge.store import controls as store
from nudge.store.chats import resolve_chat

LATER = timedelta(hours=3)  # "remind me later" without a time


@dataclass(frozen=True, slots=True)
class MessageState:
    """One message and the user's controls on it (the answer of every message control)."""

    id: int
    chat_id: int
    chat: str
    sender: str | None
    from_me: bool
    sent_at: datetime
    text: str
    critical: bool
    ignored: bool
    chat_muted: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "chat_id": self.chat_id, "chat": self.chat, "sender": self.sender,
                "from_me": self.from_me, "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
                "text": self.text, "critical": self.critical, "ignored": self.ignored,
                "chat_muted": self.chat_muted}


@dataclass(frozen=True, slots=True)
class ChatState:
    id: int
    chat: str
    muted: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "chat": self.chat, "muted": self.muted}


def message_state(conn: psycopg.Connection[Any], *, user_id: int, message_id: int) -> MessageState:
    row = store.message_row(conn, user_id=user_id, message_id=message_id)
    if row is None:
        raise NotFound(f"no message with id {message_id}")
    return MessageState(*row)


def mark_critical(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                  critical: bool = True) -> MessageState:
    """Mark one message critical (or not); marking it un-ignores it."""
    if not store.set_message_flags(conn, user_id=user_id, message_id=message_id, critical=critical):
        raise NotFound(f"no message with id {message_id}")
    return message_state(conn, user_id=user_id, message_id=message_id)


def ignore_message(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                   ignored: bool = True) -> MessageState:
    """Ignore one message (or stop ignoring it): see the module docstring."""
    if not store.set_message_flags(conn, user_id=user_id, message_id=message_id, ignored=ignored):
        raise NotFound(f"no message with id {message_id}")
    return message_state(conn, user_id=user_id, message_id=message_id)


def _chat_id(conn: psycopg.Connection[Any], user_id: int, chat: str | int) -> int:
    if isinstance(chat, int):
        if store.chat_name(conn, user_id=user_id, chat_id=chat) is None:
            raise NotFound(f"no chat with id {chat}")
        return chat
    return resolve_chat(conn, user_id=user_id, name=chat)[0]


def mute_chat(conn: psycopg.Connection[Any], *, user_id: int, chat: str | int,
              muted: bool = True) -> ChatState:
    """Mute (or unmute) a chat, given by id or by name (matched like every chat name)."""
    chat_id = _chat_id(conn, user_id, chat)
    store.set_chat_muted(conn, user_id=user_id, chat_id=chat_id, muted=muted)
    return ChatState(chat_id, store.chat_name(conn, user_id=user_id, chat_id=chat_id) or "", muted)


def muted_chats(conn: psycopg.Connection[Any], *, user_id: int) -> list[ChatState]:
    return [ChatState(i, name, True) for i, name in store.muted_chats(conn, user_id=user_id)]


def flagged_messages(conn: psycopg.Connection[Any], *, user_id: int,
                     ignored: bool = False) -> list[MessageState]:
    """The messages marked critical (or, with ignored=True, the ignored ones), newest first."""
    return [MessageState(*row) for row in store.flagged_messages(conn, user_id=user_id,
                                                                  ignored=ignored)]


def chat_name(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int) -> str:
    """The name of one of the user's chats (buttons carry ids, features want names)."""
    name = store.chat_name(conn, user_id=user_id, chat_id=chat_id)
    if name is None:
        raise NotFound(f"no chat with id {chat_id}")
    return name


def remind_later(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                 due_at: datetime | None = None, now: datetime | None = None,
                 note: str | None = None) -> Reminder:
    """A reminder for one message, at `due_at` or LATER from now; it repeats until the user
    replies in the chat or clears it (features.reminders)."""
    from nudge.features.reminders import add_reminder

    message = message_state(conn, user_id=user_id, message_id=message_id)
    now = now or datetime.now(UTC)
    return add_reminder(conn, user_id=user_id, chat=message.chat, due_at=due_at or now + LATER,
                        note=note, message_id=message_id)
