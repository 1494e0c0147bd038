"""The daily digest: facts computed in code, a short summary phrased by the LLM from those facts.

The model is small and may be down, so it never decides anything: it only turns facts that are
already true into a sentence. Without it the digest still comes out, facts only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from nudge.errors import LLMBadOutput, LLMUnavailable
from nudge.llm import ChatModel
from nudge.rules.importance import is_addressed_to_me, matching_keywords
from nudge.rules.topics import is_grounded, topics
from nudge.store import history

SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string", "maxLength": 120}},
    "required": ["summary"],
}
_MAX_SUMMARY_CHARS = 300
_MESSAGES_SHOWN_TO_LLM = 8
_MESSAGE_CHARS_SHOWN = 120
# Exports carry no reply threading: a message of the user's within this window after a question
# counts as its answer; a later one (next morning, say) usually starts another topic.
REPLY_WINDOW = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class DigestItem:
    sender: str
    sent_at: datetime
    text: str
    reason: str = ""

    def to_json(self) -> dict:
        item = {"sender": self.sender, "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
                "text": self.text}
        if self.reason:
            item["reason"] = self.reason
        return item


@dataclass(slots=True)
class ChatDigest:
    chat: str
    chat_type: str
    messages: int
    senders: dict[str, int]
    needs_reply: list[DigestItem] = field(default_factory=list)
    important: list[DigestItem] = field(default_factory=list)
    summary: str = ""
    topics: list[str] = field(default_factory=list)
    sample: list[DigestItem] = field(default_factory=list)  # the latest texts, for the LLM only

    def facts_sentence(self) -> str:
        """The summary written in code: who wrote how much, and what waits for the user."""
        top = ", ".join(f"{name} ({count})" for name, count in
                        sorted(self.senders.items(), key=lambda kv: -kv[1])[:4])
        sentence = f"{self.messages} messages" + (f" from {top}" if top else "") + "."
        if self.topics:
            sentence += " Topics: " + ", ".join(self.topics) + "."
        if self.needs_reply:
            n = len(self.needs_reply)
            sentence += f" {n} question{'s' if n > 1 else ''} for you still open."
        if self.important:
            sentence += f" {len(self.important)} important."
        return sentence

    def to_json(self) -> dict:
        return {
            "chat": self.chat,
            "messages": self.messages,
            "summary": self.summary,
            "topics": self.topics,
            "needs_reply": [item.to_json() for item in self.needs_reply],
            "important": [item.to_json() for item in self.important],
        }


@dataclass(slots=True)
class Digest:
    day: date
    llm: str  # "ok" | "unavailable" (CONTRACTS.md)
    chats: list[ChatDigest]

    def to_json(self) -> dict:
        return {"date": self.day.isoformat(), "llm": self.llm,
                "chats": [chat.to_json() for chat in self.chats]}


def collect_facts(
    conn: psycopg.Connection, *, user_id: int, day: date, me: str | None,
    keywords: list[str] | None = None, chat_types: list[str] | None = None,
) -> list[ChatDigest]:
    """Per chat that had messages on `day` (wall-clock time of the export): counts, senders, the
    questions to the user nobody answered, and the messages that match importance criteria."""
    rows = history.day_messages(conn, user_id=user_id, day=day, reply_window=REPLY_WINDOW,
                                chat_types=chat_types)
    chats: dict[str, ChatDigest] = {}
    texts: dict[str, list[str]] = {}
    for (chat, chat_type, sender, from_me, sent_at, kind, text, critical, sender_critical,
         answered) in rows:
        if kind == "system":
            continue
        digest = chats.setdefault(chat, ChatDigest(chat, chat_type, 0, {}))
        digest.messages += 1
        who = "me" if from_me else (sender or "?")
        digest.senders[who] = digest.senders.get(who, 0) + 1
        if kind == "text":
            texts.setdefault(chat, []).append(text)
        if from_me or kind != "text":
            continue
        item = DigestItem(sender or "?", sent_at, text)
        digest.sample.append(item)
        if not answered and is_addressed_to_me(text, chat_type=chat_type, me=me):
            digest.needs_reply.append(item)
        reasons = []
        if critical or sender_critical:
            reasons.append("critical contact" if sender_critical else "marked critical")
        if found := matching_keywords(text, keywords or []):
            reasons.append("keyword: " + ", ".join(found))
        if reasons:
            digest.important.append(DigestItem(item.sender, sent_at, text, "; ".join(reasons)))
    for digest in chats.values():
        digest.topics = topics(texts.get(digest.chat, []), exclude=[*digest.senders, me or ""])
        digest.senders = dict(Counter(digest.senders).most_common())
        digest.sample = digest.sample[-_MESSAGES_SHOWN_TO_LLM:]
    return sorted(chats.values(), key=lambda d: -d.messages)


def _summary_prompt(digest: ChatDigest) -> list[dict]:
    """A task the tiny default model does well: one sentence over a few short messages."""
    lines = "\n".join(f"{m.sender}: {m.text[:_MESSAGE_CHARS_SHOWN]}" for m in digest.sample)
    return [
        {"role": "system", "content": "You write one short sentence."},
        {"role": "user", "content": f"{lines}\n\nSummarize the messages above in one sentence."},
    ]


def looks_like_prose(text: str) -> bool:
    """A tiny model sometimes loops on one token or emits symbols; such output is dropped."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    letters = sum(ch.isalpha() for ch in text)
    return (len(words) >= 3 and letters >= 0.6 * len(text.replace(" ", ""))
            and not re.search(r"(.)\1{5,}", text) and len(set(words)) >= len(words) / 3)


