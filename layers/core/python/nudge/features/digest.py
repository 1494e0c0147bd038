"""The daily digest: per chat, a gist of the whole day, its key points, plans, tone and topics,
then what waits for the user (open questions, important messages).

Every model size gets a useful digest:
- tiny or no model: the gist and key points are extractive (rules.gist: centrality + diversity over
  the day's embeddings, rewritten in the third person by code), so nothing can be invented;
- a capable model (LLM_CHAT_TIER=capable, or a chat model of 0.5 GB and more): an abstractive gist
  over ALL the day's messages (rules.abstractive, map-reduce past the context), kept only when
  every name and number in it occurs in that chat-day; else the extractive one. `by` says which.
Facts (counts, questions, importance, plans, tone, topics) are computed in code either way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from nudge.errors import LLMUnavailable
from nudge.llm import ChatModel
from nudge.rules.abstractive import abstractive_gist
from nudge.rules.gist import DayMessage, extractive_gist, key_points
from nudge.rules.importance import is_addressed_to_me, matching_keywords
from nudge.rules.plans import Plan, find_plans
from nudge.rules.tone import day_tone, message_sentiment, turned_negative
from nudge.rules.topic_clusters import day_topics
from nudge.store import history
from nudge.store import topics as topic_store
from nudge.store.preferences import user_preferences
from nudge.store.users import user_zone

# Exports carry no reply threading: a message of the user's within this window after a question
# counts as its answer; a later one (next morning, say) usually starts another topic.
REPLY_WINDOW = timedelta(hours=6)
KEY_POINTS = 4
VOICE_NOTES = 5  # transcribed voice notes shown per chat besides the key points
KEY_POINTS_WEEK = 7
CHAT_CONTEXT_TOKENS = 2048  # llm_service's chat context (llm_service/engine.py CHAT_CTX)


@dataclass(frozen=True, slots=True)
class DigestItem:
    sender: str
    sent_at: datetime
    text: str
    reason: str = ""
    voice: bool = False  # a voice note: `text` is its transcript (shown as "🎤 Ana: …")
    message_id: int | None = None  # what the controls act on (critical, ignore, remind later)

    @property
    def who(self) -> str:
        """The sender as shown, with 🎤 before a voice note's."""
        return f"🎤 {self.sender}" if self.voice else self.sender

    def to_json(self) -> dict:
        item = {"sender": self.sender, "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S"),
                "text": self.text}
        if self.message_id is not None:
            item["id"] = self.message_id
        if self.reason:
            item["reason"] = self.reason
        if self.voice:
            item["voice"] = True
        return item


@dataclass(slots=True)
class ChatDigest:
    chat: str
    chat_type: str
    messages: int
    senders: dict[str, int]
    chat_id: int | None = None
    needs_reply: list[DigestItem] = field(default_factory=list)
    important: list[DigestItem] = field(default_factory=list)
    gist: str = ""
    by: str = "extractive"  # "extractive" | "llm": which path wrote the gist
    key_points: list[DigestItem] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    tone: str = "neutral"  # positive | neutral | negative | tense
    turned_negative: bool = False
    topics: list[str] = field(default_factory=list)
    voice_notes: list[DigestItem] = field(default_factory=list)  # not already key points

    def facts_sentence(self) -> str:
        """Who wrote how much, and what waits for the user."""
        top = ", ".join(f"{name} ({count})" for name, count in
                        sorted(self.senders.items(), key=lambda kv: -kv[1])[:4])
        sentence = f"{self.messages} messages" + (f" from {top}" if top else "") + "."
        if self.needs_reply:
            n = len(self.needs_reply)
            sentence += f" {n} question{'s' if n > 1 else ''} for you still open."
        if self.important:
            sentence += f" {len(self.important)} important."
        return sentence

    @property
    def summary(self) -> str:
        """The gist and the facts line in one (the field older readers know)."""
        return f"{self.gist} ({self.facts_sentence()})" if self.gist else self.facts_sentence()

    def to_json(self) -> dict:
        return {
            "chat": self.chat,
            "chat_id": self.chat_id,
            "messages": self.messages,
            "summary": self.summary,
            "gist": self.gist,
            "by": self.by,
            "key_points": [item.to_json() for item in self.key_points],
            "plans": [plan_json(plan) for plan in self.plans],
            "tone": self.tone,
            "turned_negative": self.turned_negative,
            "topics": self.topics,
            "voice_notes": [item.to_json() for item in self.voice_notes],
            "needs_reply": [item.to_json() for item in self.needs_reply],
            "important": [item.to_json() for item in self.important],
        }


