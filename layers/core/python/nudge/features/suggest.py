"""Reply suggestions that answer the latest unanswered messages and sound like the user.

The user's own words come first: their past replies to the most similar messages (embedding
nearest neighbours over "their message -> my reply" pairs in all chats, approved suggestions
weighted up), with a name or a time swapped to fit (features.reply_sources, rules.adapt). The
tiny default model is never asked to write: it cannot, usefully. A capable model
(nudge.llm.models.chat_tier) drafts from the whole recent conversation, those replies as examples
and the style profile; code fits its drafts to the user's habits. Templates for what the message
asks (rules.reply_acts) fill up, in the chat's language. Every reply says where it came from
("yours", "llm", "template"); suggestions are stored, approved (or edited, then approved) ones
count as the user's own replies next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from nudge.errors import InputError, NotFound
from nudge.features.digest import DigestItem
from nudge.features.reply_sources import Embed, Retrieved, model_drafts, own_replies, query_vector
from nudge.llm import ChatModel
from nudge.rules.importance import is_question
from nudge.rules.reply_acts import act_templates, conversation_act
from nudge.rules.reply_prompts import capable_prompt, draft_chars, reply_schema
from nudge.rules.style import StyleProfile, build_profile, language_scores, near_copy, pick_replies
from nudge.store import history, suggestions
from nudge.store.chats import resolve_chat

MAX_N = 6
_OWN_MESSAGES = 400  # how many of the user's latest messages make the profile
_MIN_CHAT_SAMPLES = 8  # fewer own messages in the chat: profile from all chats
_EXAMPLES = 3  # the user's past replies shown to a capable model
_CONTEXT = 8  # recent messages of the chat shown to a capable model
_TO_ANSWER = 5
_SURE = 0.7  # a past reply to a message this close stands beside a capable model's drafts


@dataclass(frozen=True, slots=True)
class Suggestions:
    chat: str
    replying_to: list[DigestItem]
    replies: list[str]
    ids: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # per reply: "yours" | "llm" | "template"
    language: str = "en"
    message: str = ""
    act: str = ""  # what the last message asks of a reply (rules.reply_acts.ACTS)

    def to_json(self) -> dict[str, Any]:
        return {"chat": self.chat, "replying_to": [m.to_json() for m in self.replying_to],
                "replies": [{"id": i, "text": t, "from": s}
                            for i, t, s in zip(self.ids, self.replies, self.sources, strict=True)],
                "language": self.language, "act": self.act, "message": self.message}


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


def _candidates(yours: list[Retrieved], drafts: list[str], *, n: int, capable: bool,
                templates: tuple[str, ...]) -> list[tuple[str, str]]:
    """The order replies are offered in: the model's drafts (capable model only) with the user's
    best past reply second when it answered a very similar message, else the user's own replies;
    the last slot is kept for the template that fits what the message asks (a safe answer beside
    drafts and past replies to other situations)."""
    mine = [(r.text, "yours") for r in yours]
    ordered = mine
    if capable and drafts:
        # A draft that only repeats an example is the user's words, not the model's.
        fresh = [(d, "llm") for d in drafts if not any(near_copy(d, r.example.reply) for r in yours)]
        sure = mine[:1] if yours and yours[0].similarity >= _SURE else []
        ordered = fresh[:1] + sure + fresh[1:] + [m for m in mine if m not in sure]
    keep = n - 1 if n > 1 else n
    return ordered[:keep] + [(t, "template") for t in templates[:1]] + ordered[keep:]


def suggest_replies(conn: psycopg.Connection[Any], *, user_id: int, chat: str,
                    llm: ChatModel | None, n: int = 3, me: str | None = None,
                    embed: Embed | None = None, capable: bool = False) -> Suggestions:
    """n stored reply suggestions for the chat's unanswered messages, each labelled with where it
    came from. `embed` finds the user's past replies (stored embeddings first); `capable` lets
    `llm` write drafts (the tiny default is not asked)."""
    if not 1 <= n <= MAX_N:
        raise InputError(f"n must be between 1 and {MAX_N}, got {n}")
    chat_id, name = resolve_chat(conn, user_id=user_id, name=chat)
    pending = _to_answer(conn, user_id=user_id, chat_id=chat_id)
    profile = style_for_chat(conn, user_id=user_id, chat_id=chat_id)
    if not pending:
        return Suggestions(name, [], [], language=profile.language,
                           message=f"Nothing to answer in {name}: the last message is yours.")
    to_answer = [item for _, item in pending]
    last = to_answer[-1]
    vector = query_vector(conn, user_id=user_id, pending=[(i, m.text) for i, m in pending], embed=embed)
    yours = [] if vector is None else own_replies(
        conn, user_id=user_id, chat_id=chat_id, vector=vector, sender=last.sender, message=last.text,
        language=profile.language, limit=n + 2)
    drafts: list[str] = []
    answered = False
    act = conversation_act([m.text for m in to_answer])
    if capable:
        context = [("me" if mine else s or "?", t)
                   for s, mine, t in history.recent_messages(conn, user_id=user_id, chat_id=chat_id,
                                                             limit=_CONTEXT)]
        prompt = capable_prompt(profile, me=me, chat=name, context=context, n=n,
                                examples=[r.example for r in yours[:_EXAMPLES]], act=act)
        drafts, answered = model_drafts(llm, prompt, reply_schema(n, profile), profile)
        # A draft that repeats a line of the conversation, the user's own included ("Ja, ich kann
        # um acht Uhr da sein" for "Bist du nächste Woche im Urlaub?"), answers nothing.
        drafts = [d for d in drafts if len(d.split()) < 3 or not any(near_copy(d, t) for _, t in context)]
    templates = act_templates(act, profile.language)
    picked = pick_replies(_candidates(yours, drafts, n=n, capable=capable, templates=templates), profile, n=n,
                          question=any(is_question(m.text) for m in to_answer),
                          avoid=[m.text for m in to_answer], names=[me or "", *(m.sender for m in to_answer)],
                          templates=templates, draft_chars=draft_chars(profile))
    replies, sources = [t for t, _ in picked], [s for _, s in picked]
    message = ""
    if capable and not answered:
        message = "The LLM is unavailable: your past replies and templates only."
    elif vector is None:
        message = "The LLM is unavailable (no embeddings): suggestions from templates."
    ids = suggestions.insert_suggestions(conn, user_id=user_id, chat_id=chat_id, message_id=pending[-1][0],
                                         replies=replies, sources=sources)
    return Suggestions(name, to_answer, replies, ids, sources, profile.language, message, act)


def approve_suggestion(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
                       approved: bool = True, edited_text: str | None = None) -> str:
    """Mark a suggestion approved (or rejected); approved ones teach later suggestions. An edit
    made before approving ("update-reply") is what gets stored and learnt from. With the outbox
    on, the approved text is also queued for WhatsApp (features.outbox, once per suggestion)."""
    edited = " ".join(edited_text.split()) if edited_text else None
    if edited_text is not None and not edited:
        raise InputError("The edited reply is empty.")
    text = suggestions.decide(conn, user_id=user_id, suggestion_id=suggestion_id, approved=approved,
                              edited_text=edited)
    if text is None:
        raise NotFound(f"no suggestion with id {suggestion_id}")
    if approved:  # on its way to WhatsApp too, when the user turned the outbox on
        from nudge.features.outbox import queue_approved

        queue_approved(conn, user_id=user_id, suggestion_id=suggestion_id, edited=edited is not None)
    return text


def suggestion_text(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int) -> str:
    text = suggestions.suggestion_text(conn, user_id=user_id, suggestion_id=suggestion_id)
    if text is None:
        raise NotFound("That suggestion is gone.")
    return text
