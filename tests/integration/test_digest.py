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


class PhrasingLLM:
    def __init__(self) -> None:
        self.prompts: list[list[dict]] = []

    def chat_json(self, messages, *, schema, max_tokens=256):
        self.prompts.append(messages)
        return {"summary": "Emre hosts the party on Friday."}


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


def test_the_llm_phrases_the_summary_from_the_facts(db):
    user = _seed(db)
    llm = PhrasingLLM()
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=llm)
    assert digest.llm == "ok"
    assert digest.chats[0].summary.startswith("Emre hosts the party on Friday.")
    assert "Emre: The party is at my place on Friday" in llm.prompts[0][1]["content"]


def test_when_the_llm_is_down_the_digest_still_comes_out_with_facts_only(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=DownLLM())
    assert digest.llm == "unavailable"
    assert digest.chats[0].summary.startswith("6 messages from")
    text = format_digest(digest)
    assert "LLM was unavailable" in text and "did you pay the deposit" in text


def test_a_day_without_messages_gives_an_empty_digest(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=date(2024, 1, 1), me="Sam", llm=None)
    assert digest.chats == [] and "No messages" in format_digest(digest)
    assert digest.to_json() == {"date": "2024-01-01", "llm": "unavailable", "chats": []}


def test_garbage_from_a_tiny_model_is_dropped_for_the_facts():
    from nudge.features.digest import looks_like_prose

    assert looks_like_prose("Emre invites everyone to the party on Friday.")
    assert not looks_like_prose("🌱🌱🌱🌱🌱🌱🌱🌱")
    assert not looks_like_prose("the the the the the the the the the")
    assert not looks_like_prose("!!!! ???? 1234")


class TruncatingLLM:
    def chat_json(self, messages, *, schema, max_tokens=256):
        from nudge.errors import LLMBadOutput

        raise LLMBadOutput("the model did not answer valid JSON")


def test_a_bad_answer_for_one_chat_keeps_its_facts_and_the_llm_counts_as_up(db):
    user = _seed(db)
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=TruncatingLLM())
    assert digest.llm == "ok"
    assert digest.chats[0].summary == digest.chats[0].facts_sentence()


def test_a_message_of_mine_the_next_morning_does_not_count_as_the_answer(db):
    user = ensure_user(db, name="Sam")
    import_export(db, ParsedExport(messages=[
        Message(sent_at=datetime(2024, 11, 26, 23, 40), sender="Ana", text="Sam, me pasas el número?"),
        Message(sent_at=datetime(2024, 11, 27, 9, 5), sender="Sam", text="Vamos al museo a las 10"),
    ], source="Ana.txt", format="ios", date_order="dmy", chat_name="Ana"), user_id=1, me="Sam")
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None)
    assert [i.text for i in digest.chats[0].needs_reply] == ["Sam, me pasas el número?"]


def test_my_message_earlier_in_the_same_minute_does_not_answer_a_question(db):
    user = ensure_user(db, name="Sam")
    import_export(db, _export("Ana", [
        ("18:00", "Sam", "Leaving the office now"),
        ("18:00", "Ana", "Sam, can you buy bread?"),
    ]), user_id=1, me="Sam")
    digest = build_digest(db, user_id=user, day=DAY, me="Sam", llm=None)
    assert [i.text for i in digest.chats[0].needs_reply] == ["Sam, can you buy bread?"]
