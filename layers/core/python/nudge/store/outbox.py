"""The outbox table: replies queued for WhatsApp, claimed and reported by a collector.

Every state change is one conditional UPDATE, so two collectors (or a retried request) can never
both claim a row: `queued -> sending` happens once, and only the claim's fence may report it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

_COLUMNS = ("o.id, c.name, c.type, o.text, o.origin, o.state, o.suggestion_id, o.created_at,"
            " o.claimed_at, o.finished_at, o.error, o.whatsapp_id, o.unknown_since, o.notified_at,"
            " o.claim_fence, o.lock_name")
_FROM = " FROM outbox o JOIN chats c ON c.id = o.chat_id AND c.user_profile_id = o.user_profile_id "

Row = tuple[Any, ...]


def is_enabled(conn: psycopg.Connection[Any], *, user_id: int) -> bool:
    row = conn.execute("SELECT outbox_enabled FROM summary_preferences WHERE user_profile_id = %s",
                       [user_id]).fetchone()
    return bool(row and row[0])


def set_enabled(conn: psycopg.Connection[Any], *, user_id: int, enabled: bool) -> None:
    conn.execute("INSERT INTO summary_preferences (user_profile_id, outbox_enabled) VALUES (%s, %s)"
                 " ON CONFLICT (user_profile_id) DO UPDATE SET outbox_enabled = excluded.outbox_enabled",
                 [user_id, enabled])


def insert(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, text: str, origin: str,
           suggestion_id: int | None = None) -> int:
    """A queued row; for a suggestion already in the outbox, that row (its text follows the latest
    approval while it is still queued, and nothing changes once it was claimed)."""
    row = conn.execute(
        "INSERT INTO outbox (user_profile_id, chat_id, text, origin, suggestion_id)"
        " VALUES (%(user)s, %(chat)s, %(text)s, %(origin)s, %(suggestion)s)"
        " ON CONFLICT (suggestion_id) WHERE suggestion_id IS NOT NULL DO UPDATE"
        "   SET text = CASE WHEN outbox.state = 'queued' THEN excluded.text ELSE outbox.text END,"
        "       origin = CASE WHEN outbox.state = 'queued' THEN excluded.origin ELSE outbox.origin END"
        "   WHERE outbox.user_profile_id = %(user)s"
        " RETURNING id",
        {"user": user_id, "chat": chat_id, "text": text, "origin": origin,
         "suggestion": suggestion_id}).fetchone()
    if row is None:  # the suggestion belongs to someone else: cannot happen through features
        raise LookupError(f"suggestion {suggestion_id} is not user {user_id}'s")
    return int(row[0])


def get(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> Row | None:
    return conn.execute(f"SELECT {_COLUMNS}{_FROM} WHERE o.id = %s AND o.user_profile_id = %s",
                        [outbox_id, user_id]).fetchone()


def for_suggestion(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int) -> Row | None:
    return conn.execute(f"SELECT {_COLUMNS}{_FROM} WHERE o.suggestion_id = %s AND o.user_profile_id = %s",
                        [suggestion_id, user_id]).fetchone()


def listed(conn: psycopg.Connection[Any], *, user_id: int, states: list[str] | None,
           limit: int) -> list[Row]:
    """Rows in the given states (all when None): queued ones per chat in queue order, then the
    rest newest first."""
    return conn.execute(
        f"SELECT {_COLUMNS}{_FROM} WHERE o.user_profile_id = %(user)s"
        " AND (%(states)s::text[] IS NULL OR o.state = ANY(%(states)s))"
        " ORDER BY o.state <> 'queued', CASE WHEN o.state = 'queued' THEN o.chat_id END,"
        " CASE WHEN o.state = 'queued' THEN o.id END, o.id DESC LIMIT %(limit)s",
        {"user": user_id, "states": states, "limit": limit}).fetchall()


def mark_unknown(conn: psycopg.Connection[Any], *, user_id: int, lock_name: str | None = None,
                 fence: int | None = None, claimed_before: datetime | None = None) -> int:
    """Flag 'sending' rows whose collector can no longer report: claimed under an older fence of
    the lock, or before `claimed_before`. They stay 'sending' (never handed out again)."""
    return conn.execute(
        "UPDATE outbox SET unknown_since = now() WHERE user_profile_id = %(user)s"
        " AND state = 'sending' AND unknown_since IS NULL"
        " AND ((%(fence)s::bigint IS NOT NULL AND lock_name = %(lock)s AND claim_fence < %(fence)s)"
        "      OR claimed_at < %(before)s::timestamptz)",
        {"user": user_id, "lock": lock_name, "fence": fence, "before": claimed_before}).rowcount


def claim(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int, lock_name: str, fence: int,
          owner: str | None) -> Row | None:
    """queued -> sending with the claim's fence, unless an earlier row of the same chat is still
    queued or is being sent under the same fence (per-chat order). None when not claimed."""
    row = conn.execute(
        "UPDATE outbox o SET state = 'sending', lock_name = %(lock)s, claim_fence = %(fence)s,"
        " claimed_by = %(owner)s, claimed_at = now()"
        " WHERE o.id = %(id)s AND o.user_profile_id = %(user)s AND o.state = 'queued'"
        " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.user_profile_id = o.user_profile_id"
        "   AND e.chat_id = o.chat_id AND e.id < o.id AND (e.state = 'queued' OR (e.state = 'sending'"
        "   AND e.lock_name = %(lock)s AND e.claim_fence = %(fence)s AND e.unknown_since IS NULL)))"
        " RETURNING o.id",
        {"id": outbox_id, "user": user_id, "lock": lock_name, "fence": fence, "owner": owner}).fetchone()
    return None if row is None else get(conn, user_id=user_id, outbox_id=outbox_id)


def earlier_pending(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> int | None:
    """The first earlier row of the same chat that is queued or being sent, if any."""
    row = conn.execute(
        "SELECT e.id FROM outbox o JOIN outbox e ON e.user_profile_id = o.user_profile_id"
        " AND e.chat_id = o.chat_id AND e.id < o.id AND e.state IN ('queued', 'sending')"
        " AND e.unknown_since IS NULL"
        " WHERE o.id = %s AND o.user_profile_id = %s ORDER BY e.id LIMIT 1",
        [outbox_id, user_id]).fetchone()
    return None if row is None else int(row[0])


def finish(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int, lock_name: str, fence: int,
           ok: bool, error: str | None, whatsapp_id: str | None) -> Row | None:
    """sending -> sent | failed, only by the claim's own fence. None when not this claim's to report."""
    row = conn.execute(
        "UPDATE outbox SET state = %(state)s, finished_at = now(), error = %(error)s,"
        " whatsapp_id = %(wid)s, unknown_since = NULL"
        " WHERE id = %(id)s AND user_profile_id = %(user)s AND state = 'sending'"
        " AND lock_name = %(lock)s AND claim_fence = %(fence)s RETURNING id",
        {"state": "sent" if ok else "failed", "error": None if ok else error, "wid": whatsapp_id,
         "id": outbox_id, "user": user_id, "lock": lock_name, "fence": fence}).fetchone()
    return None if row is None else get(conn, user_id=user_id, outbox_id=outbox_id)


def untold(conn: psycopg.Connection[Any], *, user_id: int, limit: int = 20) -> list[Row]:
    """Finished rows and unknown ones the user has not been told about, oldest first."""
    return conn.execute(
        f"SELECT {_COLUMNS}{_FROM} WHERE o.user_profile_id = %s AND o.notified_at IS NULL"
        " AND (o.state IN ('sent', 'failed') OR (o.state = 'sending' AND o.unknown_since IS NOT NULL))"
        " ORDER BY o.id LIMIT %s", [user_id, limit]).fetchall()


def mark_told(conn: psycopg.Connection[Any], *, user_id: int, ids: list[int]) -> None:
    conn.execute("UPDATE outbox SET notified_at = now() WHERE user_profile_id = %s AND id = ANY(%s)",
                 [user_id, ids])


def delete_queued(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> bool:
    """Take a row out of the queue before any collector claimed it."""
    return conn.execute("DELETE FROM outbox WHERE id = %s AND user_profile_id = %s AND state = 'queued'",
                        [outbox_id, user_id]).rowcount == 1
