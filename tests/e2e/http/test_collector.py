"""`nudge collect` against the local stack: locking, incremental uploads, retries, and an
interrupted run that, once re-run, leaves exactly what one clean run leaves."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.e2e.http.conftest import TOKEN

httpx = pytest.importorskip("httpx")

from nudge.faces.collector import CollectorError, collect  # noqa: E402


def export(sender: str, day: int, count: int, *, start: int = 0) -> bytes:
    lines = [f"{day:02d}/05/2024, 10:{i:02d} - {sender if i % 2 else 'Sam'}: message {i} to {sender}"
             for i in range(start, start + count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "WhatsApp Chat with Ana.txt").write_bytes(export("Ana", 1, 6))
    (folder / "WhatsApp Chat with Ben.txt").write_bytes(export("Ben", 2, 4))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Cleo.txt", export("Cleo", 3, 5))
        archive.writestr("IMG-20240503-WA0001.jpg", b"\xff\xd8 not really a jpeg")
    (folder / "WhatsApp Chat with Cleo.zip").write_bytes(buffer.getvalue())
    (folder / "notes.md").write_text("not an export")
    return folder


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "collector.json"


class Spy(httpx.BaseTransport):
    """Real HTTP to the stack, recording requests; `fail` may replace or follow any request."""

    def __init__(self, fail=None) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests: list[tuple[str, str]] = []
        self.fail = fail

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        if self.fail is not None:
            early = self.fail(request, None, self)
            if early is not None:
                return early
        response = self.inner.handle_request(request)
        if self.fail is not None:
            response.read()
            self.fail(request, response, self)
        return response

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))


def run(stack, exports: Path, state: Path, spy: Spy | None = None, **kwargs):
    client = httpx.Client(transport=spy) if spy else None
    return collect(exports, api_url=stack.base_url, token=TOKEN, state_path=state,
                   client=client, sleep=lambda _: None, **kwargs)


def rows(db) -> list[tuple]:
    return db.execute("SELECT c.name, m.sender_name, m.sent_at, m.text FROM messages m "
                      "JOIN chats c ON c.id = m.chat_id ORDER BY 1, 3, 4").fetchall()


def test_a_first_run_uploads_every_export_and_a_second_run_sends_nothing(
    stack, db, exports, state
):
    first = run(stack, exports, state)
    spy = Spy()
    second = run(stack, exports, state, spy)

    assert sorted((u.file, u.result["chat"], u.result["inserted"]) for u in first.uploaded) == [
        ("WhatsApp Chat with Ana.txt", "Ana", 6),
        ("WhatsApp Chat with Ben.txt", "Ben", 4),
        ("WhatsApp Chat with Cleo.zip", "Cleo", 5),
    ]
    assert len(rows(db)) == 15
    assert len(second.unchanged) == 3 and second.uploaded == []
    assert spy.requests == []  # nothing new: not even the lock is taken


def test_a_changed_export_is_sent_again_and_only_its_new_messages_are_inserted(
    stack, db, exports, state
):
    run(stack, exports, state)
    ana = exports / "WhatsApp Chat with Ana.txt"
    ana.write_bytes(ana.read_bytes() + export("Ana", 1, 2, start=6))

    report = run(stack, exports, state)

    assert [(u.file, u.result["inserted"], u.result["duplicates"]) for u in report.uploaded] == [
        ("WhatsApp Chat with Ana.txt", 2, 6)]
    assert len(rows(db)) == 17


def test_a_run_interrupted_after_the_first_upload_then_rerun_equals_one_clean_run(
    stack, db, exports, state, tmp_path
):
    run(stack, exports, state)
    clean = rows(db)
    db.execute("TRUNCATE messages, contacts, chats CASCADE")
    state.unlink()

    def crash_after_second_upload_is_stored(request, response, spy):
        # The server stores the second export, then the collector dies before hearing back.
        if response is not None and spy.count("POST", "/ingest") == 2:
            raise KeyboardInterrupt("power cut")

    spy = Spy(crash_after_second_upload_is_stored)
    with pytest.raises(KeyboardInterrupt):
        run(stack, exports, state, spy)
    after_crash = len(rows(db))
    rerun = run(stack, exports, state)

    assert spy.requests[-1] == ("DELETE", "/lock/collector")  # released despite the crash
    assert after_crash == 10  # Ana and Ben stored; only Ana confirmed in the state file
    assert [u.file for u in rerun.uploaded] == ["WhatsApp Chat with Ben.txt",
                                                "WhatsApp Chat with Cleo.zip"]
    assert rerun.uploaded[0].result["duplicates"] == 4  # re-sent, never double-stored
    assert rows(db) == clean


def test_when_another_collector_holds_the_lock_the_run_says_until_when_and_sends_nothing(
    stack, db, exports, state
):
    with httpx.Client(base_url=stack.base_url,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        other = http.post("/lock", json={"name": "collector", "owner": "phone",
                                         "ttl_seconds": 60}).json()
        try:
            report = run(stack, exports, state)
        finally:
            http.request("DELETE", "/lock/collector", json={"token": other["token"]})

    assert report.busy == (f"another collector (phone) holds the lock until "
                           f"{other['expires_at']}")
    assert report.lines() == [report.busy]
    assert rows(db) == [] and not state.exists()


def test_transient_server_errors_and_dropped_connections_are_retried(
    stack, db, exports, state
):
    def flaky(request, response, spy):
        if response is None and request.url.path == "/ingest":
            attempt = spy.count("POST", "/ingest")
            if attempt == 1:
                return httpx.Response(503, json={"error": "warming up"})
            if attempt == 2:
                raise httpx.ConnectError("connection refused", request=request)
            if attempt == 3:
                return httpx.Response(429, headers={"Retry-After": "1"})
        return None

    waits: list[float] = []
    spy = Spy(flaky)
    report = collect(exports, api_url=stack.base_url, token=TOKEN, state_path=state,
                     client=httpx.Client(transport=spy), sleep=waits.append, backoff=0.5)

    assert len(report.uploaded) == 3 and len(rows(db)) == 15
    assert waits == [0.5, 1.0, 2.0]  # exponential, and Retry-After respected as a floor


def test_retries_are_bounded_and_the_lock_is_released_when_they_run_out(
    stack, db, exports, state
):
    def down(request, response, spy):
        if response is None and request.url.path == "/ingest":
            return httpx.Response(502, json={"error": "bad gateway"})
        return None

    spy = Spy(down)
    with pytest.raises(CollectorError, match="HTTP 502"):
        run(stack, exports, state, spy, retries=3)

    assert spy.count("POST", "/ingest") == 4
    assert spy.requests[-1] == ("DELETE", "/lock/collector")


def test_the_lease_is_renewed_before_an_upload_once_half_of_it_has_passed(
    stack, db, exports, state
):
    ticks = iter([0.0, 10.0, 31.0, 32.0, 40.0, 70.0, 71.0])
    spy = Spy()

    report = run(stack, exports, state, spy, ttl_seconds=60, clock=lambda: next(ticks))

    assert len(report.uploaded) == 3
    assert spy.requests == [
        ("POST", "/lock"), ("POST", "/ingest"),
        ("PUT", "/lock/collector"), ("POST", "/ingest"), ("POST", "/ingest"),
        ("DELETE", "/lock/collector"),
    ]


def test_a_collector_that_lost_its_lease_stops_and_its_late_write_is_refused(
    stack, db, exports, state
):
    def steal_lock_after_first_upload(request, response, spy):
        if response is not None and request.url.path == "/lock" and request.method == "POST":
            spy.lease = response.json()
        if response is not None and request.url.path == "/ingest" and not hasattr(spy, "thief"):
            with httpx.Client(base_url=stack.base_url,
                              headers={"Authorization": f"Bearer {TOKEN}"}) as other:
                other.request("DELETE", "/lock/collector", json={"token": spy.lease["token"]})
                spy.thief = other.post("/lock", json={"name": "collector", "owner": "thief",
                                                      "ttl_seconds": 60}).json()

    spy = Spy(steal_lock_after_first_upload)
    with pytest.raises(CollectorError, match="409"):
        run(stack, exports, state, spy)
    with httpx.Client(base_url=stack.base_url,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as other:
        other.request("DELETE", "/lock/collector", json={"token": spy.thief["token"]})

    assert spy.count("POST", "/ingest") == 2
    assert len(rows(db)) == 6  # the first export only; the late second write was refused


def test_an_export_the_server_refuses_is_reported_and_the_others_still_go(
    stack, db, exports, state
):
    (exports / "WhatsApp Chat with Zed.txt").write_text("this is not a chat export\n")

    report = run(stack, exports, state)

    assert [u.file for u in report.uploaded] == ["WhatsApp Chat with Ana.txt",
                                                 "WhatsApp Chat with Ben.txt",
                                                 "WhatsApp Chat with Cleo.zip"]
    assert list(report.failed) == ["WhatsApp Chat with Zed.txt"]
    assert "HTTP 400" in report.failed["WhatsApp Chat with Zed.txt"]
    assert report.lines()[-1] == "3 uploaded, 0 unchanged, 1 refused"


def test_a_wrong_token_stops_the_run_with_a_clear_error(stack, exports, state):
    with pytest.raises(CollectorError, match="401"):
        collect(exports, api_url=stack.base_url, token="wrong", state_path=state,
                sleep=lambda _: None)
