"""Which messages matter: direct questions, keywords, critical senders. Pure functions, no I/O.

The digest, the reminders and the bot all ask the same questions of a message, so the rules live
here once and are computed in code (the LLM only phrases what these rules found).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that open a question in the languages the bot speaks (English, German, Spanish).
_QUESTION_OPENERS = (
    "who", "what", "when", "where", "why", "how", "which", "can", "could", "would", "will", "do",
    "does", "did", "are", "is", "should", "shall", "have", "has",
    "wer", "was", "wann", "wo", "warum", "wie", "welche", "kannst", "können", "hast", "bist", "kommst",
    "quién", "qué", "cuándo", "dónde", "por qué", "cómo", "cuál", "puedes", "podrías", "vienes",
    "tienes", "estás", "vas",
)
_OPENER_RE = re.compile(
    r"^(?:" + "|".join(re.escape(w) for w in _QUESTION_OPENERS) + r")\b", re.IGNORECASE
)


def is_question(text: str) -> bool:
    """A message asks something: a question mark, or a question word opening its last sentence."""
    stripped = text.strip()
    if not stripped:
        return False
    if "?" in stripped:
        return True
    last_sentence = re.split(r"[.!\n]", stripped.rstrip(".! "))[-1].strip().lstrip("¿¡")
    return bool(_OPENER_RE.match(last_sentence)) and len(last_sentence.split()) >= 3


def mentions(text: str, name: str | None) -> bool:
    """The text names the user (`Sam`, `@Sam`) as a whole word."""
    if not name:
        return False
    first = name.split()[0]
    return re.search(rf"(?<!\w)@?{re.escape(first)}(?!\w)", text, re.IGNORECASE) is not None


def is_addressed_to_me(
    text: str, *, chat_type: str, me: str | None
) -> bool:
    """A question the user is expected to answer: any question in a one-to-one chat, or one that
    names the user in a group."""
    if not is_question(text):
        return False
    return chat_type == "one_to_one" or mentions(text, me)


def matching_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    """The user's keywords found in the text (case-insensitive, whole words or phrases)."""
    found = []
    for keyword in keywords:
        word = keyword.strip()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            found.append(word)
    return found
