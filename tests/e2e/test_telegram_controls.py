"""Every control through the webhook and the fake Bot API: the buttons under a digest and under
pushed reminders, the undo buttons, and the /critical #id, /ignore, /mute, /unmute and
/settings digest commands.

GIVEN two imported chats (Ana one-to-one, Trip a group) on 13 May 2024,
WHEN the owner presses a button or sends a command,
THEN the bot answers the press, says what it did, and the digest and reminders follow.
"""

from __future__ import annotations

from typing import Any

import pytest

from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import OWNER, WebhookStack, callback_update

ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
13/05/2024, 09:21 - Ana: Bring <wine> & cheese
"""
TRIP = b"""13/05/2024, 18:00 - Emre: The party starts at 20:00 on Saturday at Rui's
13/05/2024, 18:05 - Ben: I'll bring the speakers for the party
13/05/2024, 18:10 - Sam: Great, see you there
13/05/2024, 18:30 - Emre: Sam, can you book the taxi?
"""


@pytest.fixture
def chats(db) -> None:
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    import_export(db, parse_bytes(TRIP, source="WhatsApp Chat with Trip.txt"), user_id=1, me="Sam")


def message_id(db, text: str) -> int:
    return db.execute("SELECT id FROM messages WHERE text = %s", [text]).fetchone()[0]


def keyboard(stack: WebhookStack) -> list[list[dict[str, Any]]]:
    """The inline keyboard of the bot's last message."""
    return stack.fake.sent()[-1]["reply_markup"]["inline_keyboard"]


def press(stack: WebhookStack, data: str) -> list[str]:
    """Press a button as the owner; returns what the bot then said (visible text)."""
    before, answered = len(stack.fake.texts()), len(stack.fake.sent("answerCallbackQuery"))
    status, _ = stack.post(callback_update(OWNER, data))
    assert status == 200
    assert not stack.fake.errors, stack.fake.errors
    assert len(stack.fake.sent("answerCallbackQuery")) == answered + 1  # the press is answered
    return stack.fake.texts()[before:]


def digest_buttons(stack: WebhookStack) -> dict[str, list[str]]:
    """/digest 2024-05-13's buttons by verb: {"crit": ["crit:12", …], …}."""
    stack.say("/digest 2024-05-13")
    found: dict[str, list[str]] = {}
    for row in keyboard(stack):
        for button in row:
            data = button["callback_data"]
            assert len(data.encode()) <= 64  # Telegram's limit
            found.setdefault(data.split(":")[0], []).append(data)
    return found


def test_the_digest_offers_controls_for_each_item_and_chat(webhook_stack: WebhookStack, chats, db):
    buttons = digest_buttons(webhook_stack)
    text = webhook_stack.fake.texts()[-1]
    assert "❓ 1. 18:30 Emre: Sam, can you book the taxi?" in text
    taxi = message_id(db, "Sam, can you book the taxi?")
    assert f"crit:{taxi}" in buttons["crit"] and f"ign:{taxi}" in buttons["ign"]
    assert f"later:{taxi}" in buttons["later"]
    chat_ids = dict(db.execute("SELECT name, id FROM chats").fetchall())
    assert set(buttons["sug"]) == {f"sug:{chat_ids['Ana']}", f"sug:{chat_ids['Trip']}"}
    assert set(buttons["mute"]) == {f"mute:{chat_ids['Ana']}", f"mute:{chat_ids['Trip']}"}
    party = message_id(db, "The party starts at 20:00 on Saturday at Rui's")
    assert f"ics:{party}" in buttons["ics"]


def test_critical_from_the_digest_and_its_undo(webhook_stack: WebhookStack, chats, db):
    taxi = message_id(db, "Sam, can you book the taxi?")
    [said] = press(webhook_stack, f"crit:{taxi}")
    assert said.startswith("❗ Marked critical: Emre in Trip: “Sam, can you book the taxi?”")
    assert keyboard(webhook_stack) == [[{"text": "↩ Undo", "callback_data": f"uncrit:{taxi}"}]]
    assert db.execute("SELECT is_critical FROM messages WHERE id = %s", [taxi]).fetchone()[0]
    assert "[marked critical]" in webhook_stack.say("/digest 2024-05-13")[0]
    [undone] = press(webhook_stack, f"uncrit:{taxi}")
    assert undone.startswith("No longer critical")
    assert not db.execute("SELECT is_critical FROM messages WHERE id = %s", [taxi]).fetchone()[0]


