"""The local stack (`nudge serve`'s apps, moto, the embedded Postgres) for the HTTP e2e modules:
one stack per module over a database of its own, emptied before each test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

TOKEN = "contract-test-token"


def fresh_database(pg_server, template: str) -> Iterator[str]:
    """A migrated database of its own (dropped afterwards); yields its URL."""
    import psycopg

    name = f"stack_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield pg_server.get_uri(name)
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def running_stack(db_url: str, data_dir) -> Iterator[object]:
    """`nudge serve`'s stack on a free loopback port, over the given database."""
    from nudge.config import load_settings
    from nudge.faces.serve import local_stack

    settings = load_settings(env={"DATABASE_URL": db_url, "INGEST_API_TOKEN": TOKEN},
                             data_dir=data_dir)
    with local_stack(settings) as running:
        yield running


def emptied(db_url: str) -> Iterator[object]:
    """A connection to the stack's database, emptied of chats and messages first."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("TRUNCATE messages, contacts, chats CASCADE")
        yield conn


@pytest.fixture(scope="module")
def stack_db_url(pg_server, _pg_template) -> Iterator[str]:
    yield from fresh_database(pg_server, _pg_template)


@pytest.fixture(scope="module")
def stack(stack_db_url, tmp_path_factory) -> Iterator[object]:
    """One stack for the module (starting one per test would cost ~0.5 s each)."""
    yield from running_stack(stack_db_url, tmp_path_factory.mktemp("stack"))


@pytest.fixture
def db(stack, stack_db_url) -> Iterator[object]:
    yield from emptied(stack_db_url)
