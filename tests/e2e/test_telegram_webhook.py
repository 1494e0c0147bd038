"""The webhook as Telegram and API Gateway call it: secret, allow-list, retries, errors, limits.

GIVEN the webhook app behind Mangum, a fresh database, the fake Bot API and moto's DynamoDB,
WHEN real Update JSON is posted, THEN the status code and what the fake Bot API received tell.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import (
    OWNER,
    SECRET,
    STRANGER,
    LambdaContext,
    WebhookStack,
    api_gateway_event,
    callback_update,
    message_update,
    telegram_env,
)

ROOT = Path(__file__).resolve().parents[2]


def test_wrong_or_missing_secret_is_refused_and_nothing_is_processed(webhook_stack: WebhookStack):
    for secret in ("wrong", None, ""):
        status, body = webhook_stack.post(message_update(OWNER, "/help"), secret=secret)
        assert status == 401
        assert body == {"error": "wrong or missing secret token"}
    assert webhook_stack.fake.calls == []


def test_strangers_get_nothing_but_telegram_gets_200(webhook_stack: WebhookStack):
    status, body = webhook_stack.post(message_update(STRANGER, "/digest"))
    assert (status, body) == (200, {"status": "ignored"})
    status, _ = webhook_stack.post(callback_update(STRANGER, "approve:1"))
    assert status == 200
    assert webhook_stack.fake.calls == []


def test_the_owner_writing_in_a_group_gets_no_answer_there(webhook_stack: WebhookStack):
    update = message_update(OWNER, "/digest")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "Friends"}
    assert webhook_stack.post(update) == (200, {"status": "ok"})
    assert webhook_stack.fake.sent() == []


def test_a_retried_update_is_handled_once(webhook_stack: WebhookStack):
    update = message_update(OWNER, "/help")
    assert webhook_stack.post(update) == (200, {"status": "ok"})
    assert webhook_stack.post(update) == (200, {"status": "duplicate"})
    assert len(webhook_stack.fake.sent()) == 1


def test_help_answers_in_html_with_the_commands(webhook_stack: WebhookStack):
    [text] = webhook_stack.say("/help")
    assert "/digest" in text and "/search <words>" in text
    assert webhook_stack.fake.sent()[0]["parse_mode"] == "HTML"


def test_a_body_that_is_not_an_update_is_a_400(webhook_stack: WebhookStack):
    assert webhook_stack.post("not json")[0] == 400
    assert webhook_stack.post(json.dumps({"message": {}}))[0] == 400


def test_health_answers_ok(webhook_stack: WebhookStack):
    answer = webhook_stack.handler(api_gateway_event("", {}, path="/health", method="GET"),
                                   LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"status": "ok"})


def test_core_errors_are_answered_in_words(webhook_stack: WebhookStack):
    [text] = webhook_stack.say("/suggest Nobody")
    assert "I know no chat called 'Nobody'" in text


def test_an_unexpected_failure_gets_a_polite_sorry_and_still_200(
        webhook_stack: WebhookStack, monkeypatch: pytest.MonkeyPatch):
    from nudge.faces.telegram import actions

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire\nTraceback (most recent call last)")

    monkeypatch.setattr(actions, "list_reminders", broken)
    [text] = webhook_stack.say("/remind")
    assert text.startswith("Sorry, something went wrong")
    assert "Traceback" not in text and "fire" not in text


LONG = "Plans for the <b>trip</b> & the x<y budget, " * 160  # ~7,000 characters, one message
EXPORT = (f"13/05/2024, 09:00 - Sam: Hi <team> & all\n13/05/2024, 09:05 - Ana: {LONG}\n"
          "13/05/2024, 09:06 - Ana: Can you check the <trip> & budget?\n").encode()


def test_a_long_answer_with_markup_characters_arrives_in_valid_parts(
        webhook_stack: WebhookStack, db):
    import_export(db, parse_bytes(EXPORT, source="WhatsApp Chat with A<&>B.txt"), user_id=1, me="Sam")
    texts = webhook_stack.say("/digest 2024-05-13")
    assert webhook_stack.fake.errors == []  # the fake refuses bad HTML and texts over 4096
    assert "A<&>B" in texts[0]
    assert all(len(t) <= 4096 for t in texts)
    assert "Can you check the <trip> & budget?" in "".join(texts)
    webhook_stack.fake.clear()
    texts = webhook_stack.say("/search budget")
    assert len(texts) >= 2
    assert all(len(t) <= 4096 for t in texts)
    assert "".join(texts).count("Plans for the <b>trip</b> & the x<y budget,") == 160


def test_the_lambda_handler_module_serves_the_same_app(
        db_url, fake_telegram, aws_dynamodb, monkeypatch: pytest.MonkeyPatch, tmp_path):
    """functions/telegram_webhook/handler.py, loaded as Lambda would, with settings from env."""
    for name, value in telegram_env(db_url, fake_telegram).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NUDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "NudgeTest")
    from nudge.faces.telegram import webhook

    webhook._env_settings.cache_clear()
    spec = importlib.util.spec_from_file_location(
        "telegram_webhook_handler", ROOT / "functions" / "telegram_webhook" / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        event = api_gateway_event(json.dumps(message_update(OWNER, "/help")),
                                  {"X-Telegram-Bot-Api-Secret-Token": SECRET})
        answer = module.handler(event, LambdaContext())
        assert answer["statusCode"] == 200
        assert "/digest" in fake_telegram.texts()[0]
    finally:
        import asyncio

        asyncio.get_event_loop().run_until_complete(module.app.state.runtime.aclose())
        webhook._env_settings.cache_clear()


def test_locally_a_missing_dedup_table_is_created_on_first_use(aws_dynamodb):
    from nudge.aws.dedup import UpdateDedup

    local = UpdateDedup("made-on-first-use", client=aws_dynamodb, endpoint_url="http://127.0.0.1:1")
    assert local.first_time(1, bot="123") is True
    assert local.first_time(1, bot="123") is False
    assert local.first_time(1, bot="456") is True  # update ids are per bot
    on_aws = UpdateDedup("missing", client=aws_dynamodb)
    with pytest.raises(aws_dynamodb.exceptions.ResourceNotFoundException):
        on_aws.first_time(1)
