"""Fenced writes: the lock fence is checked and recorded in the same Postgres transaction as the
rows it guards (nudge.store.fences), so a writer whose lease was taken over cannot slip a write
in between a lock check and the insert."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from nudge.aws.lock import StaleFence
from nudge.store.fences import advance_fence, highest_fence


@contextmanager
def fenced(conn: psycopg.Connection[Any], *, user_id: int,
           claim: tuple[str, int] | None) -> Iterator[None]:
    """One transaction around a write. With a claim (lock name, fence) it first raises the
    stored fence to `fence`, or raises StaleFence, storing nothing, if a higher fence has
    written for this user and lock already; the rows written inside commit with it."""
    with conn.transaction():
        if claim is not None:
            lock_name, fence = claim
            if advance_fence(conn, user_id=user_id, lock_name=lock_name, fence=fence) is None:
                seen = highest_fence(conn, user_id=user_id, lock_name=lock_name)
                raise StaleFence(f"stale fence {fence}: lock {lock_name!r} has written with "
                                 f"fence {seen} already")
        yield
