"""Reply suggestions that sound like the user, for the latest messages nobody answered yet.

The facts come from the store (what to answer, how the user writes: nudge.rules.style); the local model only
drafts wording under a JSON schema, and code then fits every draft to the user's habits. Drafts
in another language, echoes and junk are dropped and replaced by templates in the user's language,
so there are always exactly n suggestions, also with the model down. Suggestions are stored;
approved ones count as the user's own messages next time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from nudge.errors import InputError, LLMUnavailable, NotFound
from nudge.features.digest import DigestItem
from nudge.llm import ChatModel
from nudge.rules.importance import is_question
from nudge.rules.style import (
    LANGUAGES,
    StyleProfile,
    build_profile,
    language_scores,
    polish,
    strip_emoji,
)
from nudge.store import history, suggestions
from nudge.store.chats import resolve_chat

MAX_N = 6
_OWN_MESSAGES = 400  # how many of the user's latest messages make the profile
_MIN_CHAT_SAMPLES = 8  # fewer own messages in the chat: profile from all chats
_EXAMPLES = 4
_TO_ANSWER = 5


@dataclass(frozen=True, slots=True)
class Suggestions:
    chat: str
    replying_to: list[DigestItem]
    replies: list[str]
    ids: list[int] = field(default_factory=list)
    source: str = "none"  # "llm" | "mixed" (llm + templates) | "fallback" | "none"
    language: str = "en"
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"chat": self.chat, "replying_to": [m.to_json() for m in self.replying_to],
                "replies": self.replies, "ids": self.ids, "source": self.source,
                "language": self.language, "message": self.message}


def _to_answer(conn: psycopg.Connection[Any], *, user_id: int,
               chat_id: int) -> list[tuple[int, DigestItem]]:
    """Messages from others after the user's last message in the chat (the latest few)."""
    rows = history.waiting_for_reply(conn, user_id=user_id, chat_id=chat_id, limit=_TO_ANSWER)
    return [(int(i), DigestItem(s or "?", at, t)) for i, s, at, t in rows]


def own_examples(conn: psycopg.Connection[Any], *, user_id: int,
                 chat_id: int | None) -> tuple[list[str], list[str]]:
    """(approved suggestions, the user's own texts), newest first; chat_id None means all chats."""
    return (suggestions.approved_texts(conn, user_id=user_id, chat_id=chat_id),
            history.own_texts(conn, user_id=user_id, chat_id=chat_id, limit=_OWN_MESSAGES))


@dataclass(frozen=True, slots=True)
class Example:
    """A message from someone else and the user's reply to it (a few-shot turn for the model)."""

    sender: str
    message: str
    reply: str


def reply_examples(conn: psycopg.Connection[Any], *, user_id: int,
                   chat_id: int) -> list[Example]:
    """The user's latest real replies in this chat (else in any chat), oldest first, then the
    approved suggestions last: the turn nearest the question sways a small model most."""
    def pairs(read: Callable[..., list[tuple[Any, ...]]], chat: int | None, limit: int) -> list[Example]:
        rows = read(conn, user_id=user_id, chat_id=chat, limit=limit)
        return [Example(s or "?", m, r) for s, m, r in reversed(rows)]

    approved = (pairs(suggestions.approved_pairs, chat_id, 2)
                or pairs(suggestions.approved_pairs, None, 2))
    real = pairs(history.reply_pairs, chat_id, _EXAMPLES) or pairs(history.reply_pairs, None, _EXAMPLES)
    return (real + approved)[-_EXAMPLES:]


def style_for_chat(conn: psycopg.Connection[Any], *, user_id: int,
                   chat_id: int) -> StyleProfile:
    """The user's profile in this chat (all chats when they wrote too little here); approved
    suggestions count as the user's own messages."""
    approved, own = own_examples(conn, user_id=user_id, chat_id=chat_id)
    if len(own) + len(approved) >= _MIN_CHAT_SAMPLES:
        return build_profile(approved + own)
    # Habits from all chats, but the language is this chat's: the user's own words here, else
    # what the others write here.
    language = language_scores(approved + own)
    if not language:
        language = language_scores(history.chat_texts(conn, user_id=user_id, chat_id=chat_id, limit=100))
    more_approved, more_own = own_examples(conn, user_id=user_id, chat_id=None)
    approved = approved + [a for a in more_approved if a not in approved]
    own = own + [o for o in more_own if o not in own]
    profile = build_profile(approved + own)
    return replace(profile, language=language.most_common(1)[0][0]) if language else profile


# Letters (Latin, accented, Turkish), digits and plain punctuation only: the grammar keeps the
# tiny model from looping on emoji or quotes, and the repetition bound keeps replies short.
_LETTER = "A-Za-z0-9À-ÖØ-öø-ſ"
_REPLY_PATTERN = "^[" + _LETTER + "¿¡][ " + _LETTER + ",.?!¿¡'-]{0,%d}$"


