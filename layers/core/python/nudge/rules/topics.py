"""What a chat talked about, computed in code: the words several messages share.

A tiny model's one-line summary is only shown when it is grounded in the chat (its content words
appear in the messages); the topics line is always there, and always true.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Common words of the languages the bot speaks; they never make a topic.
STOPWORDS = frozenset("""
about after again also always and another anyone are aren back been before being but can cant
come coming could did didn does doesn doing done dont down each even ever every from going gonna
good got great have haven having here hers how into just know like look make many maybe more most
much must need never next nice not now okay only other ours over really said same see should some
still such sure take than thank thanks that thats the their them then there these they thing
think this those though time today tomorrow too very want was wasn way well were what when where
which while who whom why will with would yeah yes you your yours
aber alle also auch bin bis bitte dann das dass dein dem den der des die dir doch dort du durch
ein eine einem einen einer er es etwas für gut hab habe haben hast hat hier ich ihr im ist ja
jetzt kann kannst kein keine mal mein meine mich mir mit morgen nach nein nicht noch nur oder
schon sehr sein sind so und uns vom von vor war was wenn wie wir wird wo zu zum zur
ahora algo aquí así bien bueno cómo con cuando del desde donde dónde ella ellos esa ese eso esta
está están este esto estoy gracias hay hoy las les los más mañana mejor muy nada para pero por
porque pues que qué sea ser sin sobre son también tengo tiene todo todos una uno unos vale vamos
voy
""".split())  # noqa: SIM905 - a word list reads better as text
_WORD = re.compile(r"[^\W\d_]{4,}")


def content_words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOPWORDS]


def topics(texts: Iterable[str], *, limit: int = 5, exclude: Iterable[str] = ()) -> list[str]:
    """Words found in at least two messages, most widespread first (names excluded)."""
    skip = {w.lower() for name in exclude for w in name.split()}
    counts = Counter(w for text in texts for w in set(content_words(text)) if w not in skip)
    return [word for word, n in counts.most_common(limit) if n >= 2]


def is_grounded(sentence: str, sources: Iterable[str], *, share: float = 0.7) -> bool:
    """Most content words of a generated sentence appear in the source messages, and it is no
    code-like or quoted transcript (the tiny model sometimes copies a line as `Name: ...`)."""
    if re.search(r"[{}<>\[\]]|^\s*\w+:\s", sentence):
        return False
    words = content_words(sentence)
    if len(words) < 2:
        return False
    known = set(content_words(" ".join(sources)))
    return sum(w in known for w in words) >= share * len(words)
