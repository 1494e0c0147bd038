"""The HTTP contract (CONTRACTS.md) as a real client sees it: httpx against `nudge serve`'s stack
(uvicorn on loopback, moto server for DynamoDB, embedded Postgres)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("moto")

from tests.e2e.http.conftest import TOKEN  # noqa: E402 - after the importorskips


@pytest.fixture
def client(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http


@pytest.fixture
def anonymous(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        yield http


def lock_name() -> str:
    return f"contract-{uuid.uuid4().hex[:8]}"  # moto's state outlives one stack in a process


def batch(*messages: dict, name: str = "Ana") -> dict:
    return {"chat": {"name": name, "type": "one_to_one"}, "messages": list(messages)}


def msg(i: int, **fields) -> dict:
    return {"sent_at": f"2024-05-01T10:{i:02d}:00", "sender": "Ana", "text": f"hi {i}",
            "kind": "text", "from_me": False, "id": f"m{i}", **fields}


def test_health_answers_ok(anonymous):
    assert anonymous.get("/health").json() == {"status": "ok"}


def test_a_json_batch_is_stored_once_and_counted_as_duplicates_when_resent(client, db):
    first = client.post("/ingest", json=batch(msg(1), msg(2)))
    second = client.post("/ingest", json=batch(msg(1), msg(2), msg(3)))

    assert first.status_code == 200
    assert first.json() == {"chat": "Ana", "inserted": 2, "duplicates": 0, "skipped": 0}
    assert second.json() == {"chat": "Ana", "inserted": 1, "duplicates": 2, "skipped": 0}
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 3


@pytest.mark.parametrize(("method", "path"), [("POST", "/ingest"), ("POST", "/lock"),
                                              ("PUT", "/lock/x"), ("DELETE", "/lock/x")])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Token {TOKEN}"])
def test_every_protected_route_answers_401_without_the_right_bearer_token(
    anonymous, method, path, authorization
):
    headers = {"Authorization": authorization} if authorization else {}

    response = anonymous.request(method, path, json={}, headers=headers)

    assert response.status_code == 401
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize(("content", "error"), [
    (b'{"chat": {"name": "Ana"', "body: malformed JSON"),
    (json.dumps({"chat": "Ana", "messages": []}).encode(), "chat: must be an object"),
    (json.dumps(batch(msg(0), msg(1, from_me="no"))).encode(),
     "messages[1].from_me: must be true or false"),
    (json.dumps(batch(msg(0), msg(1), msg(2, kind="gif"))).encode(), "messages[2].kind"),
    (json.dumps(batch(msg(0), msg(1), msg(2), msg(3, sent_at="01/05/2024 10:00"))).encode(),
     "messages[3].sent_at: not an ISO-8601 date"),
])
def test_malformed_batches_answer_400_naming_the_field(client, db, content, error):
    response = client.post("/ingest", content=content,
                           headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_a_body_over_the_ten_megabyte_limit_answers_413(client):
    response = client.post("/ingest", content=b"x" * (10 * 1024 * 1024 + 1),
                           headers={"Content-Type": "text/plain"})

    assert response.status_code == 413 and "limit" in response.json()["error"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_with_a_path_traversal_entry_is_refused(client):
    response = client.post("/ingest", content=_zip({"../_chat.txt": b"x"}),
                           headers={"Content-Type": "application/zip"})

    assert response.status_code == 400 and "unsafe path" in response.json()["error"]


def test_a_zip_bomb_is_refused_before_inflating(client):
    bomb = _zip({"_chat.txt": b"0" * (200 * 1024 * 1024)})  # ~200 KB on the wire

    response = client.post("/ingest", content=bomb, headers={"Content-Type": "application/zip"})

    assert len(bomb) < 1024 * 1024
    assert response.status_code == 413 and "uncompressed" in response.json()["error"]


def test_the_lock_cycle_follows_the_contract(client):
    name = lock_name()

    acquired = client.post("/lock", json={"name": name, "owner": "laptop", "ttl_seconds": 60})
    busy = client.post("/lock", json={"name": name, "owner": "phone", "ttl_seconds": 60})
    lease = acquired.json()
    renewed = client.put(f"/lock/{name}", json={"token": lease["token"], "ttl_seconds": 120})
    wrong = client.put(f"/lock/{name}", json={"token": "nope", "ttl_seconds": 120})
    released = client.request("DELETE", f"/lock/{name}", json={"token": lease["token"]})
    again = client.request("DELETE", f"/lock/{name}", json={"token": lease["token"]})
    next_lease = client.post("/lock", json={"name": name, "owner": "phone", "ttl_seconds": 60})

    assert acquired.status_code == 200
    assert set(lease) >= {"acquired", "name", "token", "fence", "expires_at"}
    assert lease["acquired"] is True and lease["fence"] == 1
    assert busy.status_code == 409
    assert busy.json()["acquired"] is False and busy.json()["holder"] == "laptop"
    assert busy.json()["expires_at"] == lease["expires_at"]
    assert renewed.status_code == 200 and renewed.json()["expires_at"] > lease["expires_at"]
    assert wrong.status_code == 409 and "error" in wrong.json()
    assert released.status_code == 200
    assert again.status_code == 409
    assert next_lease.json()["fence"] == 2


def test_a_bad_ttl_answers_400_naming_ttl_seconds(client):
    response = client.post("/lock", json={"name": lock_name(), "owner": "o", "ttl_seconds": 0})

    assert response.status_code == 400 and "ttl_seconds" in response.json()["error"]


def test_a_write_with_a_stale_fence_answers_409_and_stores_nothing(client, db):
    name = lock_name()
    old = client.post("/lock", json={"name": name, "owner": "laptop", "ttl_seconds": 60}).json()
    client.request("DELETE", f"/lock/{name}", json={"token": old["token"]})
    new = client.post("/lock", json={"name": name, "owner": "phone", "ttl_seconds": 60}).json()

    def fenced(lease: dict) -> dict:
        return {"X-Lock-Name": name, "X-Lock-Token": lease["token"],
                "X-Lock-Fence": str(lease["fence"])}

    stale = client.post("/ingest", json=batch(msg(1)), headers=fenced(old))
    current = client.post("/ingest", json=batch(msg(2)), headers=fenced(new))

    assert stale.status_code == 409 and "stale fence" in stale.json()["error"]
    assert current.status_code == 200 and current.json()["inserted"] == 1
    assert db.execute("SELECT text FROM messages").fetchall() == [("hi 2",)]


def test_a_raw_text_export_is_imported_under_the_x_chat_name_header(client, db):
    export = b"01/05/2024, 10:00 - Ana: Hi\n01/05/2024, 10:01 - Sam: Hello\n"

    response = client.post("/ingest", content=export, headers={
        "Content-Type": "text/plain; charset=utf-8", "X-Chat-Name": "Ana%20%C3%A9"})

    assert response.status_code == 200
    assert response.json() == {"chat": "Ana é", "inserted": 2, "duplicates": 0, "skipped": 0}


def test_unknown_paths_answer_json_404(client):
    response = client.get("/nowhere")

    assert response.status_code == 404 and "error" in response.json()


def test_the_telegram_webhook_is_mounted_at_its_api_gateway_path(anonymous):
    pytest.importorskip("nudge.faces.telegram.webhook")

    response = anonymous.post("/telegram/webhook", json={"update_id": 1})

    assert response.status_code == 401 and "secret" in response.json()["error"]