def reply_schema(n: int, profile: StyleProfile) -> dict[str, Any]:
    """JSON {"replies": [n strings]}; each string plain text bounded near the user's length."""
    return {
        "type": "object",
        "properties": {"replies": {
            "type": "array", "minItems": n, "maxItems": n,
            "items": {"type": "string", "pattern": _REPLY_PATTERN % (profile.max_chars + 10)},
        }},
        "required": ["replies"],
    }


def build_prompt(profile: StyleProfile, examples: list[Example], to_answer: list[DigestItem],
                 *, me: str | None, n: int) -> list[dict[str, str]]:
    """Few-shot chat turns: the user's real replies as the assistant's JSON answers, then the
    messages to answer. Tiny models copy turns far better than they follow descriptions."""
    name = me or "the user"
    language = LANGUAGES.get(profile.language, "English")
    prompt = [{"role": "system", "content": f"You are {name}. Answer WhatsApp messages as {name}: "
                                            f"in {language}, short, casual."}]
    for ex in examples:
        # No emoji in the prompt: the tiny model loops on them; code adds the user's emoji later.
        reply = strip_emoji(ex.reply)
        if reply and ex.message.strip():
            prompt += [{"role": "user", "content": f"{ex.sender}: {ex.message[:300]}"},
                       {"role": "assistant",
                        "content": json.dumps({"replies": [reply]}, ensure_ascii=False)}]
    incoming = "\n".join(f"{m.sender}: {m.text[:300]}" for m in to_answer)
    prompt.append({"role": "user", "content": f"{incoming}\n\n(give {n} different replies)"})
    return prompt


def _max_tokens(schema: dict[str, Any]) -> int:
    """Room for n strings of the pattern's length (about 2 characters a token, worst case)."""
    replies = schema["properties"]["replies"]
    length = int(replies["items"]["pattern"].rsplit("{0,", 1)[1].split("}")[0])
    return 40 + replies["maxItems"] * (length // 2 + 8)


def _drafts(llm: ChatModel | None, prompt: list[dict[str, str]], schema: dict[str, Any],
            profile: StyleProfile) -> tuple[list[str], bool]:
    """The model's drafts in the user's language, and whether the model answered at all."""
    if llm is None:
        return [], False
    try:
        answer = llm.chat_json(prompt, schema=schema, max_tokens=_max_tokens(schema))
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
            continue  # "no no no no": a small model stuck in a loop
        scores = language_scores([text])
        if scores and scores[profile.language] == 0:
            continue  # written in another language: a template in the user's one is better
        drafts.append(text)
    return drafts, True


def suggest_replies(conn: psycopg.Connection[Any], *, user_id: int, chat: str,
                    llm: ChatModel | None, n: int = 3, me: str | None = None) -> Suggestions:
    """n stored reply suggestions for the chat's unanswered messages, in the user's style."""
    if not 1 <= n <= MAX_N:
        raise InputError(f"n must be between 1 and {MAX_N}, got {n}")
    chat_id, name = resolve_chat(conn, user_id=user_id, name=chat)
    pending = _to_answer(conn, user_id=user_id, chat_id=chat_id)
    profile = style_for_chat(conn, user_id=user_id, chat_id=chat_id)
    if not pending:
        return Suggestions(name, [], [], language=profile.language,
                           message=f"Nothing to answer in {name}: the last message is yours.")
    to_answer = [item for _, item in pending]
    examples = reply_examples(conn, user_id=user_id, chat_id=chat_id)
    prompt = build_prompt(profile, examples, to_answer, me=me, n=n)
    drafts, answered = _drafts(llm, prompt, reply_schema(n, profile), profile)
    replies, from_llm = polish(drafts, profile, n=n, question=any(is_question(m.text) for m in to_answer),
                               avoid=[m.text for m in to_answer] + [  # no parroting either
                                   e.reply for e in examples if len(e.reply.split()) > 3],
                               names=[me or "", *(m.sender for m in to_answer)])
    source = ("llm" if from_llm == n else "mixed") if from_llm else "fallback"
    message = "" if answered else "The LLM is unavailable: suggestions from templates."
    ids = suggestions.insert_suggestions(conn, user_id=user_id, chat_id=chat_id,
                                         message_id=pending[-1][0], replies=replies)
    return Suggestions(name, to_answer, replies, ids, source, profile.language, message)


def approve_suggestion(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
                       approved: bool = True) -> str:
    """Mark a suggestion approved (or rejected); approved ones teach later suggestions."""
    text = suggestions.decide(conn, user_id=user_id, suggestion_id=suggestion_id, approved=approved)
    if text is None:
        raise NotFound(f"no suggestion with id {suggestion_id}")
    return text


def suggestion_text(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int) -> str:
    text = suggestions.suggestion_text(conn, user_id=user_id, suggestion_id=suggestion_id)
    if text is None:
        raise NotFound("That suggestion is gone.")
    return text
