"""Lock fences recorded in Postgres, next to the rows they guard.

The lock itself lives in DynamoDB (nudge.aws.lock), but checking it there and then writing here
leaves a window: a takeover between the two lets a stale writer through. So every fenced write
also raises the user's highest seen fence for that lock inside its own transaction; a lower fence
updates no row and the write is refused before anything is stored (the classic fencing token:
the storage, not the client, enforces the order).
"""

from __future__ import annotations

from typing import Any

import psycopg


def advance_fence(conn: psycopg.Connection[Any], *, user_id: int, lock_name: str,
                  fence: int) -> int | None:
    """Record `fence` as the highest seen for (user, lock) unless a higher one was; return the
    stored fence, or None when `fence` is stale. Call inside the write's transaction: the row
    lock it takes orders concurrent fenced writes, and a rollback undoes it with the rows."""
    row = conn.execute(
        """
        INSERT INTO lock_fences (user_profile_id, lock_name, fence) VALUES (%s, %s, %s)
        ON CONFLICT (user_profile_id, lock_name) DO UPDATE
            SET fence = excluded.fence, updated_at = now()
            WHERE lock_fences.fence <= excluded.fence
        RETURNING fence
        """,
        (user_id, lock_name, fence),
    ).fetchone()
    return int(row[0]) if row else None


def highest_fence(conn: psycopg.Connection[Any], *, user_id: int, lock_name: str) -> int | None:
    row = conn.execute("SELECT fence FROM lock_fences WHERE user_profile_id = %s"
                       " AND lock_name = %s", (user_id, lock_name)).fetchone()
    return int(row[0]) if row else None
