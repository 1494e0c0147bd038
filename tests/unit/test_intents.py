"""Natural-language routing: the rules catch common phrasings in three languages; the LLM the rest."""

from __future__ import annotations

from datetime import date

import pytest

from nudge.errors import LLMUnavailable
from nudge.faces.telegram.intents import Intent, classify, match_rules
from nudge.rules.timewords import resolve_day


@pytest.mark.parametrize(("text", "kind", "name", "query", "when"), [
    ("what happened yesterday?", "digest", None, None, "yesterday"),
    ("What did I miss?", "digest", None, None, None),
    ("Was ist gestern passiert?", "digest", None, None, "gestern"),
    ("Zusammenfassung von heute", "digest", None, None, "heute"),
    ("¿Qué pasó ayer?", "digest", None, None, "ayer"),
    ("resumen del lunes", "digest", None, None, "lunes"),
    ("what did Emre say about the party?", "search", "Emre", "the party", None),
    ("search for flight tickets", "search", None, "flight tickets", None),
    ("Was hat Emre über die Party gesagt?", "search", "Emre", "die Party", None),
    ("suche nach Flugticket", "search", None, "Flugticket", None),
    ("¿Qué dijo Emre sobre la fiesta?", "search", "Emre", "la fiesta", None),
    ("busca mensajes sobre la fiesta", "search", None, "la fiesta", None),
    ("help me answer Ana", "suggest", "Ana", None, None),
    ("what should I reply to Ana Lopez?", "suggest", "Ana Lopez", None, None),
    ("Hilf mir, Ana zu antworten", "suggest", "Ana", None, None),
    ("Was soll ich Ana antworten?", "suggest", "Ana", None, None),
    ("ayúdame a responder a Ana", "suggest", "Ana", None, None),
    ("remind me to answer Ben tonight", "remind", "Ben", None, "tonight"),
    ("remind me about Trip in 2 hours", "remind", "Trip", None, "in 2 hours"),
    ("Erinnere mich, Ben heute Abend zu antworten", "remind", "Ben", None, "heute Abend"),
    ("recuérdame responder a Ben esta noche", "remind", "Ben", None, "esta noche"),
    ("my reminders", "reminders", None, None, None),
    ("mark Ana as critical", "critical", "Ana", None, None),
    ("Markiere Ana als wichtig", "critical", "Ana", None, None),
    ("marca a Ana como importante", "critical", "Ana", None, None),
    ("keywords: urgent, visa", "keywords", None, "urgent, visa", None),
    ("Stichwörter Visum", "keywords", None, "Visum", None),
    ("palabras clave urgente", "keywords", None, "urgente", None),
    ("send my digest at 7:30", "settings", None, "time 7:30", None),
    ("my time zone is Europe/Berlin", "settings", None, "tz Europe/Berlin", None),
    ("Zeitzone Europe/Madrid", "settings", None, "tz Europe/Madrid", None),
    ("Einstellungen", "settings", None, "", None),
    ("send me a weekly digest on sunday at 6pm", "settings", None, "digest weekly sunday 6pm", None),
    ("daily digest at 7:30", "settings", None, "digest daily 7:30", None),
    ("wöchentliche Zusammenfassung am Sonntag", "settings", None, "digest weekly Sonntag", None),
    ("resumen semanal el domingo a las 18:00", "settings", None, "digest weekly domingo 18:00", None),
    ("stop the digests", "settings", None, "digest off", None),
    ("digests only when I ask", "settings", None, "digest manual", None),
    ("mute the Office party group", "mute", "Office party", None, None),
    ("unmute Trip", "mute", "Trip", "off", None),
    ("Schalte Trip stumm", "mute", "Trip", None, None),
    ("silencia el grupo Trip", "mute", "Trip", None, None),
    ("help", "help", None, None, None),
    ("Hilfe", "help", None, None, None),
    ("ayuda", "help", None, None, None),
])
def test_rules_route_common_phrasings_in_three_languages(text, kind, name, query, when):
    intent = match_rules(text)
    assert intent is not None
    assert (intent.kind, intent.name, intent.query, intent.when) == (kind, name, query, when)


def test_text_no_rule_knows_returns_none():
    assert match_rules("the weather is nice in Lisbon") is None


class _ScriptedModel:
    def __init__(self, answer: dict | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def chat_json(self, messages, *, schema, max_tokens=256):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_llm_is_asked_only_when_no_rule_matches():
    model = _ScriptedModel({"intent": "search", "name": "", "topic": "lisbon", "when": ""})
    assert classify("help me answer Ana", model).kind == "suggest"
    assert model.calls == 0
    intent = classify("anything on lisbon", model)
    assert intent == Intent("search", query="lisbon", source="llm")
    assert model.calls == 1


def test_llm_outage_or_nonsense_answer_falls_back_to_help():
    assert classify("the weather", _ScriptedModel(LLMUnavailable("down"))).kind == "help"
    assert classify("the weather", _ScriptedModel({"intent": "dance"})).kind == "help"
    assert classify("the weather", None).kind == "help"


@pytest.mark.parametrize(("text", "expected"), [
    ("yesterday", date(2024, 5, 8)),
    ("gestern", date(2024, 5, 8)),
    ("hoy", date(2024, 5, 9)),
    ("vorgestern", date(2024, 5, 7)),
    ("2024-04-30", date(2024, 4, 30)),
    ("monday", date(2024, 5, 6)),
    ("thursday", date(2024, 5, 2)),  # 2024-05-09 is a Thursday: the one before
    ("nothing", None),
])
def test_digest_days_resolve_against_today(text, expected):
    assert resolve_day(text, date(2024, 5, 9)) == expected


@pytest.mark.parametrize(("text", "name"), [
    ("what did the Lisbon group talk about this week?", "Lisbon"),
    ("Worüber hat die Familie diese Woche gesprochen?", "Familie"),
    ("¿De qué habló el grupo Lisboa esta semana?", "Lisboa"),
])
def test_questions_about_a_chats_week_ask_for_its_topics(text, name):
    intent = match_rules(text)
    assert intent is not None and (intent.kind, intent.name) == ("topics", name)
