"""Apply the ordered plain-SQL migrations in migrations/ exactly once per database.

Runs locally on start (open_database) and on AWS from a migration function; a session advisory
lock makes concurrent starts wait for each other instead of racing.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import psycopg
from psycopg import pq

_LOCK_KEY = 0x6E75646765  # "nudge": one advisory lock key for all migration runs


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) of every migration, in order; the version is the file name without .sql."""
    folder = resources.files("nudge.store") / "migrations"
    files = sorted(
        (entry.name for entry in folder.iterdir() if entry.name.endswith(".sql")),
    )
    return [(name.removesuffix(".sql"), (folder / name).read_text("utf-8")) for name in files]


def apply_migrations(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the migrations not yet recorded in schema_migrations; return the versions applied.

    Each migration runs in its own transaction together with its schema_migrations row, so a
    failing file leaves nothing half-applied. The connection must be idle (no open transaction).
    """
    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        raise RuntimeError("apply_migrations needs an idle connection (commit or roll back first)")
    autocommit = conn.autocommit
    conn.autocommit = True
    applied: list[str] = []
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())  # type: ignore[call-overload]  # trusted file
                    conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES (%s)", (version,)
                    )
                applied.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    finally:
        conn.autocommit = autocommit
    return applied
