"""What a chat-day was about, in the chat's own words: key points and a short extractive gist.

Key points are chosen over the whole day by centrality (how much a message resembles the rest) and
diversity (MMR), on sentence embeddings when every message has one and on TF-IDF words otherwise.
The gist rewrites the best of them in the third person with names, so it reads like a summary but
every word comes from the messages or the participants' names: nothing can be invented.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from nudge.rules.third_person import clean, third_person
from nudge.rules.tone import guess_language
from nudge.rules.vocabulary import STOPWORDS


@dataclass(frozen=True, slots=True)
class DayMessage:
    """One message of a chat-day as the digest sees it (embedding: L2-normalised, may be missing)."""

    id: int
    sender: str
    sent_at: datetime
    text: str
    kind: str = "text"  # text|media|deleted|system|poll|location|contact|call
    from_me: bool = False
    embedding: Sequence[float] | None = None
    voice: bool = False  # a voice note: `text` is its transcript


@dataclass(frozen=True, slots=True)
class Weights:
    """Knobs of the ranking and of the gist's length, tuned on SAMSum validation rows 400-818."""

    lexical: float = 0.5  # share of word overlap beside embedding centrality
    length: float = 0.6  # informative (longer) messages carry the day
    lead: float = 0.6  # the opening message usually sets the topic
    diversity: float = 0.6  # MMR: 1 - lambda
    gist_words: int = 26  # references are ~20 words; a little more recall pays
    gist_messages: int = 4


DEFAULT = Weights()
_CHIT_CHAT_WORDS = """
haha hahaha lol lmao okay okey thanks thank thx bye hello hey morning night good great cool nice sure
yep yup nope yeah yes welcome please sorry love awesome wow omg guys girls dear
"""
_CHIT_CHAT = frozenset(_CHIT_CHAT_WORDS.split())
_CONTENT = re.compile(r"[^\W\d_]{3,}|\d+(?:[.:]\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_MAX_VOCABULARY = 2048


def content_words(text: str) -> list[str]:
    """Lower-cased words that can carry a topic (no stopwords, chit-chat or 1-2 letter words)."""
    words = (w.lower() for w in _CONTENT.findall(clean(text)))
    return [w.removesuffix("'s") for w in words if w not in STOPWORDS and w not in _CHIT_CHAT]


def _is_text(message: DayMessage) -> bool:
    return message.kind == "text" and bool(clean(message.text))


def _texts(messages: Sequence[DayMessage]) -> list[DayMessage]:
    """The day's text messages with words left after cleaning, oldest first."""
    return sorted((m for m in messages if _is_text(m)), key=lambda m: (m.sent_at, m.id))


def _vectors(messages: Sequence[DayMessage], words: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, TF-IDF) as unit rows; embeddings are empty (0 columns) unless every message has one.
    TF-IDF keeps the day's most frequent words only, so its width is bounded."""
    df = Counter(w for ws in words for w in set(ws))
    vocabulary = {w: k for k, (w, _) in enumerate(df.most_common(_MAX_VOCABULARY))}
    tfidf = np.zeros((len(messages), max(len(vocabulary), 1)), dtype=np.float32)
    n = len(messages)
    for row, ws in enumerate(words):
        for w, count in Counter(ws).items():
            if w in vocabulary:
                tfidf[row, vocabulary[w]] = (1 + math.log(count)) * math.log(1 + n / df[w])
    tfidf /= np.maximum(np.linalg.norm(tfidf, axis=1, keepdims=True), 1e-9)
    dims = {len(m.embedding) for m in messages if m.embedding is not None}
    if len(dims) == 1 and all(m.embedding is not None for m in messages):
        dense = np.asarray([m.embedding for m in messages], dtype=np.float32)
        dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-9)
    else:
        dense = np.zeros((len(messages), 0), dtype=np.float32)
    return dense, tfidf


def _unit_range(values: np.ndarray) -> np.ndarray:
    spread = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / spread if spread > 1e-9 else np.zeros_like(values)


def _rank(messages: Sequence[DayMessage], limit: int, weights: Weights) -> list[int]:
    """Indices of the best `limit` messages, best first: centrality + cues, then MMR for diversity.
    Linear in the day's size (centrality against the centroid is the mean pairwise similarity)."""
    words = [content_words(m.text) for m in messages]
    substantive = [k for k, ws in enumerate(words)
                   if len(ws) >= 2 or (ws and len(messages[k].text.split()) >= 3)]
    candidates = substantive or [k for k, ws in enumerate(words) if ws] or list(range(len(messages)))
    dense, tfidf = _vectors(messages, words)
    blocks = [(1 - weights.lexical, dense), (weights.lexical, tfidf)] if dense.shape[1] else [(1.0, tfidf)]
    centrality = np.zeros(len(messages), dtype=np.float32)
    for share, matrix in blocks:
        centroid = matrix[candidates].mean(axis=0)
        centrality += share * _unit_range(matrix @ centroid)
    length = np.array([math.log1p(len(ws)) for ws in words], dtype=np.float32)
    score = centrality + weights.length * _unit_range(length)
    score[candidates[0]] += weights.lead
    features = np.hstack([math.sqrt(share) * matrix for share, matrix in blocks])
    chosen: list[int] = []
    pool = list(candidates)
    closest = np.zeros(len(messages), dtype=np.float32)
    while pool and len(chosen) < limit:
        mmr = (1 - weights.diversity) * score[pool] - weights.diversity * closest[pool]
        best = pool.pop(int(np.argmax(mmr)))
        chosen.append(best)
        closest = np.maximum(closest, features @ features[best])
    return chosen


