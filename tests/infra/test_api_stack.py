"""API: the contract's routes, throttling, access logs, and functions with least privilege."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import REPO_ROOT, Synth, one, resources

pytest.importorskip("aws_cdk")


def _policy_of(template: dict, function_prefix: str) -> list[dict]:
    (policy,) = [
        p for k, p in resources(template, "AWS::IAM::Policy").items()
        if k.startswith(function_prefix)
    ]  # fmt: skip
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    for statement in statements:  # CloudFormation allows a lone action as a plain string
        if isinstance(statement["Action"], str):
            statement["Action"] = [statement["Action"]]
    return statements


def test_routes_match_the_http_contract(each_env: Synth) -> None:
    routes = resources(each_env.raw(each_env.system.api), "AWS::ApiGatewayV2::Route").values()
    assert {r["Properties"]["RouteKey"] for r in routes} == {
        "POST /ingest", "GET /health", "POST /lock", "PUT /lock/{name}", "DELETE /lock/{name}",
        "POST /telegram/webhook", "GET /outbox", "POST /outbox/{id}/claim", "POST /outbox/{id}/sent",
        "GET /messages", "POST /messages", "POST /summarization/start",
        "GET /summarization/status/{job_id}", "GET /summarization/result/{job_id}",
        "POST /replies/generate", "POST /replies/approve", "POST /replies/update-reply",
        "POST /replies/custom", "GET /system/status", "GET /openapi.json", "GET /docs",
    }  # fmt: skip


def test_every_route_of_the_openapi_document_is_routed_to_a_function(dev: Synth) -> None:
    document = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    documented = {f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops}
    routes = resources(dev.raw(dev.system.api), "AWS::ApiGatewayV2::Route").values()
    assert documented <= {r["Properties"]["RouteKey"] for r in routes}


def test_api_routes_go_to_the_api_function(dev: Synth) -> None:
    template = dev.raw(dev.system.api)
    integrations = {k: v["Properties"]["IntegrationUri"] for k, v in
                    resources(template, "AWS::ApiGatewayV2::Integration").items()}  # fmt: skip
    by_route = {r["Properties"]["RouteKey"]: r["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
                for r in resources(template, "AWS::ApiGatewayV2::Route").values()}  # fmt: skip
    for route in ("GET /messages", "POST /replies/custom", "GET /system/status", "GET /docs"):
        assert "ApiFunction" in json.dumps(integrations[by_route[route]])


def test_stage_throttles_and_writes_json_access_logs(dev: Synth, prod: Synth) -> None:
    for synth, rate in ((dev, 5), (prod, 10)):
        stage = one(synth.raw(synth.system.api), "AWS::ApiGatewayV2::Stage")["Properties"]
        assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
        assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == rate
        assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 2 * rate
        assert "$context.requestId" in stage["AccessLogSettings"]["Format"]
        assert "DestinationArn" in stage["AccessLogSettings"]


def test_functions_are_python_311_x86_in_private_subnets_with_powertools(dev: Synth) -> None:
    functions = resources(dev.raw(dev.system.api), "AWS::Lambda::Function").values()
    assert len(functions) == 4
    for fn in functions:
        props = fn["Properties"]
        assert props["Runtime"] == "python3.11"
        assert props["Architectures"] == ["x86_64"]
        assert props["Handler"] == "handler.handler"
        assert len(props["Layers"]) == 2
        assert "lambda" in json.dumps(props["VpcConfig"]["SubnetIds"]).lower()
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Nudge"
        assert env["POWERTOOLS_SERVICE_NAME"] in {"ingest", "lock", "telegram", "api"}
        assert env["NUDGE_TIMEZONE"] == "Europe/Berlin"
        assert env["NUDGE_DIGEST_TIME"] == "08:00"  # seeds the first user's digest time
        assert {"LOG_LEVEL"} <= env.keys()


def test_functions_get_the_settings_they_read(dev: Synth) -> None:
    by_service = {
        f["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]:
            f["Properties"]["Environment"]["Variables"]
        for f in resources(dev.raw(dev.system.api), "AWS::Lambda::Function").values()
    }  # fmt: skip
    assert {"DB_SECRET_ARN", "DB_HOST", "DB_NAME", "LLM_BASE_URL", "INGEST_API_TOKEN_SECRET_ARN",
            "LOCK_TABLE_NAME", "TELEGRAM_BOT_TOKEN_SECRET_ARN"} <= by_service["ingest"].keys()  # fmt: skip
    assert {"INGEST_API_TOKEN_SECRET_ARN", "LOCK_TABLE_NAME"} <= by_service["lock"].keys()
    assert "DB_SECRET_ARN" not in by_service["lock"]
    assert {"DB_SECRET_ARN", "DB_HOST", "DB_NAME", "LLM_BASE_URL", "LLM_CHAT_TIER",
            "INGEST_API_TOKEN_SECRET_ARN", "LOCK_TABLE_NAME"} <= by_service["api"].keys()  # fmt: skip
    assert {"TELEGRAM_BOT_TOKEN_SECRET_ARN", "TELEGRAM_WEBHOOK_SECRET_ARN", "DEDUP_TABLE_NAME",
            "TELEGRAM_ALLOWED_USER_IDS", "DB_SECRET_ARN", "LLM_BASE_URL"} <= by_service[
        "telegram"].keys()  # fmt: skip


def test_lock_function_may_only_touch_items_of_the_lock_table(dev: Synth) -> None:
    statements = _policy_of(dev.raw(dev.system.api), "LockFunction")
    dynamo = [s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert len(dynamo) == 1
    assert sorted(dynamo[0]["Action"]) == [
        "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert "LockTable" in json.dumps(dynamo[0]["Resource"])
    others = {a for s in statements if s not in dynamo for a in s["Action"]}
    assert others == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                      "xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # fmt: skip
    secrets = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert "IngestTokenSecret" in json.dumps(secrets)


def test_api_function_may_only_read_the_lock_table(dev: Synth) -> None:
    statements = _policy_of(dev.raw(dev.system.api), "ApiFunction")
    dynamo = [s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert [(s["Action"], "LockTable" in json.dumps(s["Resource"])) for s in dynamo] == [
        (["dynamodb:GetItem"], True)]  # fmt: skip
    secrets = json.dumps([s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]])
    assert "IngestTokenSecret" in secrets and "BotToken" not in secrets


def test_webhook_may_only_put_into_the_dedup_table(dev: Synth) -> None:
    statements = _policy_of(dev.raw(dev.system.api), "TelegramWebhookFunction")
    dynamo = [s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert [(s["Action"], "DedupTable" in json.dumps(s["Resource"])) for s in dynamo] == [
        (["dynamodb:PutItem"], True)]  # fmt: skip
