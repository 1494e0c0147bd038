"""The style profile and the code that makes a reply follow it (pure, no I/O)."""

from __future__ import annotations

import pytest

from nudge.rules.style import (
    StyleProfile,
    build_profile,
    detect_language,
    emojis,
    fit_reply,
    polish,
    strip_emoji,
    template_replies,
)

SAM = [
    "Hey, ja klar 😂",
    "bin gleich da",
    "ok",
    "ok",
    "Hey wie gehts dir?",
    "morgen passt mir gut 👍",
    "danke dir!",
    "ich schau mal, bis dann",
]


def test_profile_numbers_on_a_known_set_of_messages() -> None:
    profile = build_profile(SAM)
    assert profile.samples == 8
    assert profile.median_chars == 14  # 2 2 10 13 14 18 22 23: (13 + 14) / 2 rounds to 14
    assert profile.median_words == 3  # emoji are not words
    assert profile.emoji_rate == 0.25
    assert profile.top_emoji == ["😂", "👍"]
    assert profile.language == "de"
    assert profile.greetings == ["Hey"]
    assert profile.greeting_rate == 0.25
    assert profile.sign_offs == ["bis dann"]
    assert profile.capital_rate == 0.25
    assert profile.period_rate == 0.0
    assert profile.exclamation_rate == 0.125
    assert profile.short_replies == ["ok"]


def test_an_empty_history_gives_neutral_defaults_in_the_default_language() -> None:
    profile = build_profile([], default_language="es")
    assert profile.samples == 0 and profile.language == "es" and profile.emoji_rate == 0.0


@pytest.mark.parametrize(("texts", "language"), [
    (["I think we should go, what do you say?"], "en"),
    (["Ich weiß nicht, ob das morgen klappt"], "de"),
    (["Vale, nos vemos mañana en la estación"], "es"),
    (["Oui, c'est bien pour moi, merci"], "fr"),
    (["Sim, amanhã está bem para mim"], "pt"),
    (["Sì, domani va bene, grazie"], "it"),
    (["Evet, yarın için tamam"], "tr"),
    (["👍"], "en"),
])
def test_the_language_is_the_one_with_most_stopwords(texts: list[str], language: str) -> None:
    assert detect_language(texts) == language


def test_emoji_are_counted_once_per_pictograph_and_can_be_removed() -> None:
    assert emojis("ok 👍🏽 ❤️ 🎉") == ["👍", "❤", "🎉"]
    assert strip_emoji("ok 👍🏽 ❤️  see you 🎉") == "ok see you"


def test_a_long_model_reply_is_cut_to_about_the_users_length() -> None:
    profile = StyleProfile(median_chars=20, median_words=4)
    reply = fit_reply("Sure, I will be there at eight. Should I also bring something to drink "
                      "for everybody?", profile, with_emoji=False)
    assert reply == "Sure, I will be there at eight"
    assert len(reply) <= profile.max_chars


def test_a_reply_follows_the_users_punctuation_capitals_and_emoji() -> None:
    lower_no_period = StyleProfile(capital_rate=0.1, period_rate=0.0, exclamation_rate=0.0,
                                   top_emoji=["😂"])
    assert fit_reply("Sounds great!", lower_no_period, with_emoji=True) == "sounds great 😂"
    formal = StyleProfile(capital_rate=1.0, period_rate=0.9, exclamation_rate=0.5)
    assert fit_reply("see you then 🎉", formal, with_emoji=False) == "See you then."


def test_greetings_are_added_for_users_who_greet_and_removed_for_those_who_never_do() -> None:
    greeter = StyleProfile(greetings=["Hola"], greeting_rate=0.8)
    assert fit_reply("me parece bien", greeter, with_emoji=False) == "Hola me parece bien"
    never = StyleProfile(greeting_rate=0.0)
    assert fit_reply("Hi Ben, sounds good", never, with_emoji=False) == "Ben, sounds good"


def test_speaker_labels_and_quotes_from_the_model_are_removed() -> None:
    assert fit_reply('"Sam: okay, see you"', StyleProfile(), with_emoji=False,
                     names=["Sam"]) == "Okay, see you"
    assert fit_reply("Reply: Sure: 18:00 works", StyleProfile(), with_emoji=False) == \
        "Sure: 18:00 works"


def test_polish_gives_exactly_n_distinct_replies_topped_up_from_templates() -> None:
    profile = build_profile(SAM)
    replies, from_candidates = polish(["ja klar", "Ja klar!", ""], profile, n=3, question=True)
    assert len(replies) == 3 and len({r.casefold() for r in replies}) == 3
    assert from_candidates == 1
    assert replies[0].startswith("ja klar")
    assert replies[1:] == ["ja, passt", "okay, danke"]


def test_polish_puts_emoji_on_about_the_users_share_of_replies() -> None:
    profile = StyleProfile(emoji_rate=0.5, top_emoji=["🙏"])
    replies, _ = polish([], profile, n=4, question=False)
    assert sum("🙏" in r for r in replies) == 2


def test_polish_never_suggests_an_echo_of_the_message_being_answered() -> None:
    replies, from_candidates = polish(["Are you coming?", "Yes"], StyleProfile(), n=2,
                                      question=True, avoid=["are you coming?"])
    assert "Are you coming?" not in replies and from_candidates == 1


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Yes, sounds good"), ("de", "Ja, passt"), ("es", "Sí, perfecto"),
    ("fr", "Oui, ça marche"), ("pt", "Sim, combinado"), ("it", "Sì, va bene"), ("tr", "Evet, olur"),
])
def test_templates_answer_a_question_with_yes_in_the_users_language(language: str,
                                                                     expected: str) -> None:
    assert template_replies(StyleProfile(language=language), question=True)[0] == expected


def test_templates_stay_whole_for_a_user_who_writes_very_little() -> None:
    terse = build_profile(["ok", "k", "ok"])
    replies, _ = polish(["Sure, I will be there at eight tonight"], terse, n=3, question=False)
    assert replies == ["sure, I will be", "okay, thanks", "will get back to you soon"]


def test_a_near_copy_of_an_earlier_reply_is_not_suggested() -> None:
    replies, from_candidates = polish(
        ["Sie ist gut, die Kunden waren zufriede.", "Klar, mache ich"], StyleProfile(language="de"),
        n=2, question=False, avoid=["Sie ist gut gelaufen, die Kunden waren zufrieden."])
    assert replies == ["Klar, mache ich", "Okay, danke"] and from_candidates == 1


def test_a_tie_between_languages_goes_to_the_expected_one() -> None:
    assert detect_language(["no, not yet"], default="en") == "en"
    assert detect_language(["no, not yet"], default="es") == "es"


def test_a_draft_cut_to_the_users_length_is_dropped_when_only_the_echo_is_left() -> None:
    terse = StyleProfile(language="es", median_chars=12, capital_rate=0.0)
    draft = "¿Sabes algo de Marta? Ella me dijo que vendría el sábado a la fiesta"
    replies, from_candidates = polish([draft], terse, n=1, question=True, avoid=["¿Sabes algo de Marta?"])
    assert from_candidates == 0 and "marta" not in replies[0].casefold()


def test_a_draft_that_reads_as_another_language_once_cut_is_dropped() -> None:
    short = StyleProfile(language="en", median_chars=30)
    replies, from_candidates = polish(["Marion says on Fridays they're open as early as 4 pm and on"],
                                      short, n=1, question=False)
    assert from_candidates == 0 and replies == ["Okay, thanks"]
