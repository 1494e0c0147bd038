"""Replies the user sends themselves: any text to a chat, queued for the outbox."""

from __future__ import annotations

from typing import Any

import psycopg

from nudge.errors import InputError
from nudge.store.chats import resolve_chat
from nudge.store.outgoing import OutgoingReply, queue_custom_reply

MAX_REPLY_CHARS = 4096


def custom_reply(conn: psycopg.Connection[Any], *, user_id: int, chat: str,
                 text: str) -> tuple[str, OutgoingReply]:
    """(the chat's stored name, the pending reply) for `text` to the chat the user names."""
    if not text.strip():
        raise InputError("text: the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise InputError(f"text: longer than {MAX_REPLY_CHARS} characters")
    chat_id, name = resolve_chat(conn, user_id=user_id, name=chat)
    return name, queue_custom_reply(conn, user_id=user_id, chat_id=chat_id, text=text.strip())


def outgoing_json(chat: str, reply: OutgoingReply) -> dict[str, Any]:
    return {"id": reply.id, "chat": chat, "text": reply.text, "source": reply.source,
            "status": reply.status, "created_at": reply.created_at.isoformat()}
