"""Reply suggestions on the embedded Postgres: what to answer, the user's own past replies first
(nearest pairs, approved ones up), a capable model's drafts, templates labelled as such, edits."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import InputError, LLMUnavailable, NotFound
from nudge.features.importing import import_export
from nudge.features.suggest import approve_suggestion, suggest_replies
from nudge.llm.client import LLMClient
from nudge.rules.reply_prompts import draft_chars
from nudge.rules.style import build_profile, detect_language
from nudge.store import ensure_user

START = datetime(2024, 11, 20, 18, 0)

# Sam writes short, lower-case Spanish with 👍 in about half the messages.
ANA_CHAT = [
    ("Ana", "Hola Sam! ¿Vienes a la cena del viernes?"),
    ("Sam", "sí claro 👍"),
    ("Ana", "Genial, ¿traes el vino?"),
    ("Sam", "vale, yo lo llevo"),
    ("Ana", "¿A qué hora llegas?"),
    ("Sam", "a las 8 más o menos 👍"),
    ("Ana", "Perfecto"),
    ("Sam", "hasta el viernes"),
    ("Ana", "¿Puedes traer también hielo?"),
    ("Sam", "sí, no hay problema 👍"),
    ("Ana", "Gracias!!"),
    ("Sam", "de nada"),
    ("Ana", "Oye, ¿mañana vienes a correr conmigo?"),
    ("Ana", "Salimos a las 7 desde el parque"),
]


def export(chat: str, lines: list[tuple[str, str]], *, start: datetime = START) -> ParsedExport:
    messages = [Message(start + timedelta(minutes=5 * i), sender, text)
                for i, (sender, text) in enumerate(lines)]
    return ParsedExport(messages, source=f"{chat}.txt", format="test", date_order="dmy",
                        chat_name=chat)


@pytest.fixture
def user(db: psycopg.Connection[Any]) -> int:
    user_id = ensure_user(db, name="Sam", timezone="Europe/Madrid")
    import_export(db, export("Ana", ANA_CHAT), user_id=1, me="Sam")
    return user_id


class RecordingModel:
    """A stand-in model that answers fixed drafts and keeps the prompts it was given."""

    def __init__(self, replies: object) -> None:
        self.replies = replies
        self.prompts: list[list[dict]] = []

    def chat_json(self, messages: list[dict], *, schema: dict, max_tokens: int = 256) -> dict:
        self.prompts.append(messages)
        return {"replies": self.replies}


class DownModel:
    def chat_json(self, messages: list[dict], *, schema: dict, max_tokens: int = 256) -> dict:
        raise LLMUnavailable("connection refused")


def stored(db: psycopg.Connection[Any]) -> list[tuple[str, bool | None]]:
    return db.execute("SELECT text, approved FROM suggestions ORDER BY id").fetchall()


def word_vectors(texts: list[str]) -> list[list[float]]:
    """A made-up embedder: hashed bags of words, unit length (texts sharing words are near)."""
    vectors = []
    for text in texts:
        vector = [0.0] * 384
        for word in re.findall(r"\w+", text.casefold()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        vectors.append([x / norm for x in vector])
    return vectors


def import_embedded(db: psycopg.Connection[Any], chat: str, lines: list[tuple[str, str]], **kw: Any) -> None:
    import_export(db, export(chat, lines, **kw), user_id=1, me="Sam", embed=word_vectors)


def test_an_unknown_chat_is_reported_by_name(db: psycopg.Connection[Any], user: int) -> None:
    with pytest.raises(NotFound, match="Lisbon"):
        suggest_replies(db, user_id=user, chat="Lisbon", llm=None)


def test_the_messages_to_answer_are_those_after_the_users_last_message(
        db: psycopg.Connection[Any], user: int) -> None:
    result = suggest_replies(db, user_id=user, chat="ana", llm=None, me="Sam")
    assert result.chat == "Ana"
    assert [m.text for m in result.replying_to] == [
        "Oye, ¿mañana vienes a correr conmigo?", "Salimos a las 7 desde el parque"]


def test_nothing_to_answer_gives_no_suggestions_and_says_why(db: psycopg.Connection[Any],
                                                             user: int) -> None:
    import_export(db, export("Ben", [("Ben", "see you"), ("Sam", "bye")]), user_id=1, me="Sam")
    result = suggest_replies(db, user_id=user, chat="Ben", llm=None)
    assert result.replying_to == [] and result.replies == []
    assert "Nothing to answer" in result.message
    assert stored(db) == []


def test_with_no_embeddings_and_no_model_templates_for_the_plan_come_in_the_users_style(
        db: psycopg.Connection[Any], user: int) -> None:
    for llm in (None, DownModel(), LLMClient("http://127.0.0.1:9", timeout=1.0)):
        result = suggest_replies(db, user_id=user, chat="Ana", llm=llm, n=3, me="Sam")
        assert "unavailable" in result.message and result.language == "es" and result.act == "plan"
        assert result.sources == ["template"] * 3
        assert result.replies == ["sí, me apunto 👍", "lo siento, no puedo 👍", "¿podemos un poco más tarde?"]
    assert len(stored(db)) == 9 and result.ids == [7, 8, 9]
    assert db.execute("SELECT DISTINCT source FROM suggestions").fetchall() == [("template",)]
    assert result.to_json()["replies"][0] == {"id": 7, "text": "sí, me apunto 👍", "from": "template"}


def test_the_users_reply_to_the_most_similar_message_comes_first_with_the_name_swapped(
        db: psycopg.Connection[Any]) -> None:
    ensure_user(db, name="Sam")
    import_embedded(db, "Ana", [("Ana", "Are you coming to the party on Friday?"),
                                ("Sam", "yes Ana, wouldn't miss it"),
                                ("Ana", "Can you bring the speakers?"), ("Sam", "sure, I'll bring them")])
    import_embedded(db, "Ben", [("Ben", "Are you coming to the party on Saturday?")],
                    start=START + timedelta(days=1))
    result = suggest_replies(db, user_id=1, chat="Ben", llm=None, n=3, me="Sam", embed=word_vectors)
    assert result.replies[0] == "yes Ben, wouldn't miss it" and result.sources[0] == "yours"
    assert result.sources.count("yours") == 1  # "sure, I'll bring them" answered something else
    assert result.message == ""


def test_an_approved_suggestion_is_preferred_and_an_edit_is_what_is_stored(
        db: psycopg.Connection[Any]) -> None:
    ensure_user(db, name="Sam")
    import_embedded(db, "Ana", [("Ana", "Lunch tomorrow?"), ("Sam", "yes, lunch works")])
    import_embedded(db, "Ben", [("Ben", "Lunch tomorrow with the team?")], start=START + timedelta(days=1))
    first = suggest_replies(db, user_id=1, chat="Ben", llm=None, n=3, me="Sam", embed=word_vectors)
    template_id = first.ids[first.sources.index("template")]
    edited = approve_suggestion(db, user_id=1, suggestion_id=template_id,
                                edited_text="  yes!  count me in for lunch ")
    assert edited == "yes! count me in for lunch"
    row = db.execute("SELECT text, approved, suggested_text FROM suggestions WHERE id = %s",
                     [template_id]).fetchone()
    assert row == (edited, True, first.replies[first.sources.index("template")])
    import_embedded(db, "Lia", [("Lia", "Lunch tomorrow with the team?")], start=START + timedelta(days=2))
    again = suggest_replies(db, user_id=1, chat="Lia", llm=None, n=3, me="Sam", embed=word_vectors)
    assert again.replies[:2] == [edited, "yes, lunch works"] and again.sources[:2] == ["yours", "yours"]
    with pytest.raises(InputError):
        approve_suggestion(db, user_id=1, suggestion_id=template_id, edited_text="   ")


def test_a_capable_model_drafts_from_the_conversation_and_junk_is_replaced(
        db: psycopg.Connection[Any], user: int) -> None:
    model = RecordingModel([
        "Sam: ¡Sí! Mañana voy contigo al parque, ¿quieres que lleve agua para los dos?",
        "Sure, I will come along",  # another language: dropped
        "Salimos a las 7 desde el parque",  # an echo: dropped
    ])
    result = suggest_replies(db, user_id=user, chat="Ana", llm=model, n=3, me="Sam", capable=True)
    assert result.sources == ["llm", "template", "template"]
    first = result.replies[0]
    assert first.startswith("sí. mañana voy contigo") and first.endswith("👍")
    assert len(first) <= draft_chars(build_profile([t for s, t in ANA_CHAT if s == "Sam"])) + 2
    system, ask = model.prompts[0]
    assert "Spanish" in system["content"] and "lower case" in system["content"]
    assert "Sam (me): de nada" in ask["content"]  # the recent conversation, the user's lines marked
    assert ask["content"].rstrip().endswith("in Spanish.")
    assert "Ana: Salimos a las 7 desde el parque" in ask["content"]


def test_a_draft_that_repeats_a_line_of_the_conversation_is_dropped(
        db: psycopg.Connection[Any], user: int) -> None:
    model = RecordingModel(["¿puedes traer también hielo?", "sí, no hay problema", "no puedo mañana"])
    result = suggest_replies(db, user_id=user, chat="Ana", llm=model, n=3, me="Sam", capable=True)
    shown = [r.rstrip(" 👍") for r in result.replies]
    assert "¿puedes traer también hielo?" not in shown and "sí, no hay problema" not in shown
    assert shown[0] == "no puedo mañana" and result.sources[0] == "llm"


def test_the_tiny_model_is_not_asked_to_write(db: psycopg.Connection[Any], user: int) -> None:
    model = RecordingModel(["vale"])
    result = suggest_replies(db, user_id=user, chat="Ana", llm=model, n=2, me="Sam")
    assert model.prompts == [] and "llm" not in result.sources


def test_approving_an_unknown_suggestion_is_not_found(db: psycopg.Connection[Any],
                                                      user: int) -> None:
    with pytest.raises(NotFound, match="42"):
        approve_suggestion(db, user_id=user, suggestion_id=42)


def test_a_user_who_wrote_little_in_a_chat_is_profiled_from_all_chats(
        db: psycopg.Connection[Any], user: int) -> None:
    import_export(db, export("Luis", [("Luis", "¿Me llamas luego? Es para lo del viernes")]), user_id=1,
                  me="Sam")
    result = suggest_replies(db, user_id=user, chat="Luis", llm=None, n=2)
    assert result.language == "es" and result.act == "question"
    assert result.replies == ["sí 👍", "no, todavía no"]


@pytest.mark.slow
def test_the_real_models_give_distinct_replies_in_the_chats_language_that_answer(
        db: psycopg.Connection[Any], llm_client: LLMClient) -> None:
    ensure_user(db, name="Sam")
    english = [("Ben", "Are you free for lunch on Thursday?"), ("Sam", "yes, works for me"),
               ("Ben", "Great. Same place as last time?"), ("Sam", "sure, see you there"),
               ("Ben", "Did you get the tickets for the game?"), ("Sam", "not yet, will do it today"),
               ("Ben", "Can you send me the photos from the trip?")]
    import_export(db, export("Ana", ANA_CHAT), user_id=1, me="Sam", embed=llm_client.embed)
    import_export(db, export("Ben", english), user_id=1, me="Sam", embed=llm_client.embed)
    for chat, language, question in (("Ana", "es", "Salimos a las 7 desde el parque"),
                                     ("Ben", "en", "Can you send me the photos from the trip?")):
        result = suggest_replies(db, user_id=1, chat=chat, llm=llm_client, n=3, me="Sam",
                                 embed=llm_client.embed)
        assert len(result.replies) == 3 and len(set(result.replies)) == 3
        assert set(result.sources) <= {"yours", "template"}
        for reply in result.replies:
            assert detect_language([reply], default=language) == language, reply
            assert reply.casefold() != question.casefold()
