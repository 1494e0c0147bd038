"""Which message texts are worth an embedding, and the key under which equal texts share one.

Chats repeat themselves ("ok", "haha", "👍") and carry texts with nothing to find by meaning
(emoji-only reactions, punctuation, system lines, empty captions). Embedding each distinct
normalised text once, and none of the texts with nothing to find, is most of the speed of the
enrichment stage. Pure: no I/O.

`NOTHING_CLASS` is one regular-expression character class written only with `\\uXXXX` and
`\\UXXXXXXXX` escapes, which Python's `re` and PostgreSQL's regular expressions read alike, so
the store can ask the same question in SQL (`text ~ '[^...]'`) that `has_content` asks here.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that carry nothing to search for by meaning: whitespace and controls, punctuation
# and symbols (ASCII, Latin-1, general punctuation, currency, arrows, dingbats, CJK
# punctuation), variation selectors, emoji and the tag characters of flag sequences.
NOTHING_CLASS = (
    r"\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00bf\u00d7\u00f7"
    r"\u2000-\u206f\u20a0-\u20ff\u2100-\u214f\u2190-\u2bff\u3000-\u303f"
    r"\ufe00-\ufe0f\ufeff\U0001f000-\U0001faff\U000e0000-\U000e007f"
)
_CONTENT = re.compile(f"[^{NOTHING_CLASS}]")

# Kinds whose text is never a message to find (the store's EMBEDDABLE_SQL agrees).
SKIPPED_KINDS = frozenset({"system", "deleted"})


def has_content(text: str) -> bool:
    """True when the text has at least one letter, digit or other character worth finding."""
    return _CONTENT.search(text) is not None


def worth_embedding(kind: str, text: str) -> bool:
    """True when a message of this kind and text should get an embedding."""
    return kind not in SKIPPED_KINDS and has_content(text)


def normalise(text: str) -> str:
    """The text the embedder sees, equal for texts the model cannot tell apart.

    all-MiniLM-L6-v2 is uncased and its tokenizer splits on whitespace, so case and runs of
    whitespace make no difference to the vector; NFC puts composed and decomposed accents together.
    """
    return " ".join(unicodedata.normalize("NFC", text).lower().split())
