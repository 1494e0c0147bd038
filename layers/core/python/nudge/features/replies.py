"""Replies the user sends themselves: any text to a chat, queued in the outbox
(nudge.features.outbox), which the collector sends to WhatsApp."""

from __future__ import annotations

from typing import Any

import psycopg

from nudge.errors import InputError
from nudge.features.outbox import OutboxItem, queue_custom

MAX_REPLY_CHARS = 4096


def custom_reply(conn: psycopg.Connection[Any], *, user_id: int, chat: str,
                 text: str) -> OutboxItem:
    """Queue `text` for the chat the user names; the outbox must be on (else OutboxOff)."""
    if not text.strip():
        raise InputError("text: the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise InputError(f"text: longer than {MAX_REPLY_CHARS} characters")
    return queue_custom(conn, user_id=user_id, chat=chat, text=text.strip())


def outgoing_json(item: OutboxItem) -> dict[str, Any]:
    return {"id": item.id, "chat": item.chat, "text": item.text, "source": item.origin,
            "status": item.status, "created_at": item.created_at.isoformat()}