def plan_json(plan: Plan) -> dict[str, Any]:
    """CONTRACTS.md's plan record: what, when (ISO with offset), who said it."""
    return {"what": plan.title, **plan.to_json()}


@dataclass(slots=True)
class Digest:
    day: date  # the (last) day covered
    llm: str  # "ok" | "unavailable" (CONTRACTS.md)
    chats: list[ChatDigest]
    since: datetime | None = None  # the wall-clock period covered; None: the whole of `day`
    until: datetime | None = None

    @property
    def whole_day(self) -> bool:
        return self.since is None or (self.since == _midnight(self.day)
                                      and self.until == _midnight(self.day) + timedelta(days=1))

    def title(self) -> str:
        """'Monday 13 May 2024', 'Mon 06 May – Sun 12 May 2024' or 'Tue 14 May 08:00–13:00'."""
        if self.whole_day or self.since is None or self.until is None:
            return f"{self.day:%A %d %B %Y}"
        if self.since.time() == self.until.time() == datetime.min.time():
            return f"{self.since:%a %d %b} – {self.day:%a %d %b %Y}"
        end = f"{self.until:%H:%M}" if self.until.date() == self.since.date() \
            else f"{self.until:%a %d %b %H:%M}"
        return f"{self.since:%a %d %b %H:%M}–{end}"

    def to_json(self) -> dict:
        """CONTRACTS.md's digest; a period other than one whole day adds `since` and `until`."""
        out: dict[str, Any] = {"date": self.day.isoformat()}
        if not self.whole_day and self.since is not None and self.until is not None:
            out["since"] = self.since.strftime("%Y-%m-%dT%H:%M:%S")
            out["until"] = self.until.strftime("%Y-%m-%dT%H:%M:%S")
        return {**out, "llm": self.llm, "chats": [chat.to_json() for chat in self.chats]}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


@dataclass(slots=True)
class _ChatDay:
    """One chat's rows of the day while the digest is being built."""

    chat_id: int
    digest: ChatDigest
    messages: list[DayMessage] = field(default_factory=list)
    sentiments: list[float] = field(default_factory=list)


def _chat_days(rows: list[tuple[Any, ...]], *, me: str | None,
               keywords: list[str]) -> list[_ChatDay]:
    """Group the day's rows by chat: counts, open questions to the user, important messages."""
    days: dict[str, _ChatDay] = {}
    for (chat, chat_type, sender, from_me, sent_at, kind, text, critical, sender_critical,
         message_id, chat_id, sentiment, embedding, answered, voice) in rows:
        day = days.setdefault(chat, _ChatDay(chat_id, ChatDigest(chat, chat_type, 0, {}, chat_id)))
        name = (me or "You") if from_me else (sender or "?")
        day.messages.append(DayMessage(message_id, name, sent_at, text, kind, from_me,
                                       None if embedding is None else embedding.to_list(),
                                       voice=bool(voice)))
        if kind == "system":
            continue
        digest = day.digest
        digest.messages += 1
        who = "me" if from_me else (sender or "?")
        digest.senders[who] = digest.senders.get(who, 0) + 1
        if kind == "text":
            day.sentiments.append(message_sentiment(text) if sentiment is None else float(sentiment))
        if from_me or kind != "text":
            continue
        item = DigestItem(sender or "?", sent_at, text, message_id=message_id, voice=bool(voice))
        if not answered and is_addressed_to_me(text, chat_type=chat_type, me=me):
            digest.needs_reply.append(item)
        reasons = []
        if critical or sender_critical:
            reasons.append("critical contact" if sender_critical else "marked critical")
        if found := matching_keywords(text, keywords):
            reasons.append("keyword: " + ", ".join(found))
        if reasons:
            digest.important.append(DigestItem(item.sender, sent_at, text, "; ".join(reasons),
                                               message_id=message_id, voice=item.voice))
    return [day for day in days.values() if day.digest.messages]


