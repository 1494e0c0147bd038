"""Every command and a plain-words request per intent, through the webhook, with the LLM down.

GIVEN two imported chats (Ana one-to-one, Trip a group), WHEN the owner writes to the bot,
THEN the fake Bot API receives the answers a user would read (facts only: the LLM is down).
"""

from __future__ import annotations

import pytest

from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import (
    OWNER,
    WebhookStack,
    callback_update,
    document_update,
    open_webhook_stack,
)

ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
13/05/2024, 09:21 - Ana: Bring <wine> & cheese
"""
TRIP = b"""13/05/2024, 18:00 - Emre: The party starts at 8 on Saturday
13/05/2024, 18:05 - Ben: I'll bring the speakers for the party
13/05/2024, 18:10 - Sam: Great, see you there
13/05/2024, 18:30 - Emre: Sam, can you book the taxi?
"""


@pytest.fixture
def chats(db) -> None:
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    import_export(db, parse_bytes(TRIP, source="WhatsApp Chat with Trip.txt"), user_id=1, me="Sam")


def _upload(stack: WebhookStack, content: bytes, name: str, caption: str | None = None) -> str:
    file_id = stack.fake.add_file(content, name)
    before = len(stack.fake.texts())
    status, _ = stack.post(document_update(OWNER, file_id, name, size=len(content), caption=caption))
    assert status == 200
    [answer] = stack.fake.texts()[before:]
    return answer


def test_an_uploaded_export_is_imported_and_counted(webhook_stack: WebhookStack):
    assert _upload(webhook_stack, TRIP, "WhatsApp Chat with Trip.txt") == \
        "4 new messages in 'Trip', 0 already known."
    assert _upload(webhook_stack, TRIP, "WhatsApp Chat with Trip.txt") == \
        "0 new messages in 'Trip', 4 already known."
    assert _upload(webhook_stack, ANA, "_chat.txt", caption="Ana B") == \
        "3 new messages in 'Ana B', 0 already known."
    assert "Send a WhatsApp export" in _upload(webhook_stack, b"%PDF", "scan.pdf")
    assert "not" in _upload(webhook_stack, b"hello there", "notes.txt").lower()
    assert webhook_stack.fake.sent("getFile")


@pytest.fixture
def nameless_stack(db_url, fake_telegram, aws_dynamodb, tmp_path):
    """The webhook stack with no NUDGE_ME: the bot knows no name for its user yet."""
    with open_webhook_stack(db_url, fake_telegram, aws_dynamodb, tmp_path, NUDGE_ME="") as stack:
        yield stack


def test_the_bot_asks_for_the_users_name_before_the_first_import_and_then_marks_their_messages(
    nameless_stack: WebhookStack, db,
):
    export = ANA.replace(b"Sam:", b"Samuel:")  # the owner's Telegram first name is Sam

    asked = _upload(nameless_stack, export, "WhatsApp Chat with Ana.txt")
    stored_before = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    [settings] = nameless_stack.say("/settings name Samuel")
    imported = _upload(nameless_stack, export, "WhatsApp Chat with Ana.txt")
    [fixed] = nameless_stack.say("/settings name Ana")

    assert "what is your name" in asked and "Samuel" in asked and "Ana" in asked
    assert stored_before == 0
    assert "Your name in the chats: Samuel" in settings
    assert imported == "3 new messages in 'Ana', 0 already known."
    assert fixed.startswith("3 stored messages re-marked")
    assert db.execute("SELECT sender_name FROM messages WHERE from_me").fetchall() == \
        [("Ana",), ("Ana",)]


def test_the_telegram_first_name_is_taken_when_it_is_one_of_the_senders(
    nameless_stack: WebhookStack, db,
):
    imported = _upload(nameless_stack, TRIP, "WhatsApp Chat with Trip.txt")

    assert imported == "4 new messages in 'Trip', 0 already known."
    assert db.execute("SELECT name FROM user_profiles").fetchall() == [("Sam",)]
    assert db.execute("SELECT sender_name FROM messages WHERE from_me").fetchall() == [("Sam",)]


def test_digest_by_command_and_in_plain_words(webhook_stack: WebhookStack, chats):
    [text] = webhook_stack.say("/digest 2024-05-13")
    assert text.startswith("Digest for Monday 13 May 2024")
    assert "extractive summaries" in text
    assert "Trip" in text and "Sam, can you book the taxi?" in text
    assert "Bring <wine> & cheese" not in text or "Ana" in text
    [again] = webhook_stack.say("what happened on 2024-05-13?")
    assert again == text
    [german] = webhook_stack.say("Zusammenfassung 2024-05-13")
    assert german == text
    [empty] = webhook_stack.say("/digest 2024-05-01")
    assert "No messages that day." in empty
    assert "Which day" in webhook_stack.say("/digest someday")[0]


def test_search_by_command_and_in_plain_words(webhook_stack: WebhookStack, chats):
    [text] = webhook_stack.say("/search party")
    assert "Trip · Emre · 2024-05-13 18:00" in text
    assert "The party starts at 8 on Saturday" in text
    [asked] = webhook_stack.say("what did Emre say about the party?")
    assert "The party starts at 8 on Saturday" in asked
    assert "I'll bring the speakers" not in asked  # Emre's messages first; Ben's not needed
    [spanish] = webhook_stack.say("busca taxi")
    assert "book the taxi" in spanish
    assert "Nothing found" in webhook_stack.say("/search zeppelin")[0]


def test_suggestions_come_with_buttons_that_approve_and_copy(webhook_stack: WebhookStack, chats, db):
    [text] = webhook_stack.say("/suggest ana")
    assert text.startswith("Replies for Ana")
    sent = webhook_stack.fake.sent()[-1]
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert len(keyboard) == 3
    approve, copy = keyboard[0]
    assert approve["callback_data"].startswith("approve:") and copy["callback_data"].startswith("copy:")
    suggestion_id = int(approve["callback_data"].split(":")[1])
    reply_text = db.execute("SELECT text FROM suggestions WHERE id = %s", [suggestion_id]).fetchone()[0]

    webhook_stack.fake.clear()
    status, _ = webhook_stack.post(callback_update(OWNER, approve["callback_data"], keyboard=keyboard))
    assert status == 200
    assert webhook_stack.fake.sent("answerCallbackQuery")
    [edited] = webhook_stack.fake.sent("editMessageReplyMarkup")
    assert all(b["callback_data"].startswith("copy:")
               for row in edited["reply_markup"]["inline_keyboard"] for b in row)
    assert webhook_stack.fake.texts() == [reply_text]
    assert db.execute("SELECT approved FROM suggestions WHERE id = %s", [suggestion_id]).fetchone()[0]

    webhook_stack.fake.clear()
    webhook_stack.post(callback_update(OWNER, keyboard[1][1]["callback_data"]))
    assert len(webhook_stack.fake.texts()) == 1
    assert webhook_stack.fake.sent()[0].get("parse_mode") is None  # plain, ready to copy

    [asked] = webhook_stack.say("help me answer Ana")
    assert "· template" in asked  # templates are labelled as such
    assert asked.startswith("Replies for Ana")
    [german] = webhook_stack.say("Was soll ich Ana antworten?")
    assert german.startswith("Replies for Ana")


def test_reminders_are_set_listed_snoozed_and_cleared(webhook_stack: WebhookStack, chats):
    [text] = webhook_stack.say("/remind Ana tomorrow 9am -- dinner")
    assert "remind you about Ana" in text
    [text] = webhook_stack.say("remind me to answer Trip tonight")
    assert "remind you about Trip" in text
    [listing] = webhook_stack.say("/remind")
    assert "[Ana]" in listing and "dinner" in listing and "[Trip]" in listing
    first_id = int(listing.split("#")[1].split()[0])
    assert f"#{first_id} snoozed" in webhook_stack.say(f"/remind snooze {first_id} in 2 hours")[0]
    assert webhook_stack.say(f"/remind clear {first_id}") == [f"Reminder #{first_id} cleared."]
    assert webhook_stack.say("my reminders")[0].count("#") == 1
    assert webhook_stack.say("/remind clear all") == ["1 reminder cleared."]
    assert webhook_stack.say("/remind") == ["No open reminders."]
    assert "no chat called" in webhook_stack.say("/remind Zed tonight")[0]


def test_critical_contacts_and_keywords_are_kept(webhook_stack: WebhookStack, chats, db):
    assert webhook_stack.say("/critical emre") == [
        "Emre is critical: their messages are flagged and reminded."]
    assert webhook_stack.say("mark Ana as important")[0].startswith("Ana is critical")
    assert "Critical contacts: Ana, Emre." in webhook_stack.say("/critical")[0]
    assert webhook_stack.say("/critical remove Emre") == ["Emre is no longer critical."]
    assert "Keywords: visa, rent." in webhook_stack.say("/keywords visa, rent")[0]
    assert "Keywords: visa, rent, party." in webhook_stack.say("keywords: party")[0]
    assert "Keywords: none." in webhook_stack.say("/keywords clear")[0]


def test_settings_change_digest_time_zone_chats_and_reminders(webhook_stack: WebhookStack, chats):
    assert "Digest time: 07:30" in webhook_stack.say("/settings time 07:30")[0]
    assert "Time zone: Europe/Berlin" in webhook_stack.say("/settings tz Europe/Berlin")[0]
    assert "Chat types: group" in webhook_stack.say("/settings chats group")[0]
    assert "every 60 min" in webhook_stack.say("/settings remind 60")[0]
    shown = webhook_stack.say("/settings")[0]
    assert "07:30" in shown and "Europe/Berlin" in shown and "every 60 min" in shown
    assert "Time zone: Europe/Madrid" in webhook_stack.say("my time zone is Europe/Madrid")[0]
    assert "Digest time: 06:45" in webhook_stack.say("send my digest at 6:45")[0]
    assert "Unknown time zone" in webhook_stack.say("/settings tz Mars/Olympus")[0]
    assert "Chat types are" in webhook_stack.say("/settings chats family")[0]


def test_what_no_rule_understands_gets_help_when_the_llm_is_down(webhook_stack: WebhookStack):
    assert "/digest" in webhook_stack.say("the weather is nice in Lisbon")[0]
    assert webhook_stack.say("/frobnicate")[0].startswith("I don't know that command.")


def test_an_edited_suggestion_is_approved_with_a_command_and_stored_as_edited(webhook_stack: WebhookStack,
                                                                            chats, db):
    webhook_stack.say("/suggest ana")
    keyboard = webhook_stack.fake.sent()[-1]["reply_markup"]["inline_keyboard"]
    suggestion_id = int(keyboard[1][0]["callback_data"].split(":")[1])
    assert webhook_stack.say(f"/approve {suggestion_id} Yes, I'll bring the wine!") == [
        "Yes, I'll bring the wine!"]
    text, approved, suggested = db.execute(
        "SELECT text, approved, suggested_text FROM suggestions WHERE id = %s", [suggestion_id]).fetchone()
    assert (text, approved) == ("Yes, I'll bring the wine!", True) and suggested
    assert "Which suggestion" in webhook_stack.say("/approve")[0]
    assert "/approve" in webhook_stack.say("/help")[0]
