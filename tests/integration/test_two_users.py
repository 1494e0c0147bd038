"""Two users on one database: the features and the schedules keep each user's rows to that user.

GIVEN two profiles linked to two Telegram users, each importing a chat with the SAME name and the
SAME messages (so the same source keys), user B having one extra message (the zebra question),
WHEN either user searches, reads a digest, sets or clears reminders, gets or approves suggestions,
or the schedules fire, THEN nobody sees, changes or is sent the other's rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest

from nudge.config import load_settings
from nudge.errors import NotFound
from nudge.faces.schedules import run_daily_digest, run_reminders
from nudge.features.digest import build_digest
from nudge.features.importing import import_export
from nudge.features.reminders import add_reminder, clear, due_reminders, list_reminders, snooze
from nudge.features.search import search
from nudge.features.suggest import approve_suggestion, own_examples, suggest_replies, suggestion_text
from nudge.store import suggestions, users
from nudge.store.contacts import critical_contacts, set_contact_critical
from nudge.store.preferences import user_preferences
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import OWNER, FakeTelegram, telegram_env
from tests.integration.test_search import bag_of_words

OTHER = 4343  # the second allowed Telegram user
SOURCE = "WhatsApp Chat with Ana.txt"  # the same chat name for both
ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
13/05/2024, 09:21 - Ana: Bring <wine> & cheese
"""
B_ONLY = "Did you get the zebra tickets?"
ANA_B = ANA + f"13/05/2024, 09:30 - Ana: {B_ONLY}\n".encode()
ANA_ANSWERED = ANA + b"14/05/2024, 10:30 - Sam: Yes, I'll be there\n"
DAY = datetime(2024, 5, 13).date()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def texts(conn: psycopg.Connection, user_id: int) -> list[str]:
    """Everything a user could be shown from their messages: every stored text of theirs."""
    return [r[0] for r in conn.execute("SELECT text FROM messages WHERE user_profile_id = %s",
                                       [user_id])]


@pytest.fixture
def two(db) -> tuple[int, int]:
    """(A, B): A owns the default profile through OWNER, B a new one through OTHER; both named Sam
    in their chats and both imported 'Ana' (B with the extra zebra question), with embeddings."""
    a = users.user_for_telegram(db, telegram_user_id=OWNER, name="Sam")
    b = users.user_for_telegram(db, telegram_user_id=OTHER)
    users.remember_name(db, user_id=b, name="Sam")
    import_export(db, parse_bytes(ANA, source=SOURCE), user_id=a, me="Sam", embed=bag_of_words)
    import_export(db, parse_bytes(ANA_B, source=SOURCE), user_id=b, me="Sam", embed=bag_of_words)
    return a, b


def test_the_same_export_imported_by_two_users_is_stored_once_for_each(db):
    a = users.user_for_telegram(db, telegram_user_id=OWNER, name="Sam")
    b = users.user_for_telegram(db, telegram_user_id=OTHER)
    assert (a, b) == (1, 2)  # the first Telegram user claims the default profile

    first = import_export(db, parse_bytes(ANA, source=SOURCE), user_id=a, me="Sam")
    other = import_export(db, parse_bytes(ANA_B, source=SOURCE), user_id=b, me="Sam")
    again = import_export(db, parse_bytes(ANA, source=SOURCE), user_id=a, me="Sam")

    assert (first.inserted, first.duplicates) == (3, 0)
    assert (other.inserted, other.duplicates) == (4, 0)  # A's identical keys are not B's duplicates
    assert (again.inserted, again.duplicates) == (0, 3)
    assert db.execute("SELECT user_profile_id, name FROM chats ORDER BY user_profile_id").fetchall() \
        == [(a, "Ana"), (b, "Ana")]
    assert B_ONLY not in texts(db, a) and B_ONLY in texts(db, b)


