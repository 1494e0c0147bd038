import time
from datetime import datetime, timedelta

import numpy as np

from nudge.rules.gist import DayMessage, activity_line, extractive_gist, key_points
from nudge.rules.third_person import clean, third_person

T0 = datetime(2024, 5, 3, 9, 0)


def day(*lines: tuple[str, str], vectors: list[list[float]] | None = None,
        kind: str = "text") -> list[DayMessage]:
    out = []
    for k, (sender, text) in enumerate(lines):
        vector = None
        if vectors is not None:
            v = np.asarray(vectors[k], dtype=float)
            vector = list(v / np.linalg.norm(v))
        out.append(DayMessage(k, sender, T0 + timedelta(minutes=k), text, kind, embedding=vector))
    return out


# Two topics: dinner on Friday (three messages) and a broken car (one), plus chit-chat.
DINNER = day(
    ("Ana", "hi!"),
    ("Ben", "haha ok"),
    ("Ana", "Dinner at Rui's place on Friday at 8, I'll book the table"),
    ("Ben", "Friday dinner works, I'll bring wine"),
    ("Ana", "Great, dinner with wine then"),
    ("Ben", "Also my car broke down yesterday, the mechanic says 300 euros"),
    ("Ana", "lol"),
    vectors=[[0, 0, 1], [0, 0.1, 1], [1, 0.05, 0], [1, 0.1, 0.05], [0.95, 0, 0.2], [0.1, 1, 0], [0, 0, 1]],
)


def test_key_points_prefer_central_messages_over_chit_chat():
    picked = key_points(DINNER, limit=1)
    # The booking is the most central dinner message and the most informative; "hi"/"lol" never count.
    assert [m.id for m in picked] == [2]


def test_key_points_cover_a_second_topic_instead_of_repeating_the_first():
    picked = {m.id for m in key_points(DINNER, limit=3)}
    # MMR: the near-duplicate "dinner with wine then" loses to the car, which adds something new.
    assert picked == {2, 3, 5}


def test_key_points_come_back_in_chronological_order():
    picked = key_points(list(reversed(DINNER)), limit=3)
    assert [m.sent_at for m in picked] == sorted(m.sent_at for m in picked)


def test_key_points_fall_back_to_shared_words_without_embeddings():
    plain = [DayMessage(m.id, m.sender, m.sent_at, m.text) for m in DINNER]
    picked = [m.id for m in key_points(plain, limit=2)]
    # "dinner" and "friday" are the words several messages share, so the booking leads; no chit-chat.
    assert 2 in picked
    assert not {0, 1, 6} & set(picked)


def test_key_points_ignore_media_and_system_messages():
    photo = DayMessage(99, "Ana", T0, "<Media omitted>", "media")
    assert photo not in key_points([*DINNER, photo], limit=4)


def test_key_points_stay_fast_on_a_two_thousand_message_day():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    big = [DayMessage(k, f"P{k % 5}", T0 + timedelta(seconds=k), f"message {k} about topic {k % 40} plans",
                      embedding=list(vectors[k])) for k in range(2000)]
    start = time.perf_counter()
    assert len(key_points(big, limit=4)) == 4
    assert len(extractive_gist(big)) > 0
    assert time.perf_counter() - start < 3.0


def test_first_person_becomes_the_sender_and_you_the_other_person():
    assert third_person("I'll bring you cookies", "Amanda", "Jerry") == "Amanda will bring Jerry cookies"
    assert third_person("my mum loves your dog", "Amanda", "Jerry") == "Amanda's mum loves Jerry's dog"


def test_the_verb_after_a_new_name_agrees_with_it():
    assert third_person("I need a coffee NOW", "Beth") == "Beth needs a coffee NOW"
    assert third_person("I'm late, I just missed the bus", "Beth") == "Beth is late, Beth just missed the bus"
    assert third_person("I don't know", "Beth") == "Beth doesn't know"


def test_we_becomes_both_names_and_the_user_keeps_plain_verbs():
    we = third_person("we're at the table", "Julia", group="Julia and Marie")
    assert we == "Julia and Marie are at the table"
    assert third_person("let us know, we'll wait", "Ivor", group="they") == "Let them know, they will wait"
    assert third_person("I am late", "You") == "You are late"
    assert third_person("I'll call you", "Ana", "You") == "Ana will call you"


def test_cleaning_drops_fillers_laughter_emoji_and_media_tags():
    assert clean("haha ok, see you at 5 :-) <file_photo>") == "see you at 5"
    assert clean("No way!") == "No way!"


def test_gist_rewrites_the_central_messages_in_the_third_person():
    chat = day(("Amanda", "I baked cookies. Do you want some?"), ("Jerry", "Sure!"),
               ("Amanda", "I'll bring you some tomorrow :-)"))
    gist = extractive_gist(chat)
    assert gist.startswith("Amanda baked cookies.")
    assert "Amanda will bring Jerry some tomorrow." in gist


def test_gist_uses_only_the_chats_words_and_names():
    gist = extractive_gist(DINNER)
    def bare(text: str) -> set[str]:
        return {w.strip(".,!?").lower().removesuffix("'s") for w in text.split()}

    source = set().union(*(bare(f"{m.sender} {m.text}") for m in DINNER))
    words = bare(gist)
    assert words <= source | {"ana", "ben", "will", "is", "has", "brings", "books"}
    assert 1 <= gist.count(".") <= 3


def test_a_media_only_day_is_described_without_invention():
    photos = day(("Ana", "<Media omitted>"), ("Ana", "IMG-20240503.jpg (file attached)"),
                 ("Ana", "image omitted"), ("Ben", "PTT-20240503.opus (file attached)"), kind="media")
    # "<Media omitted>" does not say what it was, so it stays a file.
    assert extractive_gist(photos) == "Ana shared 2 photos and 1 file. Ben shared 1 voice message."


def test_system_and_deleted_messages_are_told_as_they_are():
    lines = [DayMessage(1, "Ana", T0, "Ana added Ben", "system"), DayMessage(2, "Ben", T0, "", "deleted")]
    assert activity_line(lines) == "Ben deleted 1 message. Ana added Ben."


def test_gist_is_never_empty_even_for_pure_chit_chat():
    chit_chat = day(("Ana", "ok"), ("Ben", "haha"))
    assert extractive_gist(chit_chat) == "Ana shared 1 message. Ben shared 1 message."
    assert extractive_gist([]) == "No messages."


def test_a_spanish_message_keeps_its_own_words_under_its_senders_name():
    """The pronoun rules are English: "me" in "me acompañas" must not become a name."""
    day = [DayMessage(1, "Ana", datetime(2024, 11, 26, 17, 20),
                      "Oye, luego me acompañas a comprar los ingredientes de la tarta?"),
           DayMessage(2, "Sam", datetime(2024, 11, 26, 17, 25), "Claro, vamos a las seis", from_me=True)]
    gist = extractive_gist(day)
    assert "Ana: Oye, luego me acompañas" in gist and "Ana acompañas" not in gist


def test_a_quoted_sender_is_named_once_per_run_of_their_sentences():
    day = [DayMessage(i, "Ana", datetime(2024, 11, 26, 10 + i), text) for i, text in enumerate([
        "Qué bonita es Lisboa, el barrio de Alfama es precioso",
        "Oye, luego me acompañas a comprar los ingredientes de la tarta?",
        "Sam, me pasas el número del dentista que me dijiste?"])]
    assert extractive_gist(day).count("Ana:") == 1
