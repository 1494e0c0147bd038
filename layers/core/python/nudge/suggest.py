"""Reply suggestions that sound like the user, for the latest messages nobody answered yet.

The facts come from SQL (what to answer, how the user writes: nudge.style); the local model only
drafts wording under a JSON schema, and code then fits every draft to the user's habits. Drafts
in another language, echoes and junk are dropped and replaced by templates in the user's language,
so there are always exactly n suggestions, also with the model down. Suggestions are stored;
approved ones count as the user's own messages next time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from nudge.digest import DigestItem
from nudge.errors import InputError, LLMUnavailable, NotFound
from nudge.importance import is_question
from nudge.llm import ChatModel
from nudge.style import (
    LANGUAGES,
    StyleProfile,
    build_profile,
    language_scores,
    polish,
    strip_emoji,
)

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


def _find_chat(conn: psycopg.Connection[Any], user_id: int, chat: str) -> tuple[int, str]:
    row = conn.execute(
        "SELECT id, name FROM chats WHERE user_profile_id = %s AND lower(name) = lower(%s)"
        " ORDER BY name = %s DESC LIMIT 1", [user_id, chat.strip(), chat.strip()]).fetchone()
    if row is None:
        raise NotFound(f"no chat named {chat!r}")
    return int(row[0]), str(row[1])


def _to_answer(conn: psycopg.Connection[Any], chat_id: int) -> list[tuple[int, DigestItem]]:
    """Messages from others after the user's last message in the chat (the latest few)."""
    rows = conn.execute(
        """SELECT m.id, m.sender_name, m.sent_at, m.text FROM messages m
           WHERE m.chat_id = %(chat)s AND NOT m.from_me AND m.kind IN ('text', 'media')
             AND btrim(m.text) <> ''
             AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.chat_id = m.chat_id AND r.from_me
                             AND (r.sent_at > m.sent_at OR (r.sent_at = m.sent_at AND r.id > m.id)))
           ORDER BY m.sent_at DESC, m.id DESC LIMIT %(limit)s""",
        {"chat": chat_id, "limit": _TO_ANSWER}).fetchall()
    return [(int(i), DigestItem(s or "?", at, t)) for i, s, at, t in reversed(rows)]


def own_examples(conn: psycopg.Connection[Any], *, user_id: int,
                 chat_id: int | None) -> tuple[list[str], list[str]]:
    """(approved suggestions, the user's own texts), newest first; chat_id None means all chats."""
    approved = [r[0] for r in conn.execute(
        "SELECT text FROM suggestions WHERE user_profile_id = %s AND approved"
        " AND (%s::bigint IS NULL OR chat_id = %s) ORDER BY created_at DESC, id DESC LIMIT 50",
        [user_id, chat_id, chat_id])]
    own = [r[0] for r in conn.execute(
        "SELECT text FROM messages WHERE user_profile_id = %s AND from_me AND kind = 'text'"
        " AND btrim(text) <> '' AND (%s::bigint IS NULL OR chat_id = %s)"
        " ORDER BY sent_at DESC, id DESC LIMIT %s", [user_id, chat_id, chat_id, _OWN_MESSAGES])]
    return approved, own


@dataclass(frozen=True, slots=True)
class Example:
    """A message from someone else and the user's reply to it (a few-shot turn for the model)."""

    sender: str
    message: str
    reply: str


_PAIRS_SQL = """
SELECT p.sender_name, p.text, m.text FROM messages m
JOIN LATERAL (SELECT q.sender_name, q.text, q.from_me FROM messages q
              WHERE q.chat_id = m.chat_id AND q.kind = 'text'
                AND (q.sent_at, q.id) < (m.sent_at, m.id)
              ORDER BY q.sent_at DESC, q.id DESC LIMIT 1) p ON NOT p.from_me
WHERE m.user_profile_id = %(user)s AND m.from_me AND m.kind = 'text'
  AND (%(chat)s::bigint IS NULL OR m.chat_id = %(chat)s)
  AND length(m.text) BETWEEN 2 AND 160
ORDER BY m.sent_at DESC, m.id DESC LIMIT %(limit)s
"""
_APPROVED_PAIRS_SQL = """
SELECT coalesce(m.sender_name, '?'), coalesce(m.text, ''), s.text FROM suggestions s
LEFT JOIN messages m ON m.id = s.message_id
WHERE s.user_profile_id = %(user)s AND s.approved
  AND (%(chat)s::bigint IS NULL OR s.chat_id = %(chat)s)
ORDER BY s.created_at DESC, s.id DESC LIMIT %(limit)s
"""


def reply_examples(conn: psycopg.Connection[Any], *, user_id: int,
                   chat_id: int) -> list[Example]:
    """The user's latest real replies in this chat (else in any chat), oldest first, then the
    approved suggestions last: the turn nearest the question sways a small model most."""
    def pairs(sql: str, chat: int | None, limit: int) -> list[Example]:
        rows = conn.execute(sql, {"user": user_id, "chat": chat, "limit": limit}).fetchall()
        return [Example(s or "?", m, r) for s, m, r in reversed(rows)]

    approved = pairs(_APPROVED_PAIRS_SQL, chat_id, 2) or pairs(_APPROVED_PAIRS_SQL, None, 2)
    real = pairs(_PAIRS_SQL, chat_id, _EXAMPLES) or pairs(_PAIRS_SQL, None, _EXAMPLES)
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
        language = language_scores(r[0] for r in conn.execute(
            "SELECT text FROM messages WHERE chat_id = %s AND kind = 'text'"
            " ORDER BY sent_at DESC, id DESC LIMIT 100", [chat_id]))
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


def _store(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int, message_id: int,
           replies: list[str]) -> list[int]:
    with conn.transaction():
        return [int(conn.execute(
            "INSERT INTO suggestions (user_profile_id, chat_id, message_id, text)"
            " VALUES (%s, %s, %s, %s) RETURNING id", [user_id, chat_id, message_id, text],
        ).fetchone()[0]) for text in replies]  # type: ignore[index]


def suggest_replies(conn: psycopg.Connection[Any], *, user_id: int, chat: str,
                    llm: ChatModel | None, n: int = 3, me: str | None = None) -> Suggestions:
    """n stored reply suggestions for the chat's unanswered messages, in the user's style."""
    if not 1 <= n <= MAX_N:
        raise InputError(f"n must be between 1 and {MAX_N}, got {n}")
    chat_id, name = _find_chat(conn, user_id, chat)
    pending = _to_answer(conn, chat_id)
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
    ids = _store(conn, user_id=user_id, chat_id=chat_id, message_id=pending[-1][0],
                 replies=replies)
    return Suggestions(name, to_answer, replies, ids, source, profile.language, message)


def approve_suggestion(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
                       approved: bool = True) -> str:
    """Mark a suggestion approved (or rejected); approved ones teach later suggestions."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE suggestions SET approved = %s WHERE id = %s AND user_profile_id = %s"
            " RETURNING text", [approved, suggestion_id, user_id]).fetchone()
    if row is None:
        raise NotFound(f"no suggestion with id {suggestion_id}")
    return str(row[0])
