"""Chats: created by imports, found by name for every face (one resolver)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from nudge.rules.names import best_match


@dataclass(frozen=True, slots=True)
class ChatRef:
    """The chat a write goes to: `key_name` is what its message keys hash (never changes);
    `renamed_from` is set when this call recorded a rename."""

    id: int
    name: str
    key_name: str
    created: bool
    renamed_from: str | None = None


def upsert_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
                explicit: bool) -> tuple[int, bool]:
    """(id, created) of the chat `name`, created if new (see claim_chat)."""
    chat = claim_chat(conn, user_id=user_id, name=name, chat_type=chat_type, explicit=explicit)
    return chat.id, chat.created


def claim_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
               explicit: bool, external_id: str | None = None,
               same_as: int | None = None) -> ChatRef:
    """The chat a batch belongs to, row-locked for this transaction, created if new.

    Found by, in order: the collector's `external_id`; `same_as` (a chat the caller identified,
    e.g. a confirmed or detected rename); the current name; an earlier name (chat_names). Found
    by id under another name, the chat is renamed (the old name kept in chat_names). A detected
    type only ever upgrades to group; an explicit type (the collector knows it) replaces it.
    """
    found: int | None = None
    by_id = False
    if external_id is not None:
        found = _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND external_id = %s",
                     user_id, external_id)
        by_id = found is not None
    if found is None and same_as is not None:
        found = _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND id = %s",
                     user_id, same_as)
        by_id = found is not None
    if found is None:
        found = _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND name = %s"
                     " AND (external_id IS NULL OR %s::text IS NULL OR external_id = %s)",
                     user_id, name, external_id, external_id)
    if found is None and external_id is None:
        found = _one(conn, "SELECT chat_id FROM chat_names WHERE user_profile_id = %s AND name = %s",
                     user_id, name)
    if found is None:
        return _create_chat(conn, user_id=user_id, name=name, chat_type=chat_type,
                            external_id=external_id)
    row = conn.execute(
        """
        UPDATE chats SET type = CASE WHEN %(explicit)s OR %(type)s = 'group' THEN %(type)s
                                     ELSE type END,
                         external_id = coalesce(external_id, %(ext)s)
        WHERE id = %(id)s AND user_profile_id = %(user)s
        RETURNING name, coalesce(key_name, name)
        """,
        {"explicit": explicit, "type": chat_type, "ext": external_id, "id": found, "user": user_id},
    ).fetchone()
    assert row is not None
    current, key_name = str(row[0]), str(row[1])
    if by_id and current != name and _rename(conn, user_id=user_id, chat_id=found, old=current,
                                             new=name):
        return ChatRef(found, name, key_name, created=False, renamed_from=current)
    return ChatRef(found, current, key_name, created=False)


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> int | None:
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row else None


def _create_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
                 external_id: str | None) -> ChatRef:
    """Insert a chat keyed by its first name. A concurrent insert of the same name wins the race
    and this call gets that row (locked) instead. A collector chat whose name another chat holds
    gets the name with its id appended (names are unique per user). Key names are unique per
    user too (keys of two chats must never collide): a name that a renamed chat still keys by
    gets a suffix in its key name."""
    if external_id is not None and _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s"
                                        " AND name = %s", user_id, name) is not None:
        name = f"{name} ({external_id})"
    key_name = name
    if _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND key_name = %s"
            " AND name <> %s", user_id, name, name) is not None:
        key_name = f"{name}\x1f{external_id or secrets.token_hex(8)}"
    row = conn.execute(
        """
        INSERT INTO chats (user_profile_id, name, type, key_name, external_id)
        VALUES (%(user)s, %(name)s, %(type)s, %(key)s, %(ext)s)
        ON CONFLICT (user_profile_id, name) DO UPDATE SET type =
            CASE WHEN excluded.type = 'group' THEN excluded.type ELSE chats.type END
        RETURNING id, coalesce(key_name, name), xmax = 0
        """,
        {"user": user_id, "name": name, "type": chat_type, "ext": external_id, "key": key_name},
    ).fetchone()
    assert row is not None
    return ChatRef(int(row[0]), name, str(row[1]), created=bool(row[2]))


def _rename(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, old: str,
            new: str) -> bool:
    """Record a rename: chats.name becomes `new`, `old` goes to chat_names. False (nothing
    changed) when another chat already has the name `new`."""
    if _one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND name = %s AND id <> %s",
            user_id, new, chat_id) is not None:
        return False
    conn.execute("UPDATE chats SET key_name = coalesce(key_name, name), name = %s"
                 " WHERE id = %s AND user_profile_id = %s", (new, chat_id, user_id))
    conn.execute("DELETE FROM chat_names WHERE user_profile_id = %s AND name = %s", (user_id, new))
    conn.execute(
        "INSERT INTO chat_names (user_profile_id, chat_id, name) VALUES (%s, %s, %s)"
        " ON CONFLICT (user_profile_id, name) DO UPDATE SET chat_id = excluded.chat_id,"
        " renamed_at = now()", (user_id, chat_id, old))
    return True


def find_chat_id(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> int | None:
    """The chat whose current or earlier name is exactly `name`, if any."""
    return (_one(conn, "SELECT id FROM chats WHERE user_profile_id = %s AND name = %s",
                 user_id, name)
            or _one(conn, "SELECT chat_id FROM chat_names WHERE user_profile_id = %s"
                    " AND name = %s", user_id, name))


def earlier_names(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int) -> list[str]:
    """A chat's earlier names, oldest rename first."""
    return [str(r[0]) for r in conn.execute(
        "SELECT name FROM chat_names WHERE user_profile_id = %s AND chat_id = %s"
        " ORDER BY renamed_at, name", (user_id, chat_id))]