def phrase_summaries(chats: list[ChatDigest], llm: ChatModel | None) -> str:
    """Ask the LLM to phrase each chat's summary; on any failure keep the facts sentence.
    Returns "ok" or "unavailable" for the digest's `llm` field."""
    status = "ok" if llm is not None else "unavailable"
    for digest in chats:
        digest.summary = digest.facts_sentence()
        if status != "ok" or not digest.sample:
            continue
        try:
            answer = llm.chat_json(_summary_prompt(digest), schema=SUMMARY_SCHEMA, max_tokens=80)
        except LLMBadOutput:
            continue  # this chat keeps its facts sentence; the model is up
        except LLMUnavailable:
            status = "unavailable"
            continue
        phrased = str(answer.get("summary", "")).strip()
        sources = [f"{m.sender} {m.text}" for m in digest.sample]
        if looks_like_prose(phrased) and is_grounded(phrased, sources):
            digest.summary = f"{phrased[:_MAX_SUMMARY_CHARS]} ({digest.facts_sentence()})"
    return status


def build_digest(
    conn: psycopg.Connection, *, user_id: int, day: date, me: str | None,
    llm: ChatModel | None, keywords: list[str] | None = None, chat_types: list[str] | None = None,
) -> Digest:
    chats = collect_facts(conn, user_id=user_id, day=day, me=me, keywords=keywords,
                          chat_types=chat_types)
    status = phrase_summaries(chats, llm)
    return Digest(day, status, chats)


def format_digest(digest: Digest) -> str:
    """Plain text for the terminal (the bot renders its own HTML from the same Digest)."""
    lines = [f"Digest for {digest.day:%A %d %B %Y}"]
    if digest.llm != "ok":
        lines.append("(the LLM was unavailable: facts only)")
    if not digest.chats:
        lines.append("No messages that day.")
    for chat in digest.chats:
        lines += ["", f"== {chat.chat} ==", chat.summary]
        for item in chat.needs_reply:
            lines.append(f"  ? {item.sent_at:%H:%M} {item.sender}: {item.text}")
        for item in chat.important:
            lines.append(f"  ! {item.sent_at:%H:%M} {item.sender}: {item.text}  [{item.reason}]")
    return "\n".join(lines)