def test_ignore_from_the_digest_removes_the_item_and_can_be_undone(webhook_stack: WebhookStack, chats, db):
    taxi = message_id(db, "Sam, can you book the taxi?")
    [said] = press(webhook_stack, f"ign:{taxi}")
    assert said.startswith("🙈 Ignored: Emre in Trip") and "leaves your digest" in said
    assert "book the taxi" not in webhook_stack.say("/digest 2024-05-13")[0]
    assert f"#{taxi}" in webhook_stack.say("/ignore")[0]  # the list of ignored messages
    press(webhook_stack, f"unign:{taxi}")
    assert "book the taxi" in webhook_stack.say("/digest 2024-05-13")[0]


def test_remind_me_later_sets_a_reminder_that_can_be_cancelled(webhook_stack: WebhookStack, chats, db):
    taxi = message_id(db, "Sam, can you book the taxi?")
    [said] = press(webhook_stack, f"later:{taxi}")
    assert said.startswith("⏰ I'll remind you about Trip at")
    [[cancel]] = keyboard(webhook_stack)
    reminder_id = int(cancel["callback_data"].split(":")[1])
    assert db.execute("SELECT message_id, status FROM reminders WHERE id = %s",
                      [reminder_id]).fetchone() == (taxi, "open")
    assert press(webhook_stack, cancel["callback_data"]) == [f"Reminder #{reminder_id} cleared."]


def test_suggest_a_reply_from_the_digest(webhook_stack: WebhookStack, chats, db):
    ana = db.execute("SELECT id FROM chats WHERE name = 'Ana'").fetchone()[0]
    [said] = press(webhook_stack, f"sug:{ana}")
    assert said.startswith("Replies for Ana")
    assert keyboard(webhook_stack)[0][0]["callback_data"].startswith("approve:")


def test_mute_from_the_digest_and_unmute_by_button_and_command(webhook_stack: WebhookStack, chats, db):
    trip = db.execute("SELECT id FROM chats WHERE name = 'Trip'").fetchone()[0]
    [said] = press(webhook_stack, f"mute:{trip}")
    assert said == "🔇 Trip is muted: no digest and no reminders for it."
    assert "Trip" not in webhook_stack.say("/digest 2024-05-13")[0]
    assert "🔇 Trip" in webhook_stack.say("/mute")[0]
    press(webhook_stack, f"unmute:{trip}")
    assert "Trip ·" in webhook_stack.say("/digest 2024-05-13")[0]
    assert webhook_stack.say("/mute ana") == ["🔇 Ana is muted: no digest and no reminders for it."]
    assert webhook_stack.say("/unmute Ana")[0].startswith("🔔 Ana is unmuted")
    assert webhook_stack.say("/mute") == ["No muted chats. Mute one: /mute Ana"]
    assert "no chat called" in webhook_stack.say("/mute Zed")[0]


def test_a_plan_in_the_digest_goes_to_the_calendar(webhook_stack: WebhookStack, chats, db):
    party = message_id(db, "The party starts at 20:00 on Saturday at Rui's")
    assert f"ics:{party}" in digest_buttons(webhook_stack)["ics"]
    webhook_stack.post(callback_update(OWNER, f"ics:{party}"))
    [document] = webhook_stack.fake.sent("sendDocument")
    assert document["document"] == "plan.ics"


