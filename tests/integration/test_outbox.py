"""The outbox on the embedded Postgres: off by default, approvals and custom replies queued per
chat, claimed before sending, reported by the claim's own fence, and never sent twice, also when
a collector dies between sending and reporting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import NotFound
from nudge.features import outbox
from nudge.features.importing import import_export
from nudge.features.outbox import OutboxConflict, OutboxOff
from nudge.features.suggest import approve_suggestion
from nudge.store import ensure_user
from nudge.store.suggestions import insert_suggestions

LOCK = "collector"
START = datetime(2024, 11, 20, 18, 0)


def _export(chat: str, sender: str) -> ParsedExport:
    messages = [Message(START + timedelta(minutes=i), who, text) for i, (who, text) in enumerate(
        [(sender, "are you coming tonight?"), ("Sam", "yes"), (sender, "at 8?")])]
    return ParsedExport(messages, source=f"{chat}.txt", format="test", date_order="dmy", chat_name=chat)


@pytest.fixture
def user(db: psycopg.Connection[Any]) -> int:
    user_id = ensure_user(db, name="Sam")
    import_export(db, _export("Ana", "Ana"), user_id=user_id, me="Sam")
    import_export(db, _export("Ben", "Ben"), user_id=user_id, me="Sam")
    return user_id


@pytest.fixture
def enabled(db: psycopg.Connection[Any], user: int) -> int:
    outbox.set_enabled(db, user_id=user, enabled=True)
    return user


def _suggestion(db: psycopg.Connection[Any], user: int, chat: str = "Ana", text: str = "see you at 8") -> int:
    chat_id, message_id = db.execute(
        "SELECT c.id, max(m.id) FROM chats c JOIN messages m ON m.chat_id = c.id"
        " WHERE c.name = %s AND c.user_profile_id = %s GROUP BY c.id", [chat, user]).fetchone()
    return insert_suggestions(db, user_id=user, chat_id=chat_id, message_id=message_id, replies=[text])[0]


def test_the_outbox_is_off_by_default_so_approving_only_teaches_and_a_custom_reply_is_refused(
        db: psycopg.Connection[Any], user: int) -> None:
    suggestion = _suggestion(db, user)
    approve_suggestion(db, user_id=user, suggestion_id=suggestion)
    assert outbox.is_enabled(db, user_id=user) is False
    assert outbox.for_suggestion(db, user_id=user, suggestion_id=suggestion) is None
    with pytest.raises(OutboxOff, match="outbox on"):
        outbox.queue_custom(db, user_id=user, chat="Ana", text="hi")
    assert outbox.to_send(db, user_id=user, lock_name=LOCK, fence=1) == []


def test_an_approved_suggestion_is_queued_once_and_a_later_edit_changes_the_queued_text(
        db: psycopg.Connection[Any], enabled: int) -> None:
    suggestion = _suggestion(db, enabled)
    approve_suggestion(db, user_id=enabled, suggestion_id=suggestion)
    approve_suggestion(db, user_id=enabled, suggestion_id=suggestion, edited_text="see you at 9")
    [item] = outbox.to_send(db, user_id=enabled, lock_name=LOCK, fence=1)
    assert (item.chat, item.text, item.origin, item.state) == ("Ana", "see you at 9", "edited", "queued")
    assert outbox.for_suggestion(db, user_id=enabled, suggestion_id=suggestion).id == item.id


def test_queued_replies_are_listed_per_chat_in_order_and_claimed_in_that_order(
        db: psycopg.Connection[Any], enabled: int) -> None:
    first = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="one")
    other = outbox.queue_custom(db, user_id=enabled, chat="Ben", text="for Ben")
    second = outbox.queue_custom(db, user_id=enabled, chat="ana", text="two")
    listed = outbox.to_send(db, user_id=enabled, lock_name=LOCK, fence=1)
    assert [i.id for i in listed] == [first.id, second.id, other.id]
    with pytest.raises(OutboxConflict, match=f"reply {first.id} to Ana goes first"):
        outbox.claim(db, user_id=enabled, outbox_id=second.id, lock_name=LOCK, fence=1)
    outbox.claim(db, user_id=enabled, outbox_id=other.id, lock_name=LOCK, fence=1)  # other chat: free
    outbox.claim(db, user_id=enabled, outbox_id=first.id, lock_name=LOCK, fence=1)
    with pytest.raises(OutboxConflict, match="goes first"):  # the first is being sent: report it first
        outbox.claim(db, user_id=enabled, outbox_id=second.id, lock_name=LOCK, fence=1)
    outbox.report(db, user_id=enabled, outbox_id=first.id, lock_name=LOCK, fence=1, ok=True)
    assert outbox.claim(db, user_id=enabled, outbox_id=second.id, lock_name=LOCK, fence=1).state == "sending"


def test_a_claim_and_a_report_happen_once_and_a_repeated_report_answers_the_same(
        db: psycopg.Connection[Any], enabled: int) -> None:
    item = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="hello")
    claimed = outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=3, owner="box")
    assert (claimed.state, claimed.fence) == ("sending", 3)
    assert outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=3).state == "sending"
    with pytest.raises(OutboxConflict, match="not queued"):
        outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=4)
    with pytest.raises(OutboxConflict, match="another collector"):
        outbox.report(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=4, ok=True)
    sent = outbox.report(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=3, ok=True,
                         whatsapp_id="true_123@c.us_ABC")
    again = outbox.report(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=3, ok=True)
    assert (sent.state, again.state, again.whatsapp_id) == ("sent", "sent", "true_123@c.us_ABC")
    with pytest.raises(OutboxConflict, match="already reported as sent"):
        outbox.report(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=3, ok=False, error="x")


def test_a_crash_between_sending_and_reporting_never_sends_again_and_is_told_as_unknown(
        db: psycopg.Connection[Any], enabled: int) -> None:
    """Collector run 1 (fence 1) claims and sends, then dies before reporting. Run 2 (fence 2)
    does not get the reply, cannot claim or report it; the user is told "unknown" once."""
    item = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="on my way")
    later = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="there in 5")
    outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=1)
    # ... WhatsApp got it; the collector dies here. Run 2:
    listed = outbox.to_send(db, user_id=enabled, lock_name=LOCK, fence=2)
    assert [i.id for i in listed] == [later.id]  # the next one of the chat is not held up
    with pytest.raises(OutboxConflict, match="is unknown, not queued"):
        outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=2)
    with pytest.raises(OutboxConflict):
        outbox.report(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=2, ok=False, error="no")
    stored = outbox.get_item(db, user_id=enabled, outbox_id=item.id)
    assert (stored.state, stored.status) == ("sending", "unknown")
    [told] = outbox.untold(db, user_id=enabled)
    assert told.id == item.id
    outbox.mark_told(db, user_id=enabled, ids=[told.id])
    assert outbox.untold(db, user_id=enabled) == []
    again = outbox.queue_again(db, user_id=enabled, outbox_id=item.id)  # only by the user's choice
    assert (again.state, again.text) == ("queued", "on my way") and again.id != item.id


def test_a_claim_nobody_reports_within_the_longest_lease_becomes_unknown_without_a_new_collector(
        db: psycopg.Connection[Any], enabled: int) -> None:
    item = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="hello")
    outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=1)
    assert outbox.untold(db, user_id=enabled, now=datetime.now(UTC)) == []
    [told] = outbox.untold(db, user_id=enabled, now=datetime.now(UTC) + timedelta(hours=2))
    assert told.status == "unknown"


def test_another_users_replies_are_not_found_and_not_listed(
        db: psycopg.Connection[Any], enabled: int) -> None:
    item = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="private")
    other = ensure_user(db, user_id=2)
    outbox.set_enabled(db, user_id=other, enabled=True)
    assert outbox.to_send(db, user_id=other, lock_name=LOCK, fence=1) == []
    with pytest.raises(NotFound):
        outbox.claim(db, user_id=other, outbox_id=item.id, lock_name=LOCK, fence=1)
    with pytest.raises(NotFound):
        outbox.report(db, user_id=other, outbox_id=item.id, lock_name=LOCK, fence=1, ok=True)
    with pytest.raises(NotFound):
        outbox.cancel(db, user_id=other, outbox_id=item.id)


def test_a_queued_reply_can_be_cancelled_but_a_claimed_one_cannot(
        db: psycopg.Connection[Any], enabled: int) -> None:
    first = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="one")
    second = outbox.queue_custom(db, user_id=enabled, chat="Ben", text="two")
    outbox.cancel(db, user_id=enabled, outbox_id=first.id)
    outbox.claim(db, user_id=enabled, outbox_id=second.id, lock_name=LOCK, fence=1)
    with pytest.raises(OutboxConflict, match="only a queued reply"):
        outbox.cancel(db, user_id=enabled, outbox_id=second.id)
    assert [i.id for i in outbox.list_items(db, user_id=enabled)] == [second.id]


def test_turning_the_outbox_off_holds_queued_replies_back_from_collectors(
        db: psycopg.Connection[Any], enabled: int) -> None:
    item = outbox.queue_custom(db, user_id=enabled, chat="Ana", text="later")
    outbox.set_enabled(db, user_id=enabled, enabled=False)
    assert outbox.to_send(db, user_id=enabled, lock_name=LOCK, fence=1) == []
    with pytest.raises(OutboxOff):
        outbox.claim(db, user_id=enabled, outbox_id=item.id, lock_name=LOCK, fence=1)
