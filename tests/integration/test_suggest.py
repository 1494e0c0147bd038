"""Reply suggestions on the embedded Postgres: what to answer, the user's style, the LLM and its
fallback, approvals as examples."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from nudge.domain import Message, ParsedExport
from nudge.errors import LLMUnavailable, NotFound
from nudge.features.importing import import_export
from nudge.features.suggest import approve_suggestion, suggest_replies
from nudge.llm.client import LLMClient
from nudge.rules.style import build_profile, detect_language, strip_emoji
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


def test_with_the_llm_down_templates_in_the_users_language_and_style_are_stored(
        db: psycopg.Connection[Any], user: int) -> None:
    for llm in (None, DownModel(), LLMClient("http://127.0.0.1:9", timeout=1.0)):
        result = suggest_replies(db, user_id=user, chat="Ana", llm=llm, n=3, me="Sam")
        assert result.source == "fallback" and "unavailable" in result.message
        assert result.language == "es"
        assert result.replies == ["sí, perfecto 👍", "vale, gracias 👍", "te digo algo luego"]
    assert len(stored(db)) == 9
    assert result.ids == [7, 8, 9]


def test_model_drafts_are_fitted_to_the_user_and_junk_replaced(
        db: psycopg.Connection[Any], user: int) -> None:
    model = RecordingModel([
        "Sam: ¡Sí! Mañana voy contigo al parque, ¿quieres que lleve agua para los dos?",
        "Sure, I will come along",  # another language: dropped
        "Salimos a las 7 desde el parque",  # an echo: dropped
    ])
    result = suggest_replies(db, user_id=user, chat="Ana", llm=model, n=3, me="Sam")
    assert result.source == "mixed"
    first = result.replies[0]
    assert first.startswith("sí. mañana voy contigo") and first.endswith("👍")
    assert len(first) <= build_profile([t for s, t in ANA_CHAT if s == "Sam"]).max_chars + 2
    assert result.replies[1:] == ["sí, perfecto 👍", "vale, gracias"]
    system, *shots, ask = model.prompts[0]
    assert "Spanish" in system["content"]
    assert shots[-2:] == [{"role": "user", "content": "Ana: Gracias!!"},
                          {"role": "assistant", "content": '{"replies": ["de nada"]}'}]
    assert {"role": "assistant", "content": '{"replies": ["sí, no hay problema"]}'} in shots
    assert "Ana: Salimos a las 7 desde el parque" in ask["content"]


def test_an_approved_suggestion_is_the_nearest_example_next_time(db: psycopg.Connection[Any],
                                                               user: int) -> None:
    first = suggest_replies(db, user_id=user, chat="Ana", llm=RecordingModel(["¡Claro, allí estaré!"]),
                            n=1, me="Sam")
    assert approve_suggestion(db, user_id=user, suggestion_id=first.ids[0]) == first.replies[0]
    assert stored(db) == [(first.replies[0], True)]
    model = RecordingModel(["vale"])
    suggest_replies(db, user_id=user, chat="Ana", llm=model, n=1, me="Sam")
    *_, asked, approved, _ = model.prompts[0]
    assert asked == {"role": "user", "content": "Ana: Salimos a las 7 desde el parque"}
    assert approved["content"] == f'{{"replies": ["{strip_emoji(first.replies[0])}"]}}'



def test_approving_an_unknown_suggestion_is_not_found(db: psycopg.Connection[Any],
                                                      user: int) -> None:
    with pytest.raises(NotFound, match="42"):
        approve_suggestion(db, user_id=user, suggestion_id=42)


def test_a_user_who_wrote_little_in_a_chat_is_profiled_from_all_chats(
        db: psycopg.Connection[Any], user: int) -> None:
    import_export(db, export("Luis", [("Luis", "¿Me llamas luego? Es para lo del viernes")]), user_id=1,
                  me="Sam")
    result = suggest_replies(db, user_id=user, chat="Luis", llm=None, n=2)
    assert result.language == "es" and result.replies == ["sí, perfecto 👍", "vale, gracias"]


@pytest.mark.slow
def test_the_real_tiny_model_suggests_replies_in_the_users_language_and_length(
        db: psycopg.Connection[Any], user: int, llm_client: LLMClient) -> None:
    english = [("Ben", "Are you free for lunch on Thursday?"), ("Sam", "yes, works for me"),
               ("Ben", "Great. Same place as last time?"), ("Sam", "sure, see you there"),
               ("Ben", "Did you get the tickets for the game?"), ("Sam", "not yet, will do it today"),
               ("Ben", "Can you send me the photos from the trip?")]
    import_export(db, export("Ben", english), user_id=1, me="Sam")
    for chat, language in (("Ana", "es"), ("Ben", "en")):
        result = suggest_replies(db, user_id=user, chat=chat, llm=llm_client, n=3, me="Sam")
        own = [t for s, t in (ANA_CHAT if chat == "Ana" else english) if s == "Sam"]
        limit = build_profile(own).max_chars + 3
        assert len(result.replies) == 3 and len(set(result.replies)) == 3
        assert result.message == ""  # the model answered
        for reply in result.replies:
            assert 0 < len(reply) <= limit, reply
            assert detect_language([reply], default=language) == language, reply