def key_points(messages: Sequence[DayMessage], *, limit: int = 4,
               weights: Weights = DEFAULT) -> list[DayMessage]:
    """The few text messages that carry the day (plans, news, requests), in chronological order."""
    texts = _texts(messages)
    if not texts or limit <= 0:
        return []
    return [texts[k] for k in sorted(_rank(texts, limit, weights))]


def _addressee(texts: Sequence[DayMessage], k: int, people: Sequence[str]) -> str | None:
    """Who "you" means in texts[k]: the other person of a two-person chat, else someone named in the
    message, else whoever spoke last before it."""
    message = texts[k]
    others = [p for p in people if p != message.sender]
    if len(others) == 1:
        return others[0]
    lowered = message.text.lower()
    named = [p for p in others if re.search(rf"\b{re.escape(p.split()[0].lower())}\b", lowered)]
    if len(named) == 1:
        return named[0]
    return next((m.sender for m in reversed(texts[:k]) if m.sender != message.sender), None)


def _sentences(texts: Sequence[DayMessage], k: int, people: Sequence[str]) -> list[str]:
    """texts[k] in the third person, split into sentences that still say something."""
    message = texts[k]
    addressee = _addressee(texts, k, people)
    group = f"{message.sender} and {addressee}" if len(people) == 2 and addressee else "they"
    english = guess_language(message.text) in ("en", "und")  # the pronoun rules are English
    out = []
    for part in _SENTENCE.split(clean(message.text)):
        sentence = (third_person(part, message.sender, addressee, group=group) if english
                    else f"{message.sender}: {part}").strip(" ,;:-")
        if not content_words(sentence) or len(sentence.split()) < 2:
            continue
        out.append(sentence if sentence[-1] in ".!?" else sentence + ".")
    return out


def extractive_gist(messages: Sequence[DayMessage], *, participants: Sequence[str] | None = None,
                    weights: Weights = DEFAULT) -> str:
    """1-3 third-person sentences built only from the day's words and names (never empty)."""
    texts = _texts(messages)
    if not texts:
        return activity_line(messages)
    people = list(dict.fromkeys([*(participants or ()), *(m.sender for m in messages)]))
    ranked = _rank(texts, weights.gist_messages, weights)
    picked: list[tuple[int, list[str]]] = []
    words = 0
    for k in ranked:
        sentences = _sentences(texts, k, people)
        if not sentences:
            continue
        if picked and words + len(" ".join(sentences).split()) > weights.gist_words * 1.5:
            sentences = sentences[:1]
            if words + len(sentences[0].split()) > weights.gist_words * 1.5:
                continue
        picked.append((k, sentences))
        words += len(" ".join(sentences).split())
        if words >= weights.gist_words:
            break
    picked.sort()
    lines = [s for _, sentences in picked for s in sentences][:3]
    return " ".join(_without_repeated_names(lines)) if lines else activity_line(messages)


def _without_repeated_names(lines: list[str]) -> list[str]:
    """"Ana: a. Ana: b." reads "Ana: a. b.": a quoted sender is named once per run."""
    out, previous = [], None
    for line in lines:
        name, colon, rest = line.partition(": ")
        quoted = name if colon and name and " " not in name.strip() else None
        out.append(rest if quoted is not None and quoted == previous else line)
        previous = quoted
    return out


_MEDIA = (("photo", re.compile(r"photo|image|\.jpe?g|\.png|\.heic|img-", re.I)),
          ("video", re.compile(r"video|\.mp4|\.mov|vid-", re.I)),
          ("voice message", re.compile(r"audio|voice|\.opus|\.m4a|ptt-", re.I)),
          ("sticker", re.compile(r"sticker|\.webp", re.I)),
          ("GIF", re.compile(r"gif", re.I)),
          ("document", re.compile(r"document|\.pdf|\.docx?|\.xlsx?", re.I)))
_KINDS = {"deleted": "deleted message", "poll": "poll", "location": "location", "contact": "contact",
          "call": "call"}


def _media_noun(message: DayMessage) -> str:
    if message.kind in _KINDS:
        return _KINDS[message.kind]
    return next((noun for noun, pattern in _MEDIA if pattern.search(message.text)), "file")


def _count(n: int, noun: str) -> str:
    if noun in {"location", "contact"}:
        return f"{'a' if n == 1 else n} {noun}{'' if n == 1 else 's'}"
    return f"{n} {noun}{'' if n == 1 else 's'}"


def activity_line(messages: Sequence[DayMessage]) -> str:
    """A day without words to quote: "Ana shared 3 photos." and system lines as they are."""
    if not messages:
        return "No messages."
    system = [clean(m.text) for m in messages if m.kind == "system" and clean(m.text)]
    tally: dict[str, Counter[str]] = {}
    for m in messages:
        if m.kind != "system":
            tally.setdefault(m.sender, Counter())["message" if m.kind == "text" else _media_noun(m)] += 1
    lines = []
    for sender, counts in tally.items():
        shared = [_count(n, noun) for noun, n in counts.most_common()
                  if noun not in {"deleted message", "call"}]
        parts = [f"shared {_and(shared)}"] if shared else []
        if counts["deleted message"]:
            parts.append(f"deleted {_count(counts['deleted message'], 'message')}")
        if counts["call"]:
            parts.append("called" if counts["call"] == 1 else f"called {counts['call']} times")
        lines.append(f"{sender} {_and(parts)}.")
    lines += [s if s[-1] in ".!?" else s + "." for s in system[:2]]
    return " ".join(lines[:3])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