def _plans(messages: list[DayMessage], tz: tzinfo) -> list[Plan]:
    found: list[Plan] = []
    for m in messages:
        if m.kind == "text":
            found += find_plans(m.text, said_at=m.sent_at, tz=tz, sender=m.sender, message_id=m.id)
    return sorted(found, key=lambda plan: plan.starts_at)


def _write_gist(day: _ChatDay, llm: ChatModel | None, *, capable: bool, context_tokens: int) -> str:
    """The gist (see the module docstring); returns the LLM status seen ("ok" | "unavailable")."""
    digest = day.digest
    if capable and llm is not None:
        try:
            written = abstractive_gist(day.messages, llm, context_tokens=context_tokens)
        except LLMUnavailable:
            digest.gist = extractive_gist(day.messages)
            return "unavailable"
        if written:
            digest.gist, digest.by = written, "llm"
            return "ok"
    digest.gist = extractive_gist(day.messages)
    return "ok" if llm is not None else "unavailable"


def _keep_topics(conn: psycopg.Connection[Any], *, user_id: int, chat_day: _ChatDay,
                 days: list[date], me: str | None) -> list[str]:
    """The period's topic labels; each whole day's topics and tone are kept (store.topics)."""
    digest = chat_day.digest
    texts = [m for m in chat_day.messages if m.kind == "text"]
    exclude = [*digest.senders, *(m.sender for m in texts), me or ""]
    found = day_topics([m.id for m in texts], [m.text for m in texts], [m.embedding for m in texts],
                       exclude=exclude)
    for day in days:
        if len(days) == 1:
            kept, sentiments = found, chat_day.sentiments
        else:
            of_day = [m for m in texts if m.sent_at.date() == day]
            if not of_day:
                continue
            kept = day_topics([m.id for m in of_day], [m.text for m in of_day],
                              [m.embedding for m in of_day], exclude=exclude)
            sentiments = [message_sentiment(m.text) for m in of_day]
        topic_store.save_chat_day(conn, user_id=user_id, chat_id=chat_day.chat_id, day=day,
                                  topics=[topic.to_json() for topic in kept],
                                  tone=day_tone(sentiments))
    return [topic.label for topic in found]


