"""The digest's facts come from code over the real database; the LLM only phrases them."""

from datetime import date, datetime

from nudge.domain import Message, ParsedExport
from nudge.errors import LLMUnavailable
from nudge.features.digest import build_digest, format_digest
from nudge.features.importing import import_export
from nudge.store import ensure_user

DAY = date(2024, 11, 26)


def _export(chat: str, rows: list[tuple[str, str, str]]) -> ParsedExport:
    messages = [Message(sent_at=datetime.fromisoformat(f"2024-11-26T{hhmm}:00"), sender=sender,
                        text=text) for hhmm, sender, text in rows]
    return ParsedExport(messages=messages, source=f"{chat}.txt", format="android dmy 24h",
                        date_order="dmy", chat_name=chat)


class GistLLM:
    """A capable model's stand-in: answers every gist request with `gist`."""

    def __init__(self, gist: str) -> None:
        self.gist = gist
        self.prompts: list[list[dict]] = []

    def chat_json(self, messages, *, schema, max_tokens=256):
        self.prompts.append(messages)
        return {"gist": self.gist}


class DownLLM:
    def chat_json(self, messages, *, schema, max_tokens=256):
        raise LLMUnavailable("connection refused")


def _seed(db):
    user = ensure_user(db, name="Sam")
    import_export(db, _export("Trip", [
        ("09:00", "Emre", "The party is at my place on Friday"),
        ("09:05", "Ana", "Sam, can you book the car?"),
        ("09:06", "Ben", "@Sam are you coming Friday?"),
        ("09:30", "Sam", "Coming Friday!"),
        ("10:00", "Ana", "Who brings drinks?"),
        ("11:00", "Emre", "Sam, did you pay the deposit?"),
    ]), user_id=1, me="Sam")
    import_export(db, _export("Ana", [("12:00", "Ana", "¿Vienes a cenar?"), ("12:01", "Ana", "ok")]),
                  user_id=1, me="Sam")
    return user


def test_open_questions_to_me_are_those_without_a_later_reply_from_me(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None)
    trip = next(c for c in digest.chats if c.chat == "Trip")
    assert [i.text for i in trip.needs_reply] == ["Sam, did you pay the deposit?"]
    ana = next(c for c in digest.chats if c.chat == "Ana")
    assert [i.text for i in ana.needs_reply] == ["¿Vienes a cenar?"]


def test_counts_and_senders_are_per_chat_and_busiest_chat_comes_first(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None)
    assert [c.chat for c in digest.chats] == ["Trip", "Ana"]
    assert digest.chats[0].messages == 6
    assert digest.chats[0].senders == {"Emre": 2, "Ana": 2, "Ben": 1, "me": 1}


def test_keywords_and_critical_contacts_make_messages_important(db):
    user = _seed(db)
    db.execute("UPDATE contacts SET is_critical = true WHERE name = 'Ben'")
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None, keywords=["party"])
    important = {i.text: i.reason for i in digest.chats[0].important}
    assert important == {"The party is at my place on Friday": "keyword: party",
                         "@Sam are you coming Friday?": "critical contact"}


def test_without_a_capable_model_the_gist_is_extractive_and_names_who_said_it(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None)
    trip = digest.chats[0]
    assert trip.by == "extractive" and trip.gist
    assert any(name in trip.gist for name in ("Emre", "Ana", "Ben"))
    assert 1 <= len(trip.key_points) <= 4
    assert {p.sender for p in trip.key_points} <= {"Emre", "Ana", "Ben", "Sam"}


def test_a_capable_model_writes_the_gist_over_the_whole_day_when_it_is_grounded(db):
    user = _seed(db)
    llm = GistLLM("Emre hosts the party on Friday and Ana asks Sam to book the car.")
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=llm, capable=True)
    trip = digest.chats[0]
    assert digest.llm == "ok" and trip.by == "llm"
    assert trip.gist == "Emre hosts the party on Friday and Ana asks Sam to book the car."
    assert trip.summary.startswith(trip.gist)
    chat_text = next(p[-1]["content"] for p in llm.prompts if "Emre" in p[-1]["content"])
    assert "Emre: The party is at my place on Friday" in chat_text and "Emre: Sam, did you pay" in chat_text


def test_a_gist_with_an_invented_name_is_replaced_by_the_extractive_one(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=GistLLM("Lia hosts the party."),
                          capable=True)
    assert digest.chats[0].by == "extractive" and "Lia" not in digest.chats[0].gist


def test_when_the_llm_is_down_the_digest_still_comes_out_extractive(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=DownLLM(), capable=True)
    assert digest.llm == "unavailable"
    assert all(chat.by == "extractive" and chat.gist for chat in digest.chats)
    text = format_digest(digest)
    assert "LLM was unavailable" in text and "did you pay the deposit" in text


def test_plans_tone_and_topics_are_part_of_each_chat(db):
    user = _seed(db)
    trip = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None).chats[0]
    assert any(plan.message_id and plan.starts_at.strftime("%a") == "Fri" for plan in trip.plans)
    assert trip.tone in ("positive", "neutral", "negative", "tense")
    record = trip.to_json()
    assert {"gist", "by", "key_points", "plans", "tone", "topics", "summary"} <= set(record)
    assert all({"what", "starts_at", "sender"} <= set(plan) for plan in record["plans"])


def test_a_day_without_messages_gives_an_empty_digest(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=date(2024, 1, 1), me="Sam", llm=None)
    assert digest.chats == [] and "No messages" in format_digest(digest)
    assert digest.to_json() == {"date": "2024-01-01", "llm": "unavailable", "chats": []}


class TruncatingLLM:
    def chat_json(self, messages, *, schema, max_tokens=256):
        from nudge.errors import LLMBadOutput

        raise LLMBadOutput("the model did not answer valid JSON")


def test_a_bad_answer_for_one_chat_keeps_it_extractive_and_the_llm_counts_as_up(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=TruncatingLLM(), capable=True)
    assert digest.llm == "ok"
    assert digest.chats[0].by == "extractive" and digest.chats[0].gist


def test_each_digested_chat_day_keeps_its_topics_and_tone_for_later_questions(db):
    from datetime import timedelta

    from nudge.features.topics import recent_topics

    user = _seed(db)
    trip = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None).chats[0]
    [kept] = recent_topics(db, user_id=user, chat="trip", until=DAY + timedelta(days=1))
    assert (kept.chat, kept.day, kept.labels, kept.tone) == ("Trip", DAY, trip.topics, trip.tone)


def test_with_the_real_tiny_model_every_name_in_each_gist_occurs_in_its_chat(db, llm_client):
    """Properties only: whatever SmolLM2 writes when forced to the capable path, and whichever path
    wins, no gist names anyone the chat-day does not."""
    from nudge.rules.grounding import invented_names

    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=llm_client, capable=True)
    assert digest.llm == "ok" and digest.chats
    for chat in digest.chats:
        assert chat.gist and chat.by in ("extractive", "llm")
        said = " ".join(f"{p.sender} {p.text}" for p in chat.key_points + chat.needs_reply)
        rows = db.execute("SELECT m.sender_name, m.text FROM messages m JOIN chats c ON c.id = m.chat_id"
                          " WHERE c.name = %s", [chat.chat]).fetchall()
        chat_words = " ".join(f"{s or ''} {t}" for s, t in rows) + " Sam " + said
        assert not [name for name in invented_names(chat.gist, []) if name not in chat_words]
