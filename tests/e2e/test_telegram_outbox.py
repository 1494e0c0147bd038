"""The outbox in Telegram, through the webhook and the fake Bot API: `/settings outbox on`, an
approved suggestion and `/send` queued, "sent ✓" right after the collector reports, the error,
"unknown, check WhatsApp" for a reply never reported, each told once, and "Send again"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from nudge.aws.lock import LockState
from nudge.faces.schedules import run_outbox_notices
from nudge.features import outbox
from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import OWNER, WebhookStack, callback_update

ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
"""
LOCK = "collector"


@pytest.fixture
def chats(db) -> None:
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")


def tick(settings):
    """The reminder tick's outbox part, on a thread of its own: asyncio.run there leaves the
    webhook stack's event loop in this thread alone (as separate Lambdas would)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run_outbox_notices, settings, datetime.now(UTC)).result()


def _claim_and_report(db, item_id: int, *, fence: int = 1, ok: bool | None = True) -> None:
    """What a collector does through the routes; ok=None: it died before reporting."""
    outbox.claim(db, user_id=1, outbox_id=item_id, lock_name=LOCK, fence=fence)
    if ok is not None:
        outbox.report(db, user_id=1, outbox_id=item_id, lock_name=LOCK, fence=fence, ok=ok,
                      error=None if ok else "no WhatsApp chat named Ana")


def test_the_outbox_is_off_until_the_user_turns_it_on_in_settings(webhook_stack: WebhookStack, chats, db):
    [shown] = webhook_stack.say("/settings")
    assert "Outbox: off" in shown
    assert "outbox is off" in webhook_stack.say("/send Ana: see you at 8")[0]
    [on] = webhook_stack.say("/settings outbox on")
    assert "Outbox: on" in on
    assert outbox.is_enabled(db, user_id=1)
    assert "on or off" in webhook_stack.say("/settings outbox maybe")[0]
    [queued] = webhook_stack.say("/send Ana: see you at 8")
    assert queued.startswith("📤 Queued for WhatsApp (#") and "Ana" in queued
    [listing] = webhook_stack.say("/outbox")
    assert "queued → Ana: see you at 8" in listing
    cancel = webhook_stack.fake.sent()[-1]["reply_markup"]["inline_keyboard"][0][0]
    webhook_stack.fake.clear()
    webhook_stack.post(callback_update(OWNER, cancel["callback_data"]))
    assert "will not be sent" in webhook_stack.fake.texts()[-1]
    assert outbox.list_items(db, user_id=1) == []


def test_an_approved_suggestion_is_queued_and_the_user_is_told_so(webhook_stack: WebhookStack, chats, db):
    webhook_stack.say("/settings outbox on")
    webhook_stack.say("/suggest ana")
    keyboard = webhook_stack.fake.sent()[-1]["reply_markup"]["inline_keyboard"]
    approve = keyboard[0][0]["callback_data"]
    webhook_stack.fake.clear()
    webhook_stack.post(callback_update(OWNER, approve, keyboard=keyboard))
    suggestion_id = int(approve.split(":")[1])
    item = outbox.for_suggestion(db, user_id=1, suggestion_id=suggestion_id)
    assert item is not None and item.state == "queued"
    assert webhook_stack.fake.texts()[-1] == (
        f"📤 Queued for WhatsApp (#{item.id}): the collector sends it to Ana on its next run.")
    webhook_stack.say(f"/approve {suggestion_id} see you Friday!")  # an edit before it was sent
    assert outbox.get_item(db, user_id=1, outbox_id=item.id).text == "see you Friday!"
    assert len(outbox.list_items(db, user_id=1)) == 1


def test_the_collectors_report_is_told_at_once_as_sent(webhook_stack: WebhookStack, chats, db):
    """The ingest app, with a bot token configured, tells the user right after POST .../sent."""
    from fastapi.testclient import TestClient

    from nudge.faces.http.connection import SharedConnection
    from nudge.faces.http.ingest_app import create_ingest_app
    from nudge.store.db import connect

    webhook_stack.say("/settings outbox on")  # links the owner's Telegram id to profile 1
    item = outbox.queue_custom(db, user_id=1, chat="Ana", text="see you at 8")
    settings = webhook_stack.settings
    lock = LockState(LOCK, "laptop", "token-1", 7, datetime.now(UTC) + timedelta(minutes=5))
    database = SharedConnection(lambda: connect(settings))
    app = create_ingest_app(settings_provider=lambda: settings, connection=database,
                            lock_state=lambda name: lock)
    headers = {"Authorization": "Bearer ingest-token", "X-Lock-Name": LOCK, "X-Lock-Token": "token-1",
               "X-Lock-Fence": "7"}
    webhook_stack.fake.clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("INGEST_API_TOKEN", "ingest-token")
            patch.delenv("INGEST_API_TOKEN_SECRET_ARN", raising=False)
            client = TestClient(app)
            assert client.post(f"/outbox/{item.id}/claim", headers=headers).status_code == 200
            assert webhook_stack.fake.texts() == []
            answer = client.post(f"/outbox/{item.id}/sent", json={"ok": True}, headers=headers)
    finally:
        database.close()
    assert answer.status_code == 200
    assert webhook_stack.fake.texts() == [f"sent ✓ to Ana: “see you at 8” (#{item.id})"]
    assert outbox.untold(db, user_id=1) == []  # told once: the reminder tick says nothing more
    assert tick(settings).sent == []


def test_failed_and_unknown_outcomes_are_told_once_by_the_tick_with_a_send_again_button(
        webhook_stack: WebhookStack, chats, db):
    webhook_stack.say("/settings outbox on")
    failed = outbox.queue_custom(db, user_id=1, chat="Ana", text="first")
    unknown = outbox.queue_custom(db, user_id=1, chat="Ana", text="second")
    sent = outbox.queue_custom(db, user_id=1, chat="Ana", text="third")
    _claim_and_report(db, failed.id, ok=False)
    _claim_and_report(db, unknown.id, ok=None)  # the collector died after sending
    outbox.to_send(db, user_id=1, lock_name=LOCK, fence=2)  # the next collector run
    _claim_and_report(db, sent.id, fence=2)
    webhook_stack.fake.clear()

    report = tick(webhook_stack.settings)
    assert report.sent == [OWNER]
    texts = webhook_stack.fake.texts()
    assert texts[0] == f"⚠️ not sent to Ana: no WhatsApp chat named Ana\n“first” (#{failed.id})"
    assert texts[1].startswith("❓ unknown, check WhatsApp: the reply to Ana was being sent")
    assert "will not be sent again unless you ask" in texts[1]
    assert texts[2] == f"sent ✓ to Ana: “third” (#{sent.id})"
    assert not webhook_stack.fake.errors
    buttons = [m.get("reply_markup") for m in webhook_stack.fake.sent()]
    assert buttons[0]["inline_keyboard"][0][0]["callback_data"] == f"outbox-again:{failed.id}"
    assert buttons[2] is None  # nothing to do about a sent reply
    assert tick(webhook_stack.settings).sent == []  # once each

    webhook_stack.fake.clear()
    webhook_stack.post(callback_update(OWNER, f"outbox-again:{unknown.id}"))
    assert webhook_stack.fake.texts()[-1].startswith("📤 Queued for WhatsApp")
    again = outbox.to_send(db, user_id=1, lock_name=LOCK, fence=3)
    assert [i.text for i in again] == ["second"]
