"""nudge.rules.tone: message sentiment in en/de/es, chat-day tone and the 'turned negative' flag."""

from __future__ import annotations

import pytest

from nudge.rules.tone import day_tone, guess_language, message_sentiment, sentiment_label, turned_negative

# Short chat messages written for this test, with the label a reader would give them.
MESSAGES = [
    ("en", "Thanks so much, that was amazing! 😍", "positive"),
    ("en", "I love you ❤️", "positive"),
    ("en", "This is not good at all", "negative"),
    ("en", "I'm so angry right now 😡", "negative"),
    ("en", "The food was great but the service was terrible", "negative"),
    ("en", "Can you send me the address?", "neutral"),
    ("de", "Danke, das war wirklich super! 😊", "positive"),
    ("de", "Ich freue mich total auf morgen", "positive"),
    ("de", "Nicht schlecht 😂", "positive"),
    ("de", "Kein Problem, mache ich gerne", "positive"),
    ("de", "Das ist nicht gut", "negative"),
    ("de", "Ich freue mich nicht", "negative"),
    ("de", "So ein Mist, der Zug ist schon wieder zu spät 😡", "negative"),
    ("de", "Das Essen war lecker, aber der Service war furchtbar", "negative"),
    ("de", "Ich bin um 8 Uhr da", "neutral"),
    ("es", "¡Muchas gracias, eres un sol! ❤️", "positive"),
    ("es", "Me encanta, qué bonito 😍", "positive"),
    ("es", "No hay nada mejor que esto", "positive"),
    ("es", "No me gusta nada", "negative"),
    ("es", "Qué asco de día, estoy harta 😡", "negative"),
    ("es", "El viaje fue bonito pero el hotel horrible", "negative"),
    ("es", "Llego a las ocho", "neutral"),
    ("und", "😭😭", "negative"),
    ("und", "🎉", "positive"),
]


@pytest.mark.parametrize(("language", "text", "label"), MESSAGES)
def test_a_chat_message_gets_the_label_a_reader_would_give_it(language: str, text: str, label: str) -> None:
    assert sentiment_label(message_sentiment(text)) == label


@pytest.mark.parametrize(("language", "text", "label"), MESSAGES)
def test_giving_the_language_agrees_with_guessing_it(language: str, text: str, label: str) -> None:
    hint = language if language != "und" else None
    assert sentiment_label(message_sentiment(text, language=hint)) == label


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How are you doing?", "en"),
        ("Wie geht es dir?", "de"),
        ("¿Qué tal estás?", "es"),
        ("me encanta", "es"),
        ("aua, echt hart", "de"),
        ("😂😂", "und"),
    ],
)
def test_the_language_guess_picks_the_right_lexicon(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_a_score_stays_between_minus_one_and_one_however_loud_the_message() -> None:
    assert -1.0 <= message_sentiment("SCHEISSE!!!! " * 20 + "😡" * 30) <= -0.9
    assert 0.9 <= message_sentiment("genial " * 20 + "❤️" * 30, language="es") <= 1.0


def test_an_empty_message_is_neutral() -> None:
    assert message_sentiment("") == 0.0
    assert message_sentiment("   ") == 0.0


def test_negation_turns_praise_into_criticism_in_every_language() -> None:
    for good, bad in [("good", "not good"), ("gut", "nicht gut"), ("bueno", "no es bueno")]:
        assert message_sentiment(good) > 0 > message_sentiment(bad)


def test_a_booster_makes_the_feeling_stronger() -> None:
    assert message_sentiment("sehr schön", language="de") > message_sentiment("schön", language="de")
    assert message_sentiment("muy bonito", language="es") > message_sentiment("bonito", language="es")


def test_the_label_thresholds_keep_a_neutral_band() -> None:
    assert [sentiment_label(s) for s in (-0.6, -0.05, 0.0, 0.049, 0.05, 0.9)] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "positive",
    ]


def test_a_day_of_friendly_messages_is_positive() -> None:
    assert day_tone([0.6, 0.4, 0.8, 0.0, 0.3]) == "positive"


def test_one_angry_exchange_makes_the_day_tense() -> None:
    assert day_tone([0.3, 0.0, -0.6, -0.7, -0.5, 0.1]) == "tense"


def test_strong_feelings_both_ways_make_the_day_tense() -> None:
    assert day_tone([0.8, -0.7, 0.2, 0.1]) == "tense"


def test_a_steadily_gloomy_day_is_negative_not_tense() -> None:
    assert day_tone([-0.3, -0.2, -0.4, 0.0, -0.35]) == "negative"


def test_a_quiet_or_mixed_day_is_neutral() -> None:
    assert day_tone([]) == "neutral"
    assert day_tone([0.1, -0.1, 0.0, 0.0]) == "neutral"


def test_a_real_argument_in_german_reads_as_tense() -> None:
    chat = [
        "Hallo, bist du schon da?",
        "Du hast es schon wieder vergessen?! Das ist so unfair 😡",
        "Ich hasse es, wenn du mich anschreist",
        "Dann hör auf, mich so zu nerven, verdammt!",
        "Ok",
    ]
    assert day_tone([message_sentiment(text) for text in chat]) == "tense"


@pytest.mark.parametrize(
    ("previous", "current", "turned"),
    [
        ("positive", "negative", True),
        ("neutral", "tense", True),
        (None, "negative", True),
        ("negative", "tense", True),
        ("negative", "negative", False),
        ("tense", "negative", False),
        ("negative", "neutral", False),
        ("positive", "positive", False),
        (None, "neutral", False),
    ],
)
def test_a_chat_is_flagged_only_when_its_tone_turns_for_the_worse(
    previous: str | None, current: str, turned: bool
) -> None:
    assert turned_negative(previous, current) is turned
