"""The outbox routes and `nudge collect --sender` against `nudge serve`'s stack: the contract
(bearer auth, the lock's fence, another user's ids → 404, stale fence → 409), per-chat order, and
at most once when the collector dies between sending a reply and reporting it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("moto")

from nudge.faces.collector import CollectorError, OutgoingReply, SendFailed, collect  # noqa: E402
from nudge.features import outbox  # noqa: E402
from tests.e2e.http.conftest import TOKEN  # noqa: E402

OTHER_TOKEN = "token-of-user-two"


@pytest.fixture
def client(stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("INGEST_USER_TOKENS", f"2={OTHER_TOKEN}")  # read per request
    with httpx.Client(base_url=stack.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http


@pytest.fixture
def chats(client, db) -> int:
    """User 1 with the chats Ana and Ben (pushed like a collector does) and the outbox on."""
    for name in ("Ana", "Ben"):
        client.post("/ingest", json={"chat": {"name": name, "type": "one_to_one"}, "messages": [
            {"sent_at": "2024-05-01T10:00:00", "sender": name, "text": "dinner at 8?", "id": name}]})
    outbox.set_enabled(db, user_id=1, enabled=True)
    return 1


def lease(client: httpx.Client, name: str | None = None) -> dict[str, str]:
    """Fence headers of a fresh lease on a lock of its own (moto's state outlives one stack)."""
    name = name or f"outbox-{uuid.uuid4().hex[:8]}"
    got = client.post("/lock", json={"name": name, "owner": "test", "ttl_seconds": 60}).json()
    return {"X-Lock-Name": name, "X-Lock-Token": got["token"], "X-Lock-Fence": str(got["fence"])}


class FakeWhatsApp:
    """A sender that records what it delivered; `then` runs after delivering (to crash)."""

    def __init__(self, then=None, refuse: set[str] | None = None) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.then = then
        self.refuse = refuse or set()

    def __call__(self, reply: OutgoingReply) -> str:
        if reply.chat in self.refuse:
            raise SendFailed(f"no WhatsApp chat named {reply.chat}")
        self.delivered.append((reply.chat, reply.text))
        if self.then is not None:
            self.then(reply)
        return f"wa-{reply.id}"


def run(stack, tmp_path: Path, sender, **kwargs):
    """One collector run; runs of one test share a lock (one per test: moto outlives the stack)."""
    exports = tmp_path / "exports"
    exports.mkdir(exist_ok=True)
    return collect(exports, api_url=stack.base_url, token=TOKEN, state_path=tmp_path / "state.json",
                   sleep=lambda _: None, retries=1, lock_name=f"outbox-{abs(hash(str(tmp_path)))}",
                   sender=sender, **kwargs)


# --- the contract ------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("GET", "/outbox"), ("POST", "/outbox/1/claim"),
                                              ("POST", "/outbox/1/sent")])