def overlap_by_chat(conn: psycopg.Connection[Any], *, user_id: int,
                    sample: Sequence[tuple[datetime, str | None, str]]
                    ) -> list[tuple[int, int, int]]:
    """For each chat of the user: (chat id, how many sample messages fall inside the chat's
    stored time span, how many of them are stored in it: same time, sender and text). One index
    probe per chat and sample message (messages_chat_sent_at)."""
    if not sample:
        return []
    times = [s[0] for s in sample]
    senders = [s[1] for s in sample]
    texts = [s[2] for s in sample]
    return [(int(c), int(inside), int(matched)) for c, inside, matched in conn.execute(
        """
        WITH s AS (SELECT * FROM unnest(%(t)s::timestamp[], %(s)s::text[], %(x)s::text[])
                   AS s(sent_at, sender, text)),
        span AS (SELECT c.id,
                        (SELECT min(sent_at) FROM messages m WHERE m.chat_id = c.id) AS lo,
                        (SELECT max(sent_at) FROM messages m WHERE m.chat_id = c.id) AS hi
                 FROM chats c WHERE c.user_profile_id = %(user)s)
        SELECT span.id,
               count(*) FILTER (WHERE s.sent_at BETWEEN span.lo AND span.hi),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM messages m
                   WHERE m.chat_id = span.id AND m.sent_at = s.sent_at
                     AND m.user_profile_id = %(user)s
                     AND m.sender_name IS NOT DISTINCT FROM s.sender AND m.text = s.text))
        FROM span CROSS JOIN s
        WHERE span.lo IS NOT NULL
        GROUP BY span.id
        """,
        {"t": times, "s": senders, "x": texts, "user": user_id})]


def touch_chat(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
               last: datetime | None) -> None:
    """Move chats.last_message_at forward to `last` (never backwards: old exports come late)."""
    if last is not None:
        conn.execute(
            "UPDATE chats SET last_message_at = GREATEST(last_message_at, %s)"
            " WHERE id = %s AND user_profile_id = %s",
            (last, chat_id, user_id),
        )




def chat_names(conn: psycopg.Connection[Any], *, user_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM chats WHERE user_profile_id = %s ORDER BY name", (user_id,))]


def resolve_chat(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> tuple[int, str]:
    """(id, stored name) of the chat a user means by `name`: exact, then prefix, then contained,
    ignoring case (rules.names.best_match); NotFound says what is known."""
    rows = conn.execute("SELECT name, id FROM chats WHERE user_profile_id = %s ORDER BY name",
                        (user_id,)).fetchall()
    ids = dict(rows)
    found = best_match(list(ids), name, what="chat")
    return int(ids[found]), found


def chat_type(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int) -> str:
    row = conn.execute("SELECT type FROM chats WHERE id = %s AND user_profile_id = %s",
                       (chat_id, user_id)).fetchone()
    return str(row[0]) if row else "one_to_one"
