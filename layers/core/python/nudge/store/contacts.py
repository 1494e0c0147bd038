"""Contacts: every sender becomes one; the user marks some critical."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from nudge.rules.names import best_match


def upsert_contacts(conn: psycopg.Connection[Any], *, user_id: int, names: Iterable[str]) -> None:
    """Make every sender name a contact of the user (existing ones are left as they are)."""
    conn.execute(
        "INSERT INTO contacts (user_profile_id, name) SELECT %s, n FROM unnest(%s::text[]) AS n"
        " ON CONFLICT (user_profile_id, name) DO NOTHING",
        (user_id, sorted(set(names))),
    )



def contact_ids(conn: psycopg.Connection[Any], *, user_id: int, names: Iterable[str]) -> dict[str, int]:
    return dict(conn.execute(
        "SELECT name, id FROM contacts WHERE user_profile_id = %s AND name = ANY(%s)",
        (user_id, list(names))).fetchall())


def resolve_contact(conn: psycopg.Connection[Any], *, user_id: int, name: str) -> str:
    """The stored contact name a user means (the same matching as chats)."""
    known = [r[0] for r in conn.execute(
        "SELECT name FROM contacts WHERE user_profile_id = %s ORDER BY name", (user_id,))]
    return best_match(known, name, what="contact")


def set_contact_critical(conn: psycopg.Connection[Any], *, user_id: int, name: str,
                         critical: bool) -> bool:
    """Mark a contact (matched by name, case-insensitive) critical or not; False if unknown."""
    rows = conn.execute(
        "UPDATE contacts SET is_critical = %s WHERE user_profile_id = %s AND lower(name) = lower(%s)",
        [critical, user_id, name]).rowcount
    return rows > 0


def critical_contacts(conn: psycopg.Connection[Any], *, user_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM contacts WHERE user_profile_id = %s AND is_critical ORDER BY name",
        [user_id])]
