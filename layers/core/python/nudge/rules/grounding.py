"""Is a generated sentence faithful to its chat-day? Every name and number in it must occur there.

A small model's summary is only shown when it invents nobody and no figure: names are the words a
reader trusts most, numbers (times, prices, counts) the ones that hurt most when wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nudge.rules.vocabulary import STOPWORDS

if TYPE_CHECKING:
    from nudge.rules.gist import DayMessage

# Words a summary may open a sentence with (or use capitalised) without them being names.
_COMMON_WORDS = """
a an the and or but so because if when while after before then also both all each every either neither
he she it they we i you his her hers its their theirs our my your him them us me this that these those
there here what which who whom whose how why where one two none some any many most more several few
nobody somebody someone everyone everybody anyone nothing something everything no yes not only just
finally later meanwhile today tonight tomorrow yesterday now soon eventually however although though
in on at by for from with without about into onto over under of to as up down out off through during
since until unlike despite besides instead otherwise perhaps maybe apparently still again already
first second third next last another other others mr mrs ms dr ok okay am pm
is are was were has have had does do did can could will would should shall may might must
isn't aren't wasn't weren't hasn't haven't doesn't don't didn't can't couldn't won't wouldn't shouldn't
"""
COMMON = frozenset(_COMMON_WORDS.split()) | STOPWORDS
_NUMBERS = """
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty
"""
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(_NUMBERS.split())} | {
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000"}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"]\s*|\n)\s*$")


def _known(messages: Sequence[DayMessage], extra_names: Iterable[str]) -> tuple[set[str], set[str]]:
    """(lower-cased words, numbers) the chat-day contains, sender names included."""
    words: set[str] = set()
    numbers: set[str] = set()
    for source in [*(m.text for m in messages), *(m.sender for m in messages), *extra_names]:
        for token in _TOKEN.findall(source):
            lower = _base(token.lower())
            if token.isdigit():
                numbers.add(token.lstrip("0") or "0")
            else:
                words.add(lower)
                if lower in _NUMBER_WORDS:
                    numbers.add(_NUMBER_WORDS[lower])
    return words, numbers


def _base(word: str) -> str:
    """'Amanda's' -> 'amanda' (possessives and plurals of names count as the name)."""
    return word.replace("’", "'").split("'")[0]


def invented_names(text: str, messages: Sequence[DayMessage], *,
                   extra_names: Iterable[str] = ()) -> list[str]:
    """Capitalised words of `text` that look like names and appear nowhere in the chat-day."""
    words, _ = _known(messages, extra_names)
    invented = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isdigit() or not token[0].isupper():
            continue
        lower = _base(token.lower())
        at_start = bool(_SENTENCE_START.search(text[:match.start()]))
        if lower in words or lower in COMMON or (at_start and lower.isalpha() and token[1:].islower()
                                                   and _looks_common(lower)):
            continue
        if (lower.endswith("s") and lower[:-1] in words) or _misspelt(lower, words):
            continue
        invented.append(token)
    return invented


def _misspelt(word: str, known: set[str]) -> bool:
    """A known word one letter away ("Alps" for "alpes", "Torino" for "torrino"): chats are full of
    typos the model silently fixes. Same first letter and 4+ letters, so "Ana"/"Eva" stay different."""
    if len(word) < 4:
        return False
    near = (w for w in known if w[:1] == word[:1] and len(w) >= 4 and abs(len(w) - len(word)) <= 1)
    return any(_one_edit(word, other) for other in near)


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one substitution, insertion or deletion."""
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _looks_common(word: str) -> bool:
    """A sentence-opening word that is plainly not a name (adverbs, -ing/-ed verbs)."""
    return word.endswith(("ly", "ing", "ed")) and len(word) > 4


def invented_numbers(text: str, messages: Sequence[DayMessage]) -> list[str]:
    """Numbers (digits or number words, 'one' excepted) in `text` that the chat-day never mentions."""
    _, numbers = _known(messages, ())
    invented = []
    for token in _TOKEN.findall(text):
        lower = token.lower()
        value = (token.lstrip("0") or "0") if token.isdigit() else _NUMBER_WORDS.get(lower)
        if value is None or lower in {"one", "zero"}:
            continue
        if value not in numbers:
            invented.append(token)
    return invented


def is_grounded(text: str, messages: Sequence[DayMessage], *, extra_names: Iterable[str] = ()) -> bool:
    """True when every name and every number of `text` occurs in the chat-day."""
    extra = list(extra_names)
    return not invented_names(text, messages, extra_names=extra) and not invented_numbers(text, messages)
