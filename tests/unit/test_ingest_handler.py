"""The ingest Lambda as API Gateway calls it (payload v2 events through Mangum), on a real
embedded Postgres and moto's DynamoDB for the lock fence."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.unit.test_lock_handler import (
    TOKEN,
    LambdaContext,
    answer,
    http_api_event,
    load_handler,
    set_aws_env,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")
boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

TABLE = "locks-handler-test"
AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def ingest_handler(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    from nudge.aws.lock import create_lock_table

    set_aws_env(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("NUDGE_TIMEZONE", "Europe/Berlin")
    with moto.mock_aws():
        create_lock_table(boto3.client("dynamodb", region_name="eu-west-1"), TABLE)
        module = load_handler("ingest", "ingest_handler_under_test")
        yield module
        module.app.state.connection.close()


def batch(*messages: dict, name: str = "Ana", chat_type: str = "one_to_one") -> dict:
    return {"chat": {"name": name, "type": chat_type}, "messages": list(messages)}


def msg(i: int, **fields) -> dict:
    return {"sent_at": f"2024-05-01T10:{i:02d}:00", "sender": "Ana", "text": f"hello {i}",
            "kind": "text", "from_me": False, "id": f"wa-{i}", **fields}


def post(handler: ModuleType, ctx: LambdaContext, body, *, headers: dict | None = None,
         base64_body: bool = False) -> tuple[int, dict]:
    event = http_api_event("POST", "/ingest", body=body, base64_body=base64_body,
                           headers=AUTH if headers is None else headers)
    return answer(handler.handler(event, ctx))


def stored(db) -> list[tuple]:
    return db.execute("SELECT c.name, m.sender_name, m.sent_at, m.text, m.kind, m.from_me "
                      "FROM messages m JOIN chats c ON c.id = m.chat_id "
                      "ORDER BY m.sent_at, m.text").fetchall()


def test_given_a_json_batch_when_posted_then_it_is_stored_and_counted(
    ingest_handler, lambda_context, db
):
    status, body = post(ingest_handler, lambda_context, batch(msg(1), msg(2), msg(3, text="")))

    assert (status, body) == (200, {"chat": "Ana", "inserted": 2, "duplicates": 0, "skipped": 1})
    assert len(stored(db)) == 2


def test_given_a_stored_batch_then_inserted_and_duplicate_counts_are_emitted_as_metrics(
    ingest_handler, lambda_context, db, capsys
):
    post(ingest_handler, lambda_context, batch(msg(1)))
    capsys.readouterr()

    post(ingest_handler, lambda_context, batch(msg(1), msg(2), msg(3)))

    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("{") and '"_aws"' in line]
    assert len(blobs) == 1
    assert blobs[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Nudge"
    assert (blobs[0]["MessagesInserted"], blobs[0]["MessagesDuplicate"]) == ([2.0], [1.0])


def test_given_the_same_batch_twice_when_posted_then_the_second_counts_only_duplicates(
    ingest_handler, lambda_context, db
):
    post(ingest_handler, lambda_context, batch(msg(1), msg(2)))

    _, body = post(ingest_handler, lambda_context, batch(msg(1), msg(2)))

    assert body == {"chat": "Ana", "inserted": 0, "duplicates": 2, "skipped": 0}
    assert len(stored(db)) == 2


def test_given_a_date_with_an_offset_then_it_is_stored_as_wall_clock_time_of_the_user_zone(
    ingest_handler, lambda_context, db
):
    post(ingest_handler, lambda_context, batch(msg(1, sent_at="2024-05-01T08:00:00Z")))

    assert stored(db)[0][2].isoformat() == "2024-05-01T10:00:00"  # Berlin, summer time


@pytest.mark.parametrize(("body", "error"), [
    ('{"chat": ', "body: malformed JSON"),
    ("[]", "body: must be a JSON object"),
    ({"messages": []}, "chat: must be an object"),
    (batch(msg(1), name=""), "chat.name: must not be empty"),
    (batch(msg(1), chat_type="crowd"), "chat.type: must be one_to_one or group"),
    ({"chat": {"name": "Ana"}, "messages": "x"}, "messages: must be a list"),
    (batch(msg(0), msg(1), msg(2), msg(3, sent_at="yesterday")),
     "messages[3].sent_at: not an ISO-8601 date"),
    (batch(msg(0, sent_at=1714557600)), "messages[0].sent_at: not an ISO-8601 date"),
    (batch(msg(0), msg(1, kind="sticker")), "messages[1].kind: unknown kind 'sticker'"),
    (batch(msg(0, from_me="yes")), "messages[0].from_me: must be true or false"),
    (batch(msg(0, text=42)), "messages[0].text: must be a string"),
    (batch(msg(0, sender=["Ana"])), "messages[0].sender: must be a string or null"),
    (batch(msg(0, id=7)), "messages[0].id: must be a string or null"),
    (batch({"sent_at": "2024-05-01T10:00:00"}), "messages[0].text: missing"),
    (batch("hello"), "messages[0]: must be an object"),
])
def test_given_a_malformed_batch_then_400_names_the_field_and_nothing_is_stored(
    ingest_handler, lambda_context, db, body, error
):
    status, answer_body = post(ingest_handler, lambda_context, body)

    assert status == 400
    assert answer_body["error"].startswith(error)
    assert stored(db) == []


@pytest.mark.parametrize("headers", [
    {"content-type": "application/json"},
    {"content-type": "application/json", "authorization": "Bearer not-it"},
])
def test_given_no_or_a_wrong_token_then_401_and_nothing_is_stored(
    ingest_handler, lambda_context, db, headers
):
    status, body = post(ingest_handler, lambda_context, batch(msg(1)), headers=headers)

    assert status == 401 and "token" in body["error"]
    assert stored(db) == []


def test_given_a_body_over_ten_megabytes_then_413(ingest_handler, lambda_context):
    big = json.dumps(batch(msg(1, text="x" * (10 * 1024 * 1024))))

    status, body = post(ingest_handler, lambda_context, big)

    assert status == 413 and "limit" in body["error"]


def test_given_an_unknown_content_type_then_415(ingest_handler, lambda_context):
    status, body = post(ingest_handler, lambda_context, "<xml/>",
                        headers={**AUTH, "content-type": "application/xml"})

    assert status == 415 and "Content-Type" in body["error"]


class TestFencing:
    """X-Lock-Token + X-Lock-Fence: only the lock's latest grant may write."""

    @pytest.fixture
    def locks(self, ingest_handler):
        from nudge.aws.lock import DynamoLockStore

        return DynamoLockStore(boto3.client("dynamodb", region_name="eu-west-1"), TABLE)

    def fenced(self, lease, name: str = "collector") -> dict:
        return {**AUTH, "x-lock-token": lease.token, "x-lock-fence": str(lease.fence),
                "x-lock-name": name}

    def test_given_the_current_lease_then_the_batch_is_stored(
        self, ingest_handler, lambda_context, locks, db
    ):
        lease = locks.acquire("collector", "laptop", 60)

        status, _ = post(ingest_handler, lambda_context, batch(msg(1)), headers=self.fenced(lease))

        assert status == 200 and len(stored(db)) == 1

    def test_given_a_stale_fence_after_takeover_then_409_and_nothing_is_stored(
        self, ingest_handler, lambda_context, locks, db
    ):
        old = locks.acquire("collector", "laptop", 60)
        locks.release("collector", old.token)
        locks.acquire("collector", "phone", 60)

        status, body = post(ingest_handler, lambda_context, batch(msg(1)),
                            headers=self.fenced(old))

        assert status == 409 and "stale fence 1" in body["error"]
        assert stored(db) == []

    def test_given_a_released_lease_with_the_latest_fence_then_409(
        self, ingest_handler, lambda_context, locks, db
    ):
        lease = locks.acquire("collector", "laptop", 60)
        locks.release("collector", lease.token)

        status, body = post(ingest_handler, lambda_context, batch(msg(1)),
                            headers=self.fenced(lease))

        assert status == 409 and "not the current holder" in body["error"]

    def test_given_a_lock_that_does_not_exist_then_409(self, ingest_handler, lambda_context, db):
        headers = {**AUTH, "x-lock-token": "t", "x-lock-fence": "1"}

        status, body = post(ingest_handler, lambda_context, batch(msg(1)), headers=headers)

        assert status == 409 and "does not exist" in body["error"]

    @pytest.mark.parametrize(("extra", "error"), [
        ({"x-lock-token": "t"}, "go together"),
        ({"x-lock-token": "t", "x-lock-fence": "one"}, "X-Lock-Fence: not an integer"),
    ])
    def test_given_half_or_garbled_lock_headers_then_400(
        self, ingest_handler, lambda_context, extra, error
    ):
        status, body = post(ingest_handler, lambda_context, batch(msg(1)),
                            headers={**AUTH, **extra})

        assert status == 400 and error in body["error"]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ZIP = {**AUTH, "content-type": "application/zip"}


