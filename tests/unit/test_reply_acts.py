"""What a message asks of the reply, and templates that fit it in the chat's language."""

from __future__ import annotations

import pytest

from nudge.rules.reply_acts import _TEMPLATES, ACTS, act_templates, conversation_act, message_act
from nudge.rules.style import detect_language


@pytest.mark.parametrize(("text", "act"), [
    ("Thank you all for coming! 🥂", "thanks"),
    ("Sorry, I'm late", "apology"),
    ("Dinner at the flat tonight?", "plan"),
    ("¿Vienes a correr mañana?", "plan"),
    ("Did you get the snacks yet?", "question"),
    ("Wann kommst du an?", "open_question"),
    ("hey!", "greeting"),
    ("Cake in the oven 🎂", "news"),
])
def test_a_message_is_read_as_what_it_asks_of_a_reply(text: str, act: str) -> None:
    assert message_act(text) == act


def test_news_after_a_question_is_still_answered_as_the_question() -> None:
    assert conversation_act(["Oye, ¿mañana vienes a correr conmigo?", "Salimos a las 7"]) == "plan"
    assert conversation_act(["Cake in the oven", "Thanks for the recipe"]) == "thanks"


def test_every_template_is_in_its_language_and_every_act_has_three() -> None:
    for language, acts in _TEMPLATES.items():
        assert set(acts) == set(ACTS)
        for act in ACTS:
            replies = act_templates(act, language)
            assert len(set(replies)) == 3
            assert all(detect_language([r], default=language) == language for r in replies), replies


def test_a_plan_gets_yes_no_and_another_proposal() -> None:
    yes, no, other = act_templates("plan", "en")
    assert yes.startswith("Yes") and "can't" in no and other.endswith("?")
