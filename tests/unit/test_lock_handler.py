"""The lock Lambda as API Gateway calls it: HTTP API payload v2 events through Mangum."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")
boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
pytest.importorskip("mangum")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token"


@dataclass
class LambdaContext:
    function_name: str = "nudge-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:nudge-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"


def http_api_event(method: str, path: str, *, body: bytes | str | dict | None = None,
                   headers: dict[str, str] | None = None, route: str | None = None,
                   request_id: str = "req-123", base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event as Lambda receives it."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode() if base64_body else body.decode()
    return {
        "version": "2.0",
        "routeKey": route or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "pytest",
            "x-forwarded-proto": "https",
            **{k.lower(): v for k, v in (headers or {}).items()},
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "requestId": request_id,
            "routeKey": route or f"{method} {path}",
            "stage": "$default",
            "time": "01/May/2024:12:00:00 +0000",
            "timeEpoch": 1714564800000,
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def load_handler(function_dir: str, module_name: str) -> ModuleType:
    """Import functions/<dir>/handler.py under a unique name (every function has a handler.py)."""
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / function_dir /
                                                  "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(response: dict[str, Any]) -> tuple[int, Any]:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return response["statusCode"], json.loads(body) if body else None


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def set_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the stack sets for the functions, with fake credentials for moto."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1", "LOCK_TABLE_NAME": "locks-handler-test",
        "INGEST_API_TOKEN": TOKEN, "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "Nudge",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_ENDPOINT_URL", "INGEST_API_TOKEN_SECRET_ARN", "POWERTOOLS_METRICS_DISABLED",
                "POWERTOOLS_DEV"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    set_aws_env(monkeypatch)


@pytest.fixture
def lock_handler(aws_env: None) -> Iterator[ModuleType]:
    from nudge.aws.lock import create_lock_table

    with moto.mock_aws():
        create_lock_table(boto3.client("dynamodb", region_name="eu-west-1"), "locks-handler-test")
        yield load_handler("lock", "lock_handler_under_test")


AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}


def call(handler: ModuleType, ctx: LambdaContext, method: str, path: str,
         body: dict | str | None = None, headers: dict | None = None) -> tuple[int, Any]:
    event = http_api_event(method, path, body=body, headers=AUTH if headers is None else headers,
                           route="POST /lock" if path == "/lock" else f"{method} /lock/{{name}}")
    return answer(handler.handler(event, ctx))


def test_given_a_free_lock_when_posting_then_it_is_acquired_with_token_and_fence(
    lock_handler, lambda_context
):
    status, body = call(lock_handler, lambda_context, "POST", "/lock",
                        {"name": "collector", "owner": "laptop", "ttl_seconds": 60})

    assert status == 200
    assert body["acquired"] is True and body["name"] == "collector" and body["fence"] == 1
    assert body["token"] and body["expires_at"].endswith("Z")


def test_given_a_held_lock_when_another_owner_posts_then_409_names_the_holder_and_counts_contention(
    lock_handler, lambda_context, capsys
):
    call(lock_handler, lambda_context, "POST", "/lock",
         {"name": "collector", "owner": "laptop", "ttl_seconds": 60})
    capsys.readouterr()

    status, body = call(lock_handler, lambda_context, "POST", "/lock",
                        {"name": "collector", "owner": "phone", "ttl_seconds": 60})

    assert status == 409
    assert body["acquired"] is False and body["holder"] == "laptop" and body["expires_at"]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{")]
    metric_blobs = [e for e in emitted if "_aws" in e]
    assert any(e.get("LockContention") == [1.0]
               for e in metric_blobs)
    assert metric_blobs[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Nudge"


def test_given_a_request_when_logged_then_the_correlation_id_is_the_api_gateway_request_id(
    lock_handler, lambda_context
):
    buffer = io.StringIO()
    previous = lock_handler.logger.registered_handler.setStream(buffer)
    event = http_api_event("POST", "/lock", body={"name": "c", "owner": "o", "ttl_seconds": 5},
                           headers=AUTH, request_id="corr-42")
    try:
        lock_handler.handler(event, lambda_context)
    finally:
        lock_handler.logger.registered_handler.setStream(previous)

    logs = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert logs and all(entry.get("correlation_id") == "corr-42" for entry in logs)


def test_given_the_holder_token_when_renewing_and_releasing_then_both_succeed(
    lock_handler, lambda_context
):
    _, lease = call(lock_handler, lambda_context, "POST", "/lock",
                    {"name": "collector", "owner": "laptop", "ttl_seconds": 60})

    renewed = call(lock_handler, lambda_context, "PUT", "/lock/collector",
                   {"token": lease["token"], "ttl_seconds": 120})
    released = call(lock_handler, lambda_context, "DELETE", "/lock/collector",
                    {"token": lease["token"]})
    _, again = call(lock_handler, lambda_context, "POST", "/lock",
                    {"name": "collector", "owner": "phone", "ttl_seconds": 60})

    assert renewed[0] == 200 and renewed[1]["expires_at"] > lease["expires_at"]
    assert released == (200, {"name": "collector", "released": True})
    assert again["fence"] == 2


def test_given_a_wrong_token_when_renewing_or_releasing_then_409(lock_handler, lambda_context):
    call(lock_handler, lambda_context, "POST", "/lock",
         {"name": "collector", "owner": "laptop", "ttl_seconds": 60})

    renew = call(lock_handler, lambda_context, "PUT", "/lock/collector",
                 {"token": "nope", "ttl_seconds": 60})
    release = call(lock_handler, lambda_context, "DELETE", "/lock/collector", {"token": "nope"})

    assert renew[0] == 409 and "not held" in renew[1]["error"]
    assert release[0] == 409


@pytest.mark.parametrize(("headers", "why"), [
    ({"content-type": "application/json"}, "missing"),
    ({"authorization": "Bearer wrong", "content-type": "application/json"}, "invalid"),
    ({"authorization": f"Basic {TOKEN}", "content-type": "application/json"}, "missing"),
])
def test_given_no_or_a_bad_token_when_calling_then_401(lock_handler, lambda_context, headers, why):
    status, body = call(lock_handler, lambda_context, "POST", "/lock",
                        {"name": "c", "owner": "o", "ttl_seconds": 5}, headers=headers)

    assert status == 401 and why in body["error"]


@pytest.mark.parametrize(("body", "field"), [
    ('{"name": "c", "owner": ', "malformed JSON"),
    ("[1, 2]", "JSON object"),
    ({"name": "c", "owner": "o", "ttl_seconds": 0}, "ttl_seconds"),
    ({"name": "c", "owner": "o", "ttl_seconds": 3601}, "ttl_seconds"),
    ({"name": "c", "owner": "o", "ttl_seconds": "60"}, "ttl_seconds"),
    ({"name": "", "owner": "o", "ttl_seconds": 60}, "name"),
    ({"name": "c", "ttl_seconds": 60}, "owner"),
])
def test_given_a_malformed_body_when_acquiring_then_400_names_the_problem(
    lock_handler, lambda_context, body, field
):
    status, answer_body = call(lock_handler, lambda_context, "POST", "/lock", body)

    assert status == 400 and field in answer_body["error"]


def test_given_a_missing_token_field_when_releasing_then_400(lock_handler, lambda_context):
    status, body = call(lock_handler, lambda_context, "DELETE", "/lock/collector", {})

    assert status == 400 and "token" in body["error"]


def test_health_answers_ok_without_a_token(lock_handler, lambda_context):
    event = http_api_event("GET", "/health", headers={})

    assert answer(lock_handler.handler(event, lambda_context)) == (200, {"status": "ok"})


def test_an_unknown_route_answers_a_json_404(lock_handler, lambda_context):
    status, body = answer(lock_handler.handler(http_api_event("GET", "/nope"), lambda_context))

    assert status == 404 and "error" in body


def test_given_a_secret_arn_then_the_token_comes_from_secrets_manager_not_the_environment(
    lock_handler, lambda_context, monkeypatch
):
    secrets = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = secrets.create_secret(Name="nudge/ingest-api-token",
                                SecretString="from-secrets-manager")["ARN"]
    monkeypatch.setenv("INGEST_API_TOKEN_SECRET_ARN", arn)
    body = {"name": "c", "owner": "o", "ttl_seconds": 5}

    with_secret = call(lock_handler, lambda_context, "POST", "/lock", body, headers={
        "authorization": "Bearer from-secrets-manager", "content-type": "application/json"})
    with_env_token = call(lock_handler, lambda_context, "POST", "/lock", body, headers=AUTH)

    assert with_secret[0] == 200
    assert with_env_token[0] == 401


def test_given_no_token_configured_anywhere_then_every_request_is_refused(
    lock_handler, lambda_context, monkeypatch
):
    monkeypatch.delenv("INGEST_API_TOKEN")

    status, body = call(lock_handler, lambda_context, "POST", "/lock",
                        {"name": "c", "owner": "o", "ttl_seconds": 5})

    assert status == 503 and "no ingest token" in body["error"]