@pytest.mark.parametrize(("entries", "status", "error"), [
    ({"../../etc/passwd": b"x", "_chat.txt": b"x"}, 400, "unsafe path"),
    ({"/abs/_chat.txt": b"x"}, 400, "unsafe path"),
    ({"C:\\_chat.txt": b"x"}, 400, "unsafe path"),
    ({"_chat.txt": b"\0" * (101 * 1024 * 1024)}, 413, "uncompressed"),
    ({f"f{i}.txt": b"" for i in range(1001)}, 413, "entries"),
])
def test_given_a_dangerous_zip_then_it_is_refused_before_parsing(
    ingest_handler, lambda_context, db, entries, status, error
):
    code, body = post(ingest_handler, lambda_context, zip_of(entries), headers=ZIP,
                      base64_body=True)

    assert code == status and error in body["error"]
    assert stored(db) == []


def test_given_bytes_that_are_not_a_zip_then_400(ingest_handler, lambda_context):
    code, body = post(ingest_handler, lambda_context, b"PK\x03\x04garbage", headers=ZIP,
                      base64_body=True)

    assert code == 400 and "zip" in body["error"]


def needs_parser() -> None:
    if not hasattr(pytest.importorskip("nudge.whatsapp"), "parse_bytes"):
        pytest.skip("nudge.whatsapp.parse_bytes not written yet")


