"""Adapting one of the user's past replies to the message now answered: a name or a time swapped,
nothing else put in."""

from __future__ import annotations

import re

import pytest

from nudge.rules.adapt import adapt_reply, first_name, times_in


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


@pytest.mark.parametrize(("reply", "old_sender", "old", "new_sender", "new", "expected"), [
    ("sure Ana, see you at 7", "Ana", "dinner at 7?", "Ben", "dinner at 8?", "sure Ben, see you at 8"),
    ("ok, 19:30 works", "Ana", "meet at 19:30?", "Ana", "meet at 20:00?", "ok, 20:00 works"),
    ("yes, friday is fine", "Ana", "Cinema on Friday?", "Lia", "Cinema on Saturday?",
     "yes, Saturday is fine"),
    ("thanks Ana!", "Ana", "here you go", "+351 912 345 678", "here it is", "thanks!"),
])
def test_a_name_or_a_time_is_swapped_for_the_new_messages_one(reply, old_sender, old, new_sender, new,
                                                              expected) -> None:
    assert adapt_reply(reply, old_sender=old_sender, old_message=old, new_sender=new_sender,
                       new_message=new) == expected


def test_a_time_the_user_proposed_themselves_is_kept() -> None:
    reply = "a las 8 más o menos"
    assert adapt_reply(reply, old_sender="Ana", old_message="¿A qué hora llegas?", new_sender="Ana",
                       new_message="¿Quedamos a las 6?") == reply


def test_nothing_is_invented_only_words_of_the_reply_or_the_new_message_appear() -> None:
    cases = [("see you at 7pm Ana", "Ana", "party at 7pm?", "Emre", "party at 9pm, ok?"),
             ("no idea, ask Ben", "Lia", "where is Ben?", "Rui", "where are the keys?"),
             ("ja, um 10 Uhr", "Jonas", "Treffen um 10 Uhr?", "Jonas", "Treffen um 11 Uhr oder 12 Uhr?")]
    for reply, old_sender, old, new_sender, new in cases:
        adapted = adapt_reply(reply, old_sender=old_sender, old_message=old, new_sender=new_sender,
                              new_message=new)
        assert _words(adapted) <= _words(reply) | _words(new) | _words(new_sender)
    # two times in the new message: which one is meant is not clear, the reply stays as it was
    assert adapt_reply("ja, um 10 Uhr", old_sender="Jonas", old_message="Treffen um 10 Uhr?",
                       new_sender="Jonas", new_message="Treffen um 11 Uhr oder 12 Uhr?") == "ja, um 10 Uhr"


def test_times_and_first_names_are_read_as_people_write_them() -> None:
    assert times_in("at 7, or 19:30, or 8pm, um 9 Uhr; 3 days") == ["7", "19:30", "8pm", "9 Uhr"]
    assert first_name("Ana Lopez") == "Ana" and first_name("~ Lia") == "Lia"
    assert first_name("+351 912 345 678") == "" and first_name(None) == ""
