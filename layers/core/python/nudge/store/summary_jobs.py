"""Summarization jobs of the HTTP API: created queued, claimed by the runner, finished with the
digests or an error (migration 0550)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

_COLUMNS = "id, status, since, until, chats, error, created_at, started_at, finished_at"


@dataclass(frozen=True, slots=True)
class SummaryJob:
    id: int
    status: str  # queued | running | done | failed
    since: date
    until: date
    chats: list[str] | None  # None: every chat
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def insert_job(conn: psycopg.Connection[Any], *, user_id: int, since: date, until: date,
               chats: list[str] | None) -> SummaryJob:
    """A new queued job."""
    row = conn.execute(
        f"INSERT INTO summary_jobs (user_profile_id, since, until, chats) VALUES (%s, %s, %s, %s)"
        f" RETURNING {_COLUMNS}", [user_id, since, until, chats]).fetchone()
    assert row is not None
    return SummaryJob(*row)


def get_job(conn: psycopg.Connection[Any], *, user_id: int, job_id: int) -> SummaryJob | None:
    """The user's job, or None (also when it is another user's)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM summary_jobs WHERE id = %s AND user_profile_id = %s",
                       [job_id, user_id]).fetchone()
    return None if row is None else SummaryJob(*row)


def job_result(conn: psycopg.Connection[Any], *, user_id: int, job_id: int) -> Any:
    """The stored result (JSON) of the user's job, or None."""
    row = conn.execute("SELECT result FROM summary_jobs WHERE id = %s AND user_profile_id = %s",
                       [job_id, user_id]).fetchone()
    return None if row is None else row[0]


def claim_job(conn: psycopg.Connection[Any], *, user_id: int, job_id: int,
              stale_after: timedelta) -> SummaryJob | None:
    """Mark the job running and return it, if it is queued (or ran longer than `stale_after`:
    its worker died); None when it is finished, running elsewhere, or not the user's."""
    row = conn.execute(
        f"UPDATE summary_jobs SET status = 'running', started_at = now(), error = NULL"
        f" WHERE id = %(id)s AND user_profile_id = %(user)s AND (status = 'queued'"
        f"   OR (status = 'running' AND started_at < now() - %(stale)s))"
        f" RETURNING {_COLUMNS}", {"id": job_id, "user": user_id, "stale": stale_after}).fetchone()
    return None if row is None else SummaryJob(*row)


def finish_job(conn: psycopg.Connection[Any], *, user_id: int, job_id: int, result: Any = None,
               error: str | None = None) -> None:
    """Store the result ('done') or the error ('failed')."""
    conn.execute(
        "UPDATE summary_jobs SET status = %s, result = %s, error = %s, finished_at = now()"
        " WHERE id = %s AND user_profile_id = %s",
        ["failed" if error is not None else "done", None if result is None else Jsonb(result),
         error, job_id, user_id])


def waiting_jobs(conn: psycopg.Connection[Any], *, user_id: int) -> tuple[int, datetime | None]:
    """(how many of the user's jobs are queued or running, when the oldest was created)."""
    row = conn.execute(
        "SELECT count(*), min(created_at) FROM summary_jobs"
        " WHERE user_profile_id = %s AND status IN ('queued', 'running')", [user_id]).fetchone()
    assert row is not None
    return int(row[0]), row[1]
