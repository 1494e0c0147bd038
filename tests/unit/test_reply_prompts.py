"""The capable model's reply prompt: the recent conversation with the user's lines marked, past
replies shown for tone only, n short replies of different kinds asked for in the chat's language."""

from __future__ import annotations

from nudge.rules.reply_prompts import MAX_WORDS, Example, capable_prompt, max_tokens, reply_schema
from nudge.rules.style import StyleProfile


def _prompt(act: str = "plan", examples: list[Example] | None = None) -> tuple[str, str]:
    profile = StyleProfile(language="de", median_words=4, capital_rate=0.1)
    system, ask = capable_prompt(profile, me="Sam", chat="Jonas", n=3, act=act,
                                 context=[("Jonas", "Kino heute? 🎬"), ("me", "wann denn?"),
                                          ("Jonas", "um 8 im Cinemaxx")],
                                 examples=examples or [])
    return system["content"], ask["content"]


def test_the_conversation_is_shown_oldest_first_with_the_users_lines_marked_and_no_emoji() -> None:
    _, ask = _prompt()
    lines = ask.splitlines()
    start = lines.index("The conversation 'Jonas' (latest last):")
    assert lines[start + 1:start + 4] == ["Jonas: Kino heute?", "Sam (me): wann denn?",
                                          "Jonas: um 8 im Cinemaxx"]


def test_short_replies_of_different_kinds_are_asked_for_in_the_chats_language() -> None:
    system, ask = _prompt("plan")
    assert "German" in system and "German" in ask and f"at most {MAX_WORDS} words" in ask
    assert "a yes, a no" in ask and "all lower case" in system
    assert "no new places, times" in system  # the model must not invent plans
    assert "not a bare 'yes'" in system  # a reply says what it answers
    _, thanks = _prompt("thanks")
    assert "welcome" in thanks and "a yes, a no" not in thanks


def test_past_replies_are_examples_of_tone_and_left_out_when_there_are_none() -> None:
    _, ask = _prompt(examples=[Example("Ana", "Kino morgen?", "ja gerne 🎬")])
    assert "(tone only, not facts)" in ask and "- Ana: Kino morgen? -> Sam: ja gerne" in ask
    _, bare = _prompt()
    assert "tone only" not in bare


def test_the_schema_asks_for_exactly_n_replies_and_leaves_room_for_them() -> None:
    schema = reply_schema(3, StyleProfile(median_chars=20))
    replies = schema["properties"]["replies"]
    assert replies["minItems"] == replies["maxItems"] == 3
    assert max_tokens(schema) >= 3 * 20 // 2