EXPORT = (
    b"01/05/2024, 10:00 - Ana: Hi there\n"
    b"01/05/2024, 10:01 - Sam: Hello Ana\n"
    b"01/05/2024, 10:02 - Ana: Lunch tomorrow?\n"
)


def test_given_a_raw_text_export_with_a_chat_name_header_then_it_is_imported(
    ingest_handler, lambda_context, db
):
    needs_parser()
    headers = {**AUTH, "content-type": "text/plain; charset=utf-8",
               "x-chat-name": "Ana%20%F0%9F%8C%B8"}

    status, body = post(ingest_handler, lambda_context, EXPORT, headers=headers)
    again = post(ingest_handler, lambda_context, EXPORT, headers=headers)

    assert (status, body) == (200, {"chat": "Ana 🌸", "inserted": 3, "duplicates": 0,
                                    "skipped": 0})
    assert again[1]["duplicates"] == 3


def test_given_a_zipped_export_then_the_chat_name_comes_from_the_file_inside(
    ingest_handler, lambda_context, db
):
    needs_parser()
    data = zip_of({"WhatsApp Chat with Ana.txt": EXPORT})

    status, body = post(ingest_handler, lambda_context, data, headers={
        **ZIP, "x-file-name": "WhatsApp%20Chat%20with%20Ana.zip"}, base64_body=True)

    assert status == 200 and body["chat"] == "Ana" and body["inserted"] == 3


def test_given_a_raw_export_that_names_no_chat_then_400_asks_for_the_header(
    ingest_handler, lambda_context, db
):
    needs_parser()
    status, body = post(ingest_handler, lambda_context, EXPORT,
                        headers={**AUTH, "content-type": "text/plain"})

    assert status == 400 and "X-Chat-Name" in body["error"]


def test_given_text_that_is_not_an_export_then_400(ingest_handler, lambda_context, db):
    needs_parser()
    status, body = post(ingest_handler, lambda_context, b"just some words\n",
                        headers={**AUTH, "content-type": "text/plain", "x-chat-name": "Ana"})

    assert status == 400 and body["error"]
    assert stored(db) == []


def test_given_a_voice_note_with_base64_audio_then_its_audio_waits_for_transcription(
    ingest_handler, lambda_context, db
):
    import base64
    from pathlib import Path

    audio = (Path(__file__).resolve().parents[1] / "data" / "voice"
             / "PTT-20241126-WA0001.opus").read_bytes()
    media = {"mimetype": "audio/ogg; codecs=opus", "data": base64.b64encode(audio).decode()}
    status, body = post(ingest_handler, lambda_context,
                        batch(msg(1, kind="media", text="", media=media)))

    assert (status, body["inserted"]) == (200, 1)
    assert db.execute("SELECT m.kind, m.transcript_status, a.audio FROM messages m"
                      " JOIN message_audio a ON a.message_id = m.id").fetchall() == [
        ("media", "pending", audio)]