def test_search_by_words_and_by_meaning_finds_only_the_searchers_messages(db, two):
    a, b = two
    zebra = bag_of_words([B_ONLY])[0]
    own = {r[0] for r in db.execute("SELECT id FROM messages WHERE user_profile_id = %s", [a])}
    assert search(db, user_id=a, query="zebra") == []  # words only
    assert [h.text for h in search(db, user_id=b, query="zebra")] == [B_ONLY]
    # by meaning, over all chats and within 'Ana' (the exact-distance path): the nearest of A's own
    for chat in (None, "Ana"):
        hits = search(db, user_id=a, query="zebra tickets", query_embedding=zebra, chat=chat)
        assert hits and {h.message_id for h in hits} <= own
        assert search(db, user_id=b, query="zebra tickets", query_embedding=zebra,
                      chat=chat)[0].text == B_ONLY
    dinner = search(db, user_id=a, query="dinner")
    assert [h.message_id for h in dinner] == [h.message_id for h in dinner if h.message_id in own]
    assert len(dinner) == 1  # A's copy only, not B's identical one


def test_each_users_digest_counts_and_shows_only_their_own_messages(db, two):
    a, b = two
    digest_a = build_digest(db, user_id=a, day=DAY, me="Sam", llm=None)
    digest_b = build_digest(db, user_id=b, day=DAY, me="Sam", llm=None)

    assert [(c.chat, c.messages) for c in digest_a.chats] == [("Ana", 3)]
    assert [(c.chat, c.messages) for c in digest_b.chats] == [("Ana", 4)]
    assert "zebra" not in json.dumps(digest_a.to_json())
    assert B_ONLY in [item.text for item in digest_b.chats[0].needs_reply]


def test_one_users_reminders_are_invisible_and_untouchable_for_the_other(db, two):
    a, b = two
    mine = add_reminder(db, user_id=b, chat="Ana", due_at=datetime(2024, 5, 14, 9, 0),
                        note="B's note", now=datetime(2024, 5, 13, 22, 0))

    assert list_reminders(db, user_id=a, include_closed=True) == []
    with pytest.raises(NotFound):
        snooze(db, user_id=a, reminder_id=mine.id, until=datetime(2024, 5, 20, 9, 0))
    with pytest.raises(NotFound):
        clear(db, user_id=a, reminder_id=mine.id)
    assert clear(db, user_id=a) == 0
    later = utc("2024-05-14T12:00:00")
    assert due_reminders(db, user_id=a, now=later, prefs=user_preferences(db, user_id=a)) == []

    import_export(db, parse_bytes(ANA_ANSWERED, source=SOURCE), user_id=a, me="Sam")  # A answers
    [still] = due_reminders(db, user_id=b, now=later, prefs=user_preferences(db, user_id=b))
    assert (still.id, still.note, still.status) == (mine.id, "B's note", "open")


def test_automatic_reminders_follow_each_users_own_critical_contacts(db, two):
    a, b = two
    set_contact_critical(db, user_id=b, name="Ana", critical=True)
    now = utc("2024-05-14T08:00:00")

    assert critical_contacts(db, user_id=a) == [] and critical_contacts(db, user_id=b) == ["Ana"]
    assert due_reminders(db, user_id=a, now=now, prefs=user_preferences(db, user_id=a), me="Sam") == []
    [auto] = due_reminders(db, user_id=b, now=now, prefs=user_preferences(db, user_id=b), me="Sam")
    assert auto.reason == "critical contact" and auto.chat == "Ana"
    assert list_reminders(db, user_id=a, include_closed=True) == []

    import_export(db, parse_bytes(ANA_ANSWERED, source=SOURCE), user_id=a, me="Sam")  # A answers
    assert [r.id for r in list_reminders(db, user_id=b)] == [auto.id]  # B has not


def test_a_reminder_cannot_point_at_another_users_message(db, two):
    a, b = two
    [b_message] = db.execute("SELECT id FROM messages WHERE user_profile_id = %s AND text = %s",
                             [b, B_ONLY]).fetchone()
    with pytest.raises(NotFound):
        add_reminder(db, user_id=a, chat="Ana", due_at=datetime(2024, 5, 14, 9, 0),
                     message_id=b_message)
    assert all(r.text != B_ONLY for r in list_reminders(db, user_id=a, include_closed=True))