def build_digest(
    conn: psycopg.Connection[Any], *, user_id: int, day: date, me: str | None,
    llm: ChatModel | None, keywords: list[str] | None = None, chat_types: list[str] | None = None,
    capable: bool = False, tz: tzinfo | None = None, context_tokens: int = CHAT_CONTEXT_TOKENS,
    since: datetime | None = None, until: datetime | None = None,
) -> Digest:
    """The digest of `day`, or of the wall-clock period [since, until) (a week, or the hours since
    the last digest), for one user; busiest chat first. Ignored messages and muted chats are left
    out. Each whole day's topics and tone are kept (store.topics) for later questions."""
    since = since or _midnight(day)
    until = until or since + timedelta(days=1)
    day = (until - timedelta(microseconds=1)).date()
    rows = history.period_messages(conn, user_id=user_id, since=since, until=until,
                                   reply_window=REPLY_WINDOW, chat_types=chat_types)
    whole_days = [] if since.time() != datetime.min.time() or until.time() != datetime.min.time() \
        else [since.date() + timedelta(days=n) for n in range((until - since).days)]
    status = "ok" if llm is not None else "unavailable"
    chats = []
    for chat_day in _chat_days(rows, me=me, keywords=keywords or []):
        digest = chat_day.digest
        if _write_gist(chat_day, None if status == "unavailable" else llm, capable=capable,
                       context_tokens=context_tokens) == "unavailable" and llm is not None:
            status = "unavailable"
        limit = KEY_POINTS if len(whole_days) <= 1 else KEY_POINTS_WEEK
        digest.key_points = [DigestItem(m.sender, m.sent_at, m.text, message_id=m.id, voice=m.voice)
                             for m in key_points(chat_day.messages, limit=limit)]
        shown = {(i.sender, i.sent_at) for i in digest.key_points}
        digest.voice_notes = [DigestItem(m.sender, m.sent_at, m.text, message_id=m.id, voice=True)
                              for m in chat_day.messages
                              if m.voice and (m.sender, m.sent_at) not in shown][:VOICE_NOTES]
        digest.plans = _plans(chat_day.messages, tz or ZoneInfo("UTC"))
        digest.tone = day_tone(chat_day.sentiments)
        previous = topic_store.previous_tone(conn, user_id=user_id, chat_id=chat_day.chat_id,
                                             day=since.date())
        digest.turned_negative = turned_negative(previous, digest.tone)
        digest.topics = _keep_topics(conn, user_id=user_id, chat_day=chat_day, days=whole_days, me=me)
        digest.senders = dict(Counter(digest.senders).most_common())
        chats.append(digest)
    return Digest(day, status, sorted(chats, key=lambda d: -d.messages), since, until)


def digest_of_day(conn: psycopg.Connection[Any], *, user_id: int, day: date, me: str | None,
                  llm: ChatModel | None, capable: bool = False, since: datetime | None = None,
                  until: datetime | None = None) -> Digest:
    """build_digest with the user's own keywords, chat types and time zone (of `day`, or of the
    wall-clock period [since, until) when given)."""
    prefs = user_preferences(conn, user_id=user_id)
    return build_digest(conn, user_id=user_id, day=day, me=me, llm=llm, keywords=prefs.keywords,
                        chat_types=prefs.chat_types, capable=capable,
                        tz=user_zone(conn, user_id=user_id), since=since, until=until)


def format_digest(digest: Digest) -> str:
    """Plain text for the terminal (the bot renders its own HTML from the same Digest)."""
    lines = [f"Digest for {digest.title()}"]
    if digest.llm != "ok":
        lines.append("(the LLM was unavailable: extractive summaries)")
    if not digest.chats:
        lines.append("No messages that day." if digest.whole_day else "No messages.")
    stamp = "%H:%M" if digest.whole_day else "%a %H:%M"
    for chat in digest.chats:
        flag = "  ⚠ the tone turned " + chat.tone if chat.turned_negative else ""
        lines += ["", f"== {chat.chat} ==  ({chat.facts_sentence()}){flag}", chat.gist]
        if chat.key_points:
            lines.append("Key points:")
            lines += [f"  • {i.sent_at:{stamp}} {i.who}: {i.text}" for i in chat.key_points]
        lines += [f"  {i.who} {i.sent_at:{stamp}}: {i.text}" for i in chat.voice_notes]
        if chat.plans:
            lines.append("Plans:")
            lines += [f"  📅 {format_when(plan)} {plan.title} ({plan.sender})" for plan in chat.plans]
        if chat.topics:
            lines.append("Topics: " + "; ".join(chat.topics))
        for item in chat.needs_reply:
            lines.append(f"  ? {item.sent_at:{stamp}} {item.who}: {item.text}  (#{item.message_id})")
        for item in chat.important:
            lines.append(f"  ! {item.sent_at:{stamp}} {item.who}: {item.text}  [{item.reason}]"
                         f"  (#{item.message_id})")
    return "\n".join(lines)


def format_when(plan: Plan) -> str:
    """"Fri 29 Nov 20:00–23:00", or the day alone for an all-day plan."""
    if plan.all_day:
        return f"{plan.starts_at:%a %d %b}"
    end = f"–{plan.ends_at:%H:%M}" if plan.ends_at else ""
    return f"{plan.starts_at:%a %d %b %H:%M}{end}"
