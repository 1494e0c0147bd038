"""A Telegram upload never waits inside the webhook: the file goes to S3, its import to SQS.

GIVEN the webhook Lambda's app with an upload bucket and the import and job queues (moto, in
process), WHEN the owner uploads a 50,000-message export, THEN the webhook answers "importing…"
with nothing stored yet; the import job (what functions/import_upload runs) stores it, reports
the counts to the chat, drops the file and queues the enrichment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.aws.queue import SqsQueue, aws_client, create_bucket, create_queue
from nudge.faces.worker import QueueWorker, handle_sqs_event
from tests.fake_telegram import OWNER, FakeTelegram, WebhookStack, document_update, open_webhook_stack

BUCKET = "nudge-test-uploads"
MESSAGES = 50_000


def big_export(n: int) -> bytes:
    start = datetime(2024, 1, 1, 8, 0)
    lines = [f"{start + timedelta(minutes=i):%d/%m/%Y, %H:%M} - {('Ana', 'Sam', 'Ben')[i % 3]}: "
             f"message {i} about the trip to Lisbon" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def queued(aws_dynamodb: Any) -> dict[str, str]:
    """The queues and the bucket, as the CDK stack makes them (moto in process)."""
    sqs = aws_client("sqs")
    jobs, _ = create_queue(sqs, "nudge-jobs")
    imports, _ = create_queue(sqs, "nudge-imports")
    create_bucket(aws_client("s3"), BUCKET)
    return {"JOBS_QUEUE_URL": jobs, "IMPORT_QUEUE_URL": imports, "UPLOAD_BUCKET_NAME": BUCKET}


@pytest.fixture
def stack(db_url: str, fake_telegram: FakeTelegram, aws_dynamodb: Any, queued: dict[str, str],
          tmp_path: Any) -> Iterator[WebhookStack]:
    with open_webhook_stack(db_url, fake_telegram, aws_dynamodb, tmp_path, **queued) as running:
        yield running


def stored(db: psycopg.Connection[Any]) -> int:
    row = db.execute("SELECT count(*) FROM messages").fetchone()
    return int(row[0]) if row else 0


def upload(stack: WebhookStack, content: bytes, name: str) -> list[str]:
    file_id = stack.fake.add_file(content, name)
    before = len(stack.fake.texts())
    status, body = stack.post(document_update(OWNER, file_id, name, size=len(content)))
    assert status == 200 and body == {"status": "ok"}
    return stack.fake.texts()[before:]


def test_a_50k_message_upload_is_answered_at_once_then_imported_by_the_job_and_counted(
    stack: WebhookStack, db: psycopg.Connection[Any], queued: dict[str, str],
) -> None:
    name = "WhatsApp Chat with Lisbon.txt"
    [answer] = upload(stack, big_export(MESSAGES), name)
    assert answer.startswith("📥 Importing WhatsApp Chat with Lisbon.txt")
    assert stored(db) == 0  # the webhook only kept the file and queued the job
    s3 = aws_client("s3")
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1

    before = len(stack.fake.texts())
    assert QueueWorker(stack.settings, queued["IMPORT_QUEUE_URL"], name="imports").run_once() == 1
    assert stack.fake.texts()[before:] == [f"{MESSAGES} new messages in 'Lisbon', 0 already known."]
    assert stored(db) == MESSAGES
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    [enrich] = SqsQueue(queued["JOBS_QUEUE_URL"]).receive(max_messages=10)
    assert enrich.body == {"kind": "enrich", "payload": {"user_id": 1}}


def test_the_import_lambda_handler_reports_a_broken_zip_to_the_chat_and_not_as_a_failure(
    stack: WebhookStack, db: psycopg.Connection[Any], queued: dict[str, str],
) -> None:
    [answer] = upload(stack, b"PK\x03\x04 not really a zip", "chat.zip")
    assert "not a readable zip" in answer  # checked before anything is queued
    assert SqsQueue(queued["IMPORT_QUEUE_URL"]).receive(max_messages=10) == []

    [answer] = upload(stack, b"no header here\n", "WhatsApp Chat with X.txt")
    assert answer.startswith("📥 Importing")
    [message] = SqsQueue(queued["IMPORT_QUEUE_URL"]).receive(max_messages=10)
    before = len(stack.fake.texts())
    event = {"Records": [{"messageId": "m-1", "body": json.dumps(message.body)}]}
    assert handle_sqs_event(event, stack.settings) == {"batchItemFailures": []}
    [told] = stack.fake.texts()[before:]
    assert told.startswith("⚠️") and stored(db) == 0


def test_a_repeated_delivery_after_the_import_does_nothing(
    stack: WebhookStack, db: psycopg.Connection[Any], queued: dict[str, str],
) -> None:
    upload(stack, big_export(30), "WhatsApp Chat with Lisbon.txt")
    [message] = SqsQueue(queued["IMPORT_QUEUE_URL"]).receive(max_messages=10)
    event = {"Records": [{"messageId": "m-1", "body": json.dumps(message.body)}]}
    assert handle_sqs_event(event, stack.settings) == {"batchItemFailures": []}
    before = len(stack.fake.texts())
    assert handle_sqs_event(event, stack.settings) == {"batchItemFailures": []}
    assert stack.fake.texts()[before:] == [] and stored(db) == 30