def test_every_outbox_route_needs_the_bearer_token(stack, method, path):
    with httpx.Client(base_url=stack.base_url) as anonymous:
        answer = anonymous.request(method, path, headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401 and "error" in answer.json()


def test_without_the_locks_headers_the_outbox_answers_400(client, chats):
    answer = client.get("/outbox")
    assert answer.status_code == 400 and "take the lock first" in answer.json()["error"]


def test_a_stale_fence_answers_409_and_claims_nothing(client, chats, db):
    item = outbox.queue_custom(db, user_id=1, chat="Ana", text="hello")
    old = lease(client)
    client.request("DELETE", f"/lock/{old['X-Lock-Name']}", json={"token": old["X-Lock-Token"]})
    new = lease(client, old["X-Lock-Name"])
    for call in (lambda: client.get("/outbox", headers=old),
                 lambda: client.post(f"/outbox/{item.id}/claim", headers=old),
                 lambda: client.post(f"/outbox/{item.id}/sent", json={"ok": True}, headers=old)):
        answer = call()
        assert answer.status_code == 409 and "conflict" not in answer.json()
    assert outbox.get_item(db, user_id=1, outbox_id=item.id).state == "queued"
    assert [r["id"] for r in client.get("/outbox", headers=new).json()["replies"]] == [item.id]


def test_another_users_reply_is_404_on_claim_and_report(client, chats, db):
    item = outbox.queue_custom(db, user_id=1, chat="Ana", text="mine")
    fence = lease(client)
    other = {"Authorization": f"Bearer {OTHER_TOKEN}", **fence}
    assert client.get("/outbox", headers=other).json() == {"enabled": False, "replies": []}
    assert client.post(f"/outbox/{item.id}/claim", headers=other).status_code == 404
    assert client.post(f"/outbox/{item.id}/sent", json={"ok": True}, headers=other).status_code == 404
    assert client.post("/outbox/999999/claim", headers=fence).status_code == 404
    assert outbox.get_item(db, user_id=1, outbox_id=item.id).state == "queued"


def test_claim_then_report_follows_the_contract(client, chats, db):
    first = outbox.queue_custom(db, user_id=1, chat="Ana", text="one")
    second = outbox.queue_custom(db, user_id=1, chat="Ana", text="two")
    fence = lease(client)
    listed = client.get("/outbox", headers=fence).json()
    assert listed["enabled"] is True
    assert [(r["id"], r["chat"], r["text"], r["state"]) for r in listed["replies"]] == [
        (first.id, "Ana", "one", "queued"), (second.id, "Ana", "two", "queued")]
    out_of_order = client.post(f"/outbox/{second.id}/claim", headers=fence)
    assert out_of_order.status_code == 409 and out_of_order.json()["conflict"] == "reply"
    unclaimed = client.post(f"/outbox/{first.id}/sent", json={"ok": True}, headers=fence)
    assert unclaimed.status_code == 409
    claimed = client.post(f"/outbox/{first.id}/claim", headers=fence)
    assert claimed.status_code == 200 and claimed.json()["state"] == "sending"
    bad = client.post(f"/outbox/{first.id}/sent", json={"ok": "yes"}, headers=fence)
    assert bad.status_code == 400 and bad.json()["error"].startswith("ok:")
    assert client.post(f"/outbox/{first.id}/sent", json={"ok": False}, headers=fence).status_code == 400
    sent = client.post(f"/outbox/{first.id}/sent", json={"ok": True, "whatsapp_id": "w1"}, headers=fence)
    assert sent.status_code == 200 and (sent.json()["state"], sent.json()["whatsapp_id"]) == ("sent", "w1")
    again = client.post(f"/outbox/{first.id}/sent", json={"ok": True}, headers=fence)
    assert again.status_code == 200 and again.json()["state"] == "sent"  # a retried report


# --- the collector -----------------------------------------------------------------------------

def test_the_collector_sends_each_queued_reply_once_in_order_and_reports_failures(
        stack, client, chats, db, tmp_path):
    one = outbox.queue_custom(db, user_id=1, chat="Ana", text="one")
    refused = outbox.queue_custom(db, user_id=1, chat="Ben", text="for Ben")
    two = outbox.queue_custom(db, user_id=1, chat="Ana", text="two")
    whatsapp = FakeWhatsApp(refuse={"Ben"})
    report = run(stack, tmp_path, whatsapp)
    assert whatsapp.delivered == [("Ana", "one"), ("Ana", "two")]
    assert report.replies_sent == [one.id, two.id]
    assert report.replies_failed == {refused.id: "no WhatsApp chat named Ben"}
    assert outbox.get_item(db, user_id=1, outbox_id=refused.id).error == "no WhatsApp chat named Ben"
    assert run(stack, tmp_path, whatsapp).replies_sent == []
    assert len(whatsapp.delivered) == 2


class Crash(BaseException):
    """The collector process dying (not an error it could catch and report)."""


def _crash(reply: OutgoingReply) -> None:
    raise Crash


def _fail_reports(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("network gone", request=request)


@pytest.mark.parametrize("how", ["the process dies after sending",
                                 "the report never reaches the API"])
def test_a_reply_sent_but_never_reported_is_never_sent_again_and_shows_unknown(
        stack, client, chats, db, tmp_path, how):
    item = outbox.queue_custom(db, user_id=1, chat="Ana", text="on my way")
    after = outbox.queue_custom(db, user_id=1, chat="Ana", text="there in 5")
    if how.startswith("the process"):
        first = FakeWhatsApp(then=_crash)
        with pytest.raises(Crash):
            run(stack, tmp_path, first)
    else:
        first = FakeWhatsApp()

        class DropReports(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if request.url.path.endswith("/sent"):
                    return _fail_reports(request)
                return super().handle_request(request)

        with pytest.raises(CollectorError, match="attempts"):
            run(stack, tmp_path, first, client=httpx.Client(transport=DropReports()))
    assert first.delivered == [("Ana", "on my way")]

    second = FakeWhatsApp()
    report = run(stack, tmp_path, second)
    assert second.delivered == [("Ana", "there in 5")]  # never the unreported one again
    assert report.replies_sent == [after.id]
    stored = outbox.get_item(db, user_id=1, outbox_id=item.id)
    assert (stored.state, stored.status) == ("sending", "unknown")
    assert [i.id for i in outbox.untold(db, user_id=1) if i.status == "unknown"] == [item.id]


def test_a_sender_that_breaks_leaves_its_reply_unknown_and_stops_the_outbox(stack, client, chats, db,
                                                                            tmp_path):
    item = outbox.queue_custom(db, user_id=1, chat="Ana", text="hello")
    waiting = outbox.queue_custom(db, user_id=1, chat="Ben", text="later")

    def broken(reply: OutgoingReply) -> str:
        raise RuntimeError("browser tab crashed")

    report = run(stack, tmp_path, broken)
    assert report.replies_unknown == [item.id] and report.replies_sent == []
    assert "unknown, check WhatsApp" in "\n".join(report.lines())
    assert outbox.get_item(db, user_id=1, outbox_id=waiting.id).state == "queued"
