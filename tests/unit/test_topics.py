from nudge.rules.topics import content_words, is_grounded, topics

CHAT = [
    "The party is at Rui's place on Friday",
    "Who brings snacks for the party?",
    "I can bring snacks and a speaker",
    "Car keys are with Ben",
]


def test_topics_are_words_several_messages_share_without_names_or_stopwords():
    assert topics(CHAT, exclude=["Rui", "Ben"]) == ["party", "snacks"]


def test_content_words_skip_short_and_common_words():
    assert content_words("Are you coming to the PARTY tonight?") == ["party", "tonight"]


def test_a_sentence_built_from_the_chat_is_grounded():
    assert is_grounded("Friends plan the party and bring snacks on Friday.", CHAT, share=0.6)


def test_hallucinated_or_copied_sentences_are_not_grounded():
    assert not is_grounded("The party is in a hotel called Laszlo with a wonderful orchestra.", CHAT)
    assert not is_grounded("Lia: I can bring snacks", CHAT)
    assert not is_grounded("{analise} {voyne} party", CHAT)
