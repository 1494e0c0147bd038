"""Jobs on SQS (moto in process) and the enrich Lambda's handler, over the embedded Postgres and
the real llm_service: the same code `nudge serve`'s workers run."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from nudge.aws.queue import SqsQueue, aws_client, create_queue
from nudge.config import Settings, load_settings
from nudge.faces.worker import QueueWorker
from nudge.features import enrichment, jobs
from nudge.features.enrichment import backlog
from nudge.features.importing import import_export
from tests.integration.test_enrichment import export

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LambdaContext:
    function_name: str = "enrich"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:enrich"
    aws_request_id: str = "request-1"


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield aws_client("sqs")


@pytest.fixture
def queued_settings(sqs: Any, db_url: str, llm_base_url: str, tmp_path: Path) -> Settings:
    jobs_url, _ = create_queue(sqs, "nudge-jobs")
    imports_url, _ = create_queue(sqs, "nudge-imports")
    return replace(load_settings({"DATABASE_URL": db_url, "LLM_BASE_URL": llm_base_url},
                                 data_dir=tmp_path),
                   jobs_queue_url=jobs_url, import_queue_url=imports_url)


def waiting(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return sum(int(attributes[k]) for k in ("ApproximateNumberOfMessages",
                                            "ApproximateNumberOfMessagesDelayed"))


def test_without_a_queue_submit_sends_nothing_and_says_so(tmp_path: Path) -> None:
    assert jobs.submit("enrich", {"user_id": 1}, settings=load_settings({}, data_dir=tmp_path)) is False


def test_an_unknown_kind_is_refused_when_submitted_and_when_received(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path)
    with pytest.raises(jobs.UnknownJob):
        jobs.submit("nope", {}, settings=settings)
    with pytest.raises(jobs.UnknownJob):
        jobs.handle(settings, {"kind": "nope", "payload": {}})


def test_another_face_registers_its_own_kind_and_the_worker_runs_it(queued_settings, sqs) -> None:
    seen: list[dict[str, Any]] = []
    jobs.register("test_summarize", lambda settings, payload: seen.append(payload))
    assert jobs.submit("test_summarize", {"user_id": 7, "chat": "Ana"}, settings=queued_settings)
    worker = QueueWorker(queued_settings, str(queued_settings.jobs_queue_url), name="jobs")
    assert worker.run_once() == 1
    assert seen == [{"user_id": 7, "chat": "Ana"}]
    assert waiting(sqs, str(queued_settings.jobs_queue_url)) == 0


def test_a_failing_job_stays_on_the_queue_for_a_retry(queued_settings, sqs) -> None:
    def broken(settings: Settings, payload: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    jobs.register("test_broken", broken)
    jobs.submit("test_broken", {}, settings=queued_settings)
    worker = QueueWorker(queued_settings, str(queued_settings.jobs_queue_url), name="jobs")
    assert worker.run_once() == 0
    attributes = sqs.get_queue_attributes(QueueUrl=queued_settings.jobs_queue_url,
                                          AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_the_enrich_lambda_drains_a_users_backlog_with_the_real_model_and_hands_on_the_rest(
    queued_settings, sqs, db, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_export(db, export(100), user_id=1)
    monkeypatch.setattr(enrichment, "JOB_LIMIT", 64)
    for name, value in {"DATABASE_URL": queued_settings.database_url,
                        "LLM_BASE_URL": queued_settings.llm_base_url,
                        "JOBS_QUEUE_URL": queued_settings.jobs_queue_url,
                        "NUDGE_DATA_DIR": str(queued_settings.data_dir),
                        "POWERTOOLS_METRICS_NAMESPACE": "NudgeTest"}.items():
        monkeypatch.setenv(name, str(value))
    spec = importlib.util.spec_from_file_location("enrich_handler",
                                                  ROOT / "functions" / "enrich" / "handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    event = {"Records": [{"messageId": "m-1", "body": json.dumps(
        {"kind": "enrich", "payload": {"user_id": 1}})}]}
    assert module.handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert backlog(db, user_id=1)[0] == 100 - 64
    assert waiting(sqs, str(queued_settings.jobs_queue_url)) == 1  # the rest, as a delayed job
    row = db.execute("SELECT count(*) FROM messages WHERE embedding IS NOT NULL").fetchone()
    assert row is not None and row[0] == 64


def test_an_enrich_job_while_the_llm_is_down_is_dropped_and_the_backlog_waits(
    queued_settings, sqs, db,
) -> None:
    from tests.fake_telegram import closed_port_url

    import_export(db, export(10), user_id=1)
    down = replace(queued_settings, llm_base_url=closed_port_url())
    jobs.submit("enrich", {"user_id": 1}, settings=down)
    assert QueueWorker(down, str(down.jobs_queue_url), name="jobs").run_once() == 1
    assert backlog(db, user_id=1)[0] == 10
    assert waiting(sqs, str(down.jobs_queue_url)) == 0


def test_a_job_that_is_not_json_is_kept_raw_and_refused(queued_settings) -> None:
    queue = SqsQueue(str(queued_settings.jobs_queue_url))
    aws_client("sqs").send_message(QueueUrl=queue.url, MessageBody="not json")
    [message] = queue.receive()
    assert message.body == {"raw": "not json"}
    with pytest.raises(jobs.UnknownJob):
        jobs.handle(queued_settings, message.body)
