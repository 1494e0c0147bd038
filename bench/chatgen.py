"""Realistic generated chat histories for the benchmarks: several languages, varied sentences.

Messages come from templates with slots filled from word lists (names, places, foods, times,
topics...) in English, German, Spanish, French and Turkish, so the vocabulary runs to thousands
of distinct words and texts are 1 to ~40 words long. Like real chats, a share of messages are
short repeats ("ok", "haha", "👍"), emoji-only reactions, media without a caption and system
lines. Everything is reproducible from the seed. Not a test fixture: bench/ only.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

FIRST = ("Anna", "Ben", "Carla", "David", "Emre", "Elif", "Fatma", "Georg", "Hanna", "Ivan", "Julia",
         "Kemal", "Lena", "Marco", "Nora", "Omar", "Pablo", "Quentin", "Rosa", "Sven", "Tobias",
         "Ulla", "Vera", "Wim", "Yusuf", "Zeynep", "Ayşe", "Burak", "Can", "Deniz", "Jürgen", "Sophie",
         "Lucía", "Mateo", "Chloé", "Hugo", "Léa", "Mehmet", "Ömer", "Selin")
PLACES = ("Berlin", "Madrid", "Paris", "Istanbul", "London", "Lisbon", "Ankara", "Hamburg",
          "Sevilla", "Lyon", "Izmir", "Munich", "Valencia", "Marseille", "Bursa", "Porto",
          "Vienna", "Prague", "Rome", "Athens", "the station", "the airport", "the office",
          "the gym", "the park", "the market", "the library", "the beach", "the school",
          "the hospital", "the cinema", "grandma's place", "the new café", "the garage",
          "the bakery")
THINGS = ("passport", "keys", "charger", "umbrella", "laptop", "tickets", "invoice", "lease",
          "contract", "receipt", "jacket", "present", "cake", "wine", "bread", "milk", "tomatoes",
          "medicine", "headphones", "bike", "helmet", "camera", "report", "slides", "budget",
          "spreadsheet", "guitar", "book", "notebook", "sunglasses", "stroller", "diapers", "plates",
          "birthday", "card", "flowers", "coffee", "beans", "batteries", "printer", "ink", "bus",
          "pass")
FOODS = ("pizza", "sushi", "kebab", "paella", "lahmacun", "ramen", "tacos", "pasta", "salad",
         "burgers", "dumplings", "curry", "falafel", "croissants", "pancakes", "soup", "risotto",
         "baklava", "köfte", "tapas", "crêpes", "schnitzel")
TIMES = ("at five", "at 7:30", "tomorrow morning", "tonight", "on Saturday", "next week",
         "after work", "around noon", "on Friday evening", "in ten minutes", "before lunch",
         "on the 14th", "this weekend", "at half past six", "on Monday", "later today")
TOPICS = ("the flat", "the wedding", "the trip to Portugal", "Mia's birthday", "the new job",
          "the car repair", "the school meeting", "the football match", "the dentist",
          "the tax return", "the concert", "the move", "the project deadline", "the holiday "
          "photos", "the neighbours", "the vet appointment", "the garden", "the broken heater",
          "the job interview", "the exam results", "the baby shower", "the rent increase")
FEELINGS = ("so happy", "really tired", "a bit worried", "super excited", "annoyed",
            "relieved", "stressed out", "proud of you", "sorry", "grateful", "bored", "sick")

EN = (
    "Can we meet {time} at {place}?", "Don't forget the {thing}, please",
    "I'm {feeling} about {topic}", "Did you book the table for {food} {time}?",
    "{name} said the {thing} is still at {place}", "Running late, stuck in traffic near {place}",
    "What time does the train to {place} leave {time}?", "Can you pick up {thing} on the way?",
    "Let's talk about {topic} {time}", "I left my {thing} at {place} again 🙈",
    "Who's coming to {topic}? We need to know by {time}", "Thanks for the {food} yesterday!",
    "Happy birthday {name}!! 🎉🎂", "The meeting about {topic} moved to {time}",
    "Send me the {thing} when you get a chance", "Is {name} joining us for {food} {time}?",
    "How was {topic}? Tell me everything", "My flight from {place} got cancelled, rebooking now",
    "Call me when you're free, it's about {topic}", "We should really sort out {topic} {time}",
    "I found a great place for {food} near {place}", "{name} and I are {feeling}, long story",
    "Remind me to buy {thing} and {thing2}", "Did anyone see my {thing}? I think I lost it at {place}",
    "Just landed in {place}", "The kids want {food} again lol", "I can't make it {time}, sorry",
    "Can you transfer the money for {topic}? It was 45 euros", "Traffic is crazy near {place}",
)
DE = (
    "Treffen wir uns {time_de} am {place}?", "Vergiss bitte nicht den {thing}",
    "Ich bin so müde heute, die Arbeit war anstrengend", "Hast du schon mit {name} gesprochen?",
    "Wir essen {food} heute Abend, kommst du mit?", "Der Zug nach {place} hat wieder Verspätung",
    "Kannst du mir die Rechnung schicken?", "Alles Gute zum Geburtstag, {name}! 🎉",
    "Ich komme etwas später, tut mir leid", "Wie war das Vorstellungsgespräch?",
    "Die Wohnung ist leider schon vergeben", "Kannst du die Kinder um vier von der Schule abholen?",
)
ES = (
    "¿Quedamos {time_es} en {place}?", "No te olvides de traer el {thing}",
    "Estoy muy cansada, mañana hablamos", "¿Has hablado con {name} sobre el piso?",
    "Vamos a cenar {food} esta noche", "El vuelo a {place} sale a las ocho",
    "¡Feliz cumpleaños {name}! 🎂", "Llego tarde, hay mucho tráfico", "¿Cómo fue la entrevista?",
    "Te mando las fotos de las vacaciones luego", "Mi madre pregunta si venís el domingo",
)
FR = (
    "On se retrouve {time_fr} à {place} ?", "N'oublie pas le {thing} s'il te plaît",
    "Je suis crevé, on en parle demain", "Tu as parlé à {name} pour l'appartement ?",
    "On mange des {food} ce soir ?", "Le train pour {place} est encore en retard",
    "Joyeux anniversaire {name} ! 🎉", "J'arrive dans dix minutes", "C'était comment l'entretien ?",
    "Je t'envoie les photos des vacances ce soir",
)
TR = (
    "{time_tr} {place} da buluşalım mı?", "{thing} getirmeyi unutma lütfen",
    "Çok yorgunum, yarın konuşuruz", "{name} ile ev hakkında konuştun mu?",
    "Bu akşam {food} yiyelim mi?", "Doğum günün kutlu olsun {name}! 🎉",
    "Biraz geç kalacağım, trafik çok kötü", "Mülakat nasıl geçti?",
    "Annem pazar günü gelecek misiniz diye soruyor",
    "Faturayı bana atabilir misin?", "Akşam yemeğine kimler geliyor?",
)
TIME_DE = ("morgen früh", "heute Abend", "am Samstag", "nächste Woche", "um fünf")
TIME_ES = ("mañana", "esta tarde", "el sábado", "la semana que viene", "a las cinco")
TIME_FR = ("demain", "ce soir", "samedi", "la semaine prochaine", "à cinq heures")
TIME_TR = ("yarın", "bu akşam", "cumartesi", "haftaya", "saat beşte")
REPEATS = ("ok", "Ok", "OK", "okay", "haha", "hahaha", "lol", "yes", "no", "thanks", "Thanks!",
           "thank you", "sure", "see you", "on my way", "good night", "k", "yep", "nope", "cool",
           "tamam", "evet", "danke", "ja", "vale", "gracias", "oui", "merci", "d'accord", "👍",
           "😂", "❤️", "🙏", "😂😂😂", "👍👍", "🎉", "😘", "?", "!!", "...", "😅", "👌")
LONG_JOIN = (" Also, ", " And ", " By the way, ", " Btw ", " Anyway, ")


class ChatGen:
    """Reproducible chat messages: call `text()` for one body."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        # A few thousand invented surnames/handles keep the vocabulary realistically wide.
        syll = ("ka", "ri", "mo", "ne", "ta", "lu", "si", "de", "ro", "ba", "vi", "el", "an", "or",
                "us", "ke", "mi", "zu")
        self.handles = ["".join(self.rng.choices(syll, k=self.rng.randint(2, 4))).capitalize()
                        for _ in range(3000)]

    def _fill(self, template: str) -> str:
        r = self.rng
        return template.format(
            name=r.choice(FIRST) + (" " + r.choice(self.handles) if r.random() < 0.3 else ""),
            place=r.choice(PLACES), thing=r.choice(THINGS), thing2=r.choice(THINGS),
            food=r.choice(FOODS), time=r.choice(TIMES), topic=r.choice(TOPICS),
            feeling=r.choice(FEELINGS), time_de=r.choice(TIME_DE), time_es=r.choice(TIME_ES),
            time_fr=r.choice(TIME_FR), time_tr=r.choice(TIME_TR))

    def text(self, language: str = "en") -> str:
        """One message body in the chat's main language (some are short repeats or emoji)."""
        r = self.rng.random()
        if r < 0.28:
            return self.rng.choice(REPEATS)
        pool = {"en": EN, "de": DE, "es": ES, "fr": FR, "tr": TR}[language]
        if self.rng.random() < 0.15:
            pool = EN  # people mix languages
        body = self._fill(self.rng.choice(pool))
        if r > 0.9:  # a long message: two or three sentences
            body += self.rng.choice(LONG_JOIN) + self._fill(self.rng.choice(pool)).lower()
            if r > 0.97:
                body += " " + self._fill(self.rng.choice(pool))
        return body

    def texts(self, n: int) -> list[str]:
        langs = ("en", "en", "en", "de", "es", "fr", "tr")
        return [self.text(self.rng.choice(langs)) for _ in range(n)]


