"""GET /system/status: 200 when every part works, 503 naming the failing one."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

pytest.importorskip("fastapi")

from tests.e2e.http.api.helpers import TOKEN_A, batch, make_app, msg


@pytest.fixture
def healthy(settings, tokens, llm_client):
    """The API with the real llm_service behind it."""
    from fastapi.testclient import TestClient

    with TestClient(make_app(settings, llm=llm_client),
                    headers={"Authorization": f"Bearer {TOKEN_A}"}) as client:
        yield client


def test_status_is_200_when_database_llm_and_queue_work(healthy, sql):
    healthy.post("/messages", json=batch("Ana", msg(1), msg(2)))
    sql.execute("INSERT INTO digests (user_profile_id, day, period_start, period_end, sent_at)"
                " VALUES (1, '2024-05-01', '2024-05-01', '2024-05-02', now())")

    response = healthy.get("/system/status")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "llm": True, "queue": True}
    assert body["checks"]["queue"]["pending_enrichment"] == 2
    assert body["last_import_at"] is not None
    assert body["last_digest"]["day"] == "2024-05-01" and body["last_digest"]["sent_at"]
    assert body["last_reminder_at"] is None


def test_status_is_503_naming_the_llm_when_none_answers(api):
    response = api.get("/system/status")

    assert response.status_code == 503
    assert response.json()["failing"] == ["llm"]
    assert response.json()["checks"]["database"] == {"ok": True}


def test_status_is_503_naming_the_queue_when_work_waited_too_long(healthy, sql):
    healthy.post("/messages", json=batch("Ana", msg(1)))
    sql.execute("UPDATE messages SET imported_at = now() - interval '3 hours'")

    body = healthy.get("/system/status").json()

    assert body["failing"] == ["queue"]
    assert body["checks"]["queue"]["oldest_pending_age_seconds"] > 3 * 3600 - 60


def test_status_is_503_naming_the_database_when_it_is_unreachable(settings, tokens, llm_client):
    from fastapi.testclient import TestClient

    @contextmanager
    def broken():
        raise OSError("connection refused")
        yield

    app = make_app(settings, llm=llm_client, connection=broken)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN_A}"}) as client:
        response = client.get("/system/status")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database", "queue"]
    assert "unreachable" in body["checks"]["database"]["error"]
