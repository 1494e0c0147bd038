import pytest

from nudge.rules.importance import is_addressed_to_me, is_question, matching_keywords, mentions


@pytest.mark.parametrize("text", [
    "Are you coming Friday?", "can you book the car", "¿Vienes mañana?", "Kannst du mich anrufen",
    "what time do we meet", "Sam?",
])
def test_questions_are_recognised_in_three_languages(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["ok", "See you at 8.", "Do it.", "", "haha 😂", "Is"])
def test_statements_are_not_questions(text):
    assert not is_question(text)


def test_a_mention_matches_the_first_name_with_or_without_at_sign():
    assert mentions("@Sam are you in?", "Sam Smith")
    assert mentions("sam, can you book it", "Sam")
    assert not mentions("Samantha is coming", "Sam")
    assert not mentions("anything", None)


def test_a_group_question_is_for_me_only_when_it_names_me():
    assert is_addressed_to_me("Sam, can you book the car?", chat_type="group", me="Sam")
    assert not is_addressed_to_me("Who can book the car?", chat_type="group", me="Sam")
    assert is_addressed_to_me("Who can book the car?", chat_type="one_to_one", me="Sam")


def test_keywords_match_whole_words_case_insensitively():
    assert matching_keywords("The PARTY is on Friday", ["party", "car"]) == ["party"]
    assert matching_keywords("partying hard", ["party"]) == []
    assert matching_keywords("new flat contract", ["flat contract", " "]) == ["flat contract"]
