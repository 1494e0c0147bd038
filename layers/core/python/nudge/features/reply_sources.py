"""Where reply suggestions come from: the user's own past replies to similar messages (nearest
pairs by embedding, across all chats, approved suggestions weighted up), and a capable model's
drafts. features.suggest puts them together with the templates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from nudge.errors import LLMUnavailable
from nudge.llm import ChatModel
from nudge.rules.adapt import adapt_reply
from nudge.rules.reply_acts import message_act
from nudge.rules.reply_prompts import Example, max_tokens
from nudge.rules.style import StyleProfile, detect_language
from nudge.store import history, suggestions

Embed = Callable[[list[str]], list[list[float]]]

NEAREST = 40  # pairs read per request, before ranking
MIN_SIMILARITY = 0.45  # their message vs the one to answer (cosine): below it a reply is off-topic
_APPROVED_BONUS = 0.08  # the user chose these words for a suggestion: prefer them
_SAME_ACT_BONUS = 0.05  # both a thanks, both a plan …
_SAME_CHAT_BONUS = 0.03
_ASSISTANT = re.compile(r"\b(as an ai|language model|i can'?t help|i cannot help|i'?m sorry, but|"
                        r"how can i (?:help|assist)|assist you)\b", re.IGNORECASE)
_DIVERSITY = 0.35  # MMR: how much a reply close to one already picked is held back


@dataclass(frozen=True, slots=True)
class Retrieved:
    """One of the user's past replies, adapted to the message now answered, and how well the
    message it answered matches (similarity plus bonuses)."""

    text: str
    score: float
    similarity: float
    example: Example
    vector: tuple[float, ...] | None = None


def query_vector(conn: psycopg.Connection[Any], *, user_id: int, pending: Sequence[tuple[int, str]],
                 embed: Embed | None) -> list[float] | None:
    """The meaning of what is to be answered: the last message, with the one before it when the
    last is short ("Sam??"); stored embeddings when there are, else the embedder's."""
    short = len(pending) > 1 and len(pending[-1][1].split()) < 4
    chosen = list(pending[-2:] if short else pending[-1:])
    stored = history.message_vectors(conn, user_id=user_id, message_ids=[i for i, _ in chosen])
    if chosen and len(stored) == len(chosen):
        vectors = [_as_list(stored[i]) for i, _ in chosen]
        return [sum(column) / len(vectors) for column in zip(*vectors, strict=True)]
    if embed is None:
        return None
    try:
        return list(embed([" ".join(text for _, text in chosen)])[0])
    except LLMUnavailable:
        return None


def own_replies(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                vector: Sequence[float], sender: str | None, message: str, language: str,
                limit: int) -> list[Retrieved]:
    """The user's replies to the messages nearest to `vector`, adapted (name, time) to `sender`'s
    `message`, in the chat's language, best and most varied first; at most `limit`."""
    rows = [(*r, False) for r in history.nearest_pairs(conn, user_id=user_id, vector=vector, limit=NEAREST)]
    rows += [(*r, True) for r in suggestions.approved_nearest(conn, user_id=user_id, vector=list(vector),
                                                              limit=NEAREST // 4)]
    act = message_act(message)
    found: dict[str, Retrieved] = {}
    for old_sender, old_message, reply, distance, reply_vector, old_chat, approved in rows:
        similarity = 1.0 - float(distance)
        if similarity < MIN_SIMILARITY or detect_language([reply], default=language) != language:
            continue
        text = adapt_reply(reply.strip(), old_sender=old_sender, old_message=old_message,
                           new_sender=sender, new_message=message)
        score = (similarity + _APPROVED_BONUS * approved + _SAME_CHAT_BONUS * (old_chat == chat_id)
                 + _SAME_ACT_BONUS * (message_act(old_message) == act))
        key = " ".join(text.casefold().split())
        if key and (key not in found or found[key].score < score):
            found[key] = Retrieved(text, score, similarity, Example(old_sender, old_message, reply),
                                   None if reply_vector is None else tuple(_as_list(reply_vector)))
    return _diverse(sorted(found.values(), key=lambda r: -r.score), limit)


def _diverse(ranked: list[Retrieved], limit: int) -> list[Retrieved]:
    """Maximal marginal relevance: each next reply is good and unlike those already picked."""
    picked: list[Retrieved] = []
    pool = list(ranked)
    while pool and len(picked) < limit:
        best = max(pool, key=lambda r: r.score - _DIVERSITY * max(
            (_likeness(r, p) for p in picked), default=0.0))
        picked.append(best)
        pool.remove(best)
    return picked


def _likeness(a: Retrieved, b: Retrieved) -> float:
    if a.vector is not None and b.vector is not None:
        dot = sum(x * y for x, y in zip(a.vector, b.vector, strict=True))
        norm = math.sqrt(sum(x * x for x in a.vector) * sum(y * y for y in b.vector))
        return dot / norm if norm else 0.0
    words_a, words_b = set(a.text.casefold().split()), set(b.text.casefold().split())
    return len(words_a & words_b) / max(1, len(words_a | words_b))


def _as_list(vector: Any) -> list[float]:
    return vector.to_list() if hasattr(vector, "to_list") else [float(x) for x in vector]


def model_drafts(llm: ChatModel | None, prompt: list[dict[str, str]], schema: dict[str, Any],
                 profile: StyleProfile) -> tuple[list[str], bool]:
    """The model's drafts in the chat's language, and whether the model answered at all. Junk
    (JSON debris, loops like "no no no no", another language) is dropped."""
    if llm is None:
        return [], False
    try:
        answer = llm.chat_json(prompt, schema=schema, max_tokens=max_tokens(schema))
    except LLMUnavailable:
        return [], False
    raw = answer.get("replies")
    if not isinstance(raw, list):
        return [], True
    drafts = []
    for item in raw:
        text = str(item).strip()
        if not text or "{" in text or "replies" in text.casefold():
            continue
        words = text.casefold().split()
        if len(words) >= 4 and len(set(words)) < 0.6 * len(words):
            continue
        if _ASSISTANT.search(text):
            continue  # "I'm sorry, but I can't help with that": the model speaking as a bot
        if detect_language([text], default=profile.language) != profile.language:
            continue  # another language: the user's own words or a template are better
        drafts.append(text)
    return drafts, True