def test_critical_ignore_and_unignore_by_command_with_a_message_id(webhook_stack: WebhookStack, chats, db):
    wine = message_id(db, "Bring <wine> & cheese")
    assert webhook_stack.say(f"/critical #{wine}")[0].startswith(
        "❗ Marked critical: Ana in Ana: “Bring <wine> & cheese”")
    assert webhook_stack.say(f"/critical remove {wine}")[0].startswith("No longer critical")
    assert webhook_stack.say(f"/ignore {wine}")[0].startswith("🙈 Ignored")
    assert webhook_stack.say(f"/unignore #{wine}")[0].startswith("No longer ignored")
    assert "Which message?" in webhook_stack.say("/ignore the wine")[0]
    assert "no message with id 999999" in webhook_stack.say("/critical #999999")[0]
    assert webhook_stack.say("/ignore") == ["No ignored messages."]


def test_a_pushed_reminders_buttons_snooze_clear_and_ignore(webhook_stack: WebhookStack, chats, db):
    import asyncio
    from datetime import UTC, datetime

    from nudge.faces.schedules import run_reminders
    from nudge.store.contacts import set_contact_critical

    set_contact_critical(db, user_id=1, name="Ana", critical=True)
    db.execute("UPDATE user_profiles SET telegram_user_id = %s WHERE id = 1", [OWNER])
    loop = asyncio.get_event_loop()  # the webhook stack's; asyncio.run below unsets it
    run_reminders(webhook_stack.settings, datetime(2024, 5, 14, 8, tzinfo=UTC))
    asyncio.set_event_loop(loop)
    [row] = keyboard(webhook_stack)
    snooze, clear, ignore, suggest = (b["callback_data"] for b in row)
    reminder_id = int(snooze.split(":")[1])
    assert press(webhook_stack, snooze)[0].startswith(f"😴 Reminder #{reminder_id} snoozed until")
    assert db.execute("SELECT status FROM reminders WHERE id = %s", [reminder_id]).fetchone() == ("snoozed",)
    assert press(webhook_stack, ignore)[0].startswith("🙈 Ignored: Ana in Ana")
    assert db.execute("SELECT status FROM reminders WHERE id = %s", [reminder_id]).fetchone() == ("cleared",)
    assert "no open reminder" in press(webhook_stack, clear)[0]
    assert press(webhook_stack, suggest)[0].startswith("Replies for Ana")


def test_the_digest_frequency_is_set_in_settings(webhook_stack: WebhookStack, chats):
    assert "Digest: daily at 08:00" in webhook_stack.say("/settings")[0]
    assert "Digest: weekly on Sunday at 18:00" in webhook_stack.say("/settings digest weekly sunday 18:00")[0]
    assert "Digest: at 08:00, 13:00, 19:00" in webhook_stack.say("/settings digest 08:00,13:00,19:00")[0]
    assert "Digest: manual only" in webhook_stack.say("/settings digest manual")[0]
    assert "Digest: off" in webhook_stack.say("/settings digest off")[0]
    assert "Digest: daily at 07:15" in webhook_stack.say("/settings digest daily 7:15")[0]
    assert "Not a weekday" in webhook_stack.say("/settings digest weekly someday")[0]
    assert "Digest: daily at 07:15" in webhook_stack.say("/settings")[0]  # the bad one changed nothing
    weekly = webhook_stack.say("send me a weekly digest on sunday at 6pm")[0]
    assert "Digest: weekly on Sunday at 18:00" in weekly
    assert "Digest: off" in webhook_stack.say("stop the digests")[0]


def test_a_chat_is_muted_and_unmuted_in_plain_words(webhook_stack: WebhookStack, chats):
    assert webhook_stack.say("mute the Trip group") == [
        "🔇 Trip is muted: no digest and no reminders for it."]
    assert webhook_stack.say("unmute trip")[0].startswith("🔔 Trip is unmuted")


def test_a_control_on_an_unknown_message_is_answered_politely(webhook_stack: WebhookStack, chats):
    status, _ = webhook_stack.post(callback_update(OWNER, "crit:987654"))
    assert status == 200
    assert webhook_stack.fake.texts()[-1] == "no message with id 987654"
    assert webhook_stack.fake.sent("answerCallbackQuery")
