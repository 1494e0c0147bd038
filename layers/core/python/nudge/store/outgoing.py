"""Replies waiting to be sent to a chat (the outbox's rows; migration 0550)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from nudge.errors import NotFound


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    id: int
    chat_id: int
    text: str
    source: str  # custom | suggestion
    suggestion_id: int | None
    status: str  # pending until the outbox sends it
    created_at: datetime


_COLUMNS = "id, chat_id, text, source, suggestion_id, status, created_at"


def queue_custom_reply(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                       text: str) -> OutgoingReply:
    """Store `text` as a pending outgoing reply to the user's chat (any text the user wrote)."""
    row = conn.execute(
        f"INSERT INTO outgoing_replies (user_profile_id, chat_id, text)"
        f" SELECT %(user)s, c.id, %(text)s FROM chats c WHERE c.id = %(chat)s"
        f" AND c.user_profile_id = %(user)s RETURNING {_COLUMNS}",
        {"user": user_id, "chat": chat_id, "text": text}).fetchone()
    if row is None:
        raise NotFound(f"no chat with id {chat_id}")
    return OutgoingReply(*row)


def pending_replies(conn: psycopg.Connection[Any], *, user_id: int,
                    chat_id: int | None = None) -> list[OutgoingReply]:
    """The user's pending outgoing replies, oldest first (chat_id None: every chat)."""
    return [OutgoingReply(*row) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM outgoing_replies WHERE user_profile_id = %s AND status = 'pending'"
        f" AND (%s::bigint IS NULL OR chat_id = %s) ORDER BY id", [user_id, chat_id, chat_id])]