def test_suggestions_answer_only_the_users_messages_and_learn_only_from_their_approvals(db, two):
    a, b = two
    for_a = suggest_replies(db, user_id=a, chat="Ana", llm=None, me="Sam")
    for_b = suggest_replies(db, user_id=b, chat="Ana", llm=None, me="Sam")

    assert B_ONLY not in [m.text for m in for_a.replying_to]
    assert B_ONLY in [m.text for m in for_b.replying_to]
    assert for_a.ids and for_b.ids and not set(for_a.ids) & set(for_b.ids)
    with pytest.raises(NotFound):
        approve_suggestion(db, user_id=a, suggestion_id=for_b.ids[0])
    with pytest.raises(NotFound):
        suggestion_text(db, user_id=a, suggestion_id=for_b.ids[0])

    approved = approve_suggestion(db, user_id=b, suggestion_id=for_b.ids[0])
    assert own_examples(db, user_id=a, chat_id=None)[0] == []
    assert own_examples(db, user_id=b, chat_id=None)[0] == [approved]


def test_an_approved_reply_never_shows_another_users_message_as_its_example(db, two):
    """The store's guard in depth: a suggestion row pointing at a foreign message shows none."""
    a, b = two
    [b_message] = db.execute("SELECT id FROM messages WHERE user_profile_id = %s AND text = %s",
                             [b, B_ONLY]).fetchone()
    [chat_a] = db.execute("SELECT id FROM chats WHERE user_profile_id = %s", [a]).fetchone()
    [sid] = suggestions.insert_suggestions(db, user_id=a, chat_id=chat_a, message_id=b_message,
                                           replies=["Sure!"])
    suggestions.decide(db, user_id=a, suggestion_id=sid, approved=True)
    assert suggestions.approved_pairs(db, user_id=a, chat_id=None, limit=5) == [("?", "", "Sure!")]


# --- the schedules ----------------------------------------------------------------------------

@pytest.fixture
def schedule_settings(db_url: str, fake_telegram: FakeTelegram, tmp_path):
    return load_settings(telegram_env(db_url, fake_telegram,
                                      TELEGRAM_ALLOWED_USER_IDS=f"{OWNER},{OTHER}"), data_dir=tmp_path)


def sent_to(fake: FakeTelegram, telegram_id: int) -> str:
    """All that one Telegram user was sent, as they read it."""
    return "\n".join(text for params, text in zip(fake.sent(), fake.texts(), strict=True)
                     if int(params["chat_id"]) == telegram_id)


def test_each_telegram_user_gets_their_own_digest_at_their_own_id(
        schedule_settings, fake_telegram: FakeTelegram, two):
    report = run_daily_digest(schedule_settings, utc("2024-05-14T09:00:00"))

    assert sorted(report.sent) == [OWNER, OTHER] and fake_telegram.errors == []
    to_a, to_b = sent_to(fake_telegram, OWNER), sent_to(fake_telegram, OTHER)
    assert "Ana" in to_a and "zebra" not in to_a
    assert B_ONLY in to_b


def test_each_telegram_user_is_sent_only_their_own_reminders(
        schedule_settings, fake_telegram: FakeTelegram, db, two):
    a, b = two
    add_reminder(db, user_id=a, chat="Ana", due_at=datetime(2024, 5, 14, 9, 0), note="A's note",
                 now=datetime(2024, 5, 13, 22, 0))
    set_contact_critical(db, user_id=b, name="Ana", critical=True)

    report = run_reminders(schedule_settings, utc("2024-05-14T10:00:00"))

    assert sorted(report.sent) == [OWNER, OTHER] and fake_telegram.errors == []
    to_a, to_b = sent_to(fake_telegram, OWNER), sent_to(fake_telegram, OTHER)
    assert "A's note" in to_a and "critical contact" not in to_a
    assert "critical contact" in to_b and "A's note" not in to_b

    import_export(db, parse_bytes(ANA_ANSWERED, source=SOURCE), user_id=a, me="Sam")  # A answers
    fake_telegram.clear()
    report = run_reminders(schedule_settings, utc("2024-05-14T18:00:00"))
    assert report.sent == [OTHER] and report.skipped == {OWNER: "nothing due"}
    assert sent_to(fake_telegram, OWNER) == ""


def test_a_profile_whose_telegram_user_is_no_longer_allowed_is_sent_nothing(
        db_url, fake_telegram: FakeTelegram, tmp_path, two):
    only_a = load_settings(telegram_env(db_url, fake_telegram), data_dir=tmp_path)  # OWNER alone

    assert run_daily_digest(only_a, utc("2024-05-14T09:00:00")).sent == [OWNER]
    assert {int(p["chat_id"]) for p in fake_telegram.sent()} == {OWNER}