def write_exports(folder: Path, *, messages: int, chats: int, seed: int = 7) -> list[Path]:
    """Android-style WhatsApp exports (`dd/mm/yyyy, hh:mm - Name: text`), one file per chat,
    sizes Zipf-like (a few big groups, many small chats), with media, deletions, system lines."""
    rng = random.Random(seed)
    gen = ChatGen(seed)
    weights = [1 / (i + 1) ** 0.8 for i in range(chats)]
    total = sum(weights)
    sizes = [max(50, int(messages * w / total)) for w in weights]
    sizes[0] += messages - sum(sizes)
    langs = ("en", "en", "en", "de", "es", "fr", "tr")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, size in enumerate(sizes):
        language = rng.choice(langs)
        people = ["Me", *rng.sample(FIRST, rng.randint(1, 2) if index % 3 else rng.randint(3, 9))]
        t = datetime(2021, 1, 1, 8, 0) + timedelta(days=rng.randint(0, 300))
        lines = [f"{t:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end encrypted."]
        for _ in range(size - 1):
            t += timedelta(minutes=rng.choice((0, 1, 1, 2, 5, 30, 240, 900)))
            who = rng.choice(people)
            roll = rng.random()
            if roll < 0.04:
                body = "<Media omitted>"
            elif roll < 0.05:
                body = "This message was deleted"
            elif roll < 0.055:
                lines.append(f"{t:%d/%m/%Y, %H:%M} - {who} added {rng.choice(FIRST)}")
                continue
            else:
                body = gen.text(language)
            lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {body}")
        path = folder / f"WhatsApp Chat with Chat {index:02d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
