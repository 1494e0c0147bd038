"""What a chat talked about, computed in code: the words several messages share.

A tiny model's one-line summary is only shown when it is grounded in the chat (its content words
appear in the messages); the topics line is always there, and always true.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from nudge.rules.vocabulary import STOPWORDS

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
