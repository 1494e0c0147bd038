from datetime import datetime

from nudge.rules.gist import DayMessage
from nudge.rules.grounding import invented_names, invented_numbers, is_grounded

T0 = datetime(2024, 5, 3, 9, 0)
CHAT = [
    DayMessage(1, "Mellery", T0, "I have to order flowers for the Johnson funeral. What is my budget?"),
    DayMessage(2, "Paul", T0, "About 100 then, please. Have them meet me at my car at 10:30."),
    DayMessage(3, "Mellery", T0, "The visitation is Wednesday, everything starts at eleven am"),
]


def test_a_faithful_sentence_is_grounded():
    text = ("Mellery will order flowers for the Johnson funeral. The budget is 100. "
            "They meet at Paul's car at 10.30.")
    assert is_grounded(text, CHAT)


def test_an_invented_name_is_rejected():
    assert invented_names("Mellery and Sarah will order flowers.", CHAT) == ["Sarah"]
    assert not is_grounded("Mellery and Sarah will order flowers.", CHAT)


def test_an_invented_number_is_rejected():
    assert invented_numbers("The budget is 150.", CHAT) == ["150"]
    assert not is_grounded("The budget is 150.", CHAT)


def test_number_words_and_digits_count_as_the_same_number():
    assert is_grounded("The service starts at 11 AM on Wednesday.", CHAT)
    assert not is_grounded("Paul wants three bouquets.", CHAT)


def test_common_words_opening_a_sentence_are_not_names():
    assert is_grounded("They will meet on Wednesday. Finally, Paul agrees. Both are sad.", CHAT)
    assert not is_grounded("Tomorrow Paul goes to Berlin.", CHAT)


def test_a_name_the_chat_misspells_is_still_grounded_but_a_new_one_is_not():
    typo = [DayMessage(1, "Theo", T0, "I was thinking about the Italian Alpes")]
    assert is_grounded("Theo will go to the Italian Alps.", typo)
    assert not is_grounded("Theo will go to the Dolomites.", typo)
    assert not is_grounded("Leo will go to the Alps.", typo)


def test_extra_names_such_as_the_user_are_allowed():
    assert not is_grounded("Sofia asked Paul about the budget.", CHAT)
    assert is_grounded("Sofia asked Paul about the budget.", CHAT, extra_names=["Sofia"])
