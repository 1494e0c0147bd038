"""HTML for Telegram (parse mode HTML): every piece of chat text escaped, replies split under the limit.

Pure functions: they take core results and return strings, so they are tested without a bot.
Buttons are returned as (label, callback_data) rows; the handlers turn them into PTB markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.constants import MessageLimit

MAX_MESSAGE = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted in UTF-16 code units
_SNIPPET = 300

Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers: HTML text, and optional inline buttons under its last part."""

    html: str
    buttons: Buttons = field(default_factory=list)


def esc(text: object) -> str:
    """Escape <, > and & (and nothing else: quotes are fine outside attributes)."""
    return html.escape(str(text), quote=False)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _snippet(text: str, limit: int = _SNIPPET) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_TONE_MARK = {"negative": "😟", "tense": "⚡"}
# Inline keyboards stay small (Telegram allows 100 buttons): at most this many rows of each kind.
MAX_PLAN_ROWS = 8
MAX_ITEM_ROWS = 10
MAX_CHAT_ROWS = 8


def item_buttons(number: int, message_id: int) -> list[tuple[str, str]]:
    """Controls of one digest item: mark critical, ignore, remind me later (callback data is a
    short verb and the message id: Telegram allows 64 bytes)."""
    return [(f"❗ {number}", f"crit:{message_id}"), (f"🙈 {number}", f"ign:{message_id}"),
            (f"⏰ {number}", f"later:{message_id}")]


def chat_buttons(chat: str, chat_id: int) -> list[tuple[str, str]]:
    """Controls of one chat: suggest a reply, mute it."""
    name = _snippet(chat, 18)
    return [(f"💬 {name}", f"sug:{chat_id}"), (f"🔇 {name}", f"mute:{chat_id}")]


def render_digest(digest: Any) -> Reply:
    """A features.digest.Digest as HTML: per chat the gist first, key points, plans (each with an
    "add to calendar" button), topics, then open questions and important messages, numbered:
    under the digest, each numbered item has ❗ critical / 🙈 ignore / ⏰ later buttons and each
    chat 💬 suggest a reply / 🔇 mute."""
    from nudge.features.digest import format_when

    title = digest.title() if hasattr(digest, "title") else f"{digest.day:%A %d %B %Y}"
    whole_day = getattr(digest, "whole_day", True)
    stamp = "%H:%M" if whole_day else "%a %H:%M"
    lines = [f"<b>Digest for {esc(title)}</b>"]
    plan_rows: Buttons = []
    item_rows: Buttons = []
    chat_rows: Buttons = []
    if digest.llm != "ok":
        lines.append("<i>The LLM was unavailable: extractive summaries.</i>")
    if not digest.chats:
        lines.append("No messages that day." if whole_day else "No messages.")
    for chat in digest.chats:
        flag = f" {_TONE_MARK.get(chat.tone, '')} <i>the tone turned {esc(chat.tone)}</i>" \
            if chat.turned_negative else ""
        lines += ["", f"<b>{esc(chat.chat)}</b> · {esc(chat.facts_sentence())}{flag}", esc(chat.gist)]
        for item in chat.key_points:
            lines.append(f"• {item.sent_at:{stamp}} <i>{esc(item.who)}</i>: "
                         f"{esc(_snippet(item.text))}")
        for item in chat.voice_notes:
            lines.append(f"🎤 <i>{esc(item.sender)}</i> {item.sent_at:{stamp}}: "
                         f"{esc(_snippet(item.text))}")
        for plan in chat.plans:
            place = f" @ {esc(plan.place)}" if plan.place else ""
            lines.append(f"📅 {esc(format_when(plan))} {esc(_snippet(plan.title, 60))}{place}")
            if plan.message_id is not None and len(plan_rows) < MAX_PLAN_ROWS:
                plan_rows.append([(f"📅 Add: {_snippet(plan.title, 30)}", f"ics:{plan.message_id}")])
        if chat.topics:
            lines.append(f"🏷 {esc('; '.join(chat.topics))}")
        for mark, item in [*(("❓", i) for i in chat.needs_reply), *(("❗", i) for i in chat.important)]:
            reason = f" [{esc(item.reason)}]" if item.reason else ""
            number = ""
            message_id = getattr(item, "message_id", None)
            if message_id is not None and len(item_rows) < MAX_ITEM_ROWS:
                item_rows.append(item_buttons(len(item_rows) + 1, message_id))
                number = f"{len(item_rows)}. "
            lines.append(f"{mark} {number}{item.sent_at:{stamp}} <i>{esc(item.who)}</i>: "
                         f"{esc(_snippet(item.text))}{reason}")
        chat_id = getattr(chat, "chat_id", None)
        if chat_id is not None and len(chat_rows) < MAX_CHAT_ROWS:
            chat_rows.append(chat_buttons(chat.chat, chat_id))
    if item_rows:
        lines += ["", "❗ critical · 🙈 ignore · ⏰ remind me later · 💬 suggest a reply · 🔇 mute"]
    return Reply("\n".join(lines), plan_rows + item_rows + chat_rows)


def render_topics(days: Sequence[Any]) -> str:
    """features.topics.ChatDayTopics, one line per chat-day."""
    if not days:
        return "No digested days this week yet: topics are kept when a digest is made (/digest)."
    lines = ["<b>Topics this week</b>"]
    for day in days:
        tone = f" · {esc(day.tone)}" if day.tone else ""
        lines.append(f"{day.day:%a %d %b} <b>{esc(day.chat)}</b>: {esc('; '.join(day.labels) or '–')}{tone}")
    return "\n".join(lines)


def reply_markup(reply: Reply) -> Any:
    """The inline keyboard of a Reply's buttons, or None."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in reply.buttons])


def render_search(query: str, hits: Sequence[Any], answer: str | None) -> str:
    """Search hits (chat, sender, time, text) under a short answer grounded in them."""
    if not hits:
        return f"Nothing found for <i>{esc(query)}</i>."
    lines = [f"<b>Search:</b> {esc(query)}"]
    if answer:
        lines += ["", esc(answer)]
    lines.append("")
    for hit in hits:
        sender = hit.sender or "?"
        lines.append(f"• <b>{esc(hit.chat)}</b> · <i>{esc(sender)}</i> · {_when(hit.sent_at)}")
        lines.append(esc(hit.text.strip()))
    return "\n".join(lines)


SOURCE_LABELS = {"yours": "your words", "llm": "model", "template": "template"}


def render_suggestions(suggestions: Any) -> Reply:
    """The messages being answered, the numbered replies with where each came from (your words,
    model, template), approve/copy buttons per reply, and how to approve an edited version."""
    if not suggestions.replies:
        return Reply(esc(suggestions.message or f"Nothing to answer in {suggestions.chat}."))
    lines = [f"<b>Replies for {esc(suggestions.chat)}</b>"]
    for item in suggestions.replying_to[-3:]:
        lines.append(f"<i>{esc(item.sender)}</i>: {esc(_snippet(item.text, 200))}")
    if suggestions.message:
        lines.append(f"<i>{esc(suggestions.message)}</i>")
    lines.append("")
    buttons: Buttons = []
    sources = list(getattr(suggestions, "sources", [])) or [""] * len(suggestions.replies)
    for number, (text, ident, source) in enumerate(
            zip(suggestions.replies, suggestions.ids, sources, strict=False), 1):
        label = f" · <i>{SOURCE_LABELS[source]}</i>" if source in SOURCE_LABELS else ""
        lines.append(f"{number}. {esc(text)}{label}")
        buttons.append([(f"✅ {number}", f"approve:{ident}"), (f"📋 {number}", f"copy:{ident}")])
    lines.append("")
    lines.append("✅ approves a reply (it teaches later suggestions); 📋 sends it on its own to copy.")
    if suggestions.ids:
        numbers = ", ".join(f"{n} = {i}" for n, i in enumerate(suggestions.ids, 1))
        lines.append(f"✏️ Changed it? <code>/approve {suggestions.ids[0]} your words</code> "
                     f"stores your version ({numbers}).")
    return Reply("\n".join(lines), buttons)


def render_import(result: Any) -> str:
    """The answer to an uploaded export: '412 new messages in 'Trip', 3 already known'."""
    plural = "s" if result.inserted != 1 else ""
    text = f"{result.inserted} new message{plural} in <b>'{esc(result.chat)}'</b>"
    text += f", {result.duplicates} already known"
    if result.skipped:
        text += f", {result.skipped} skipped (system notices, empty)"
    text += "."
    if getattr(result, "renamed_from", None):
        text += (f"\nThis is the chat you had as <b>'{esc(result.renamed_from)}'</b>, renamed: "
                 "its history is kept once, under the new name.")
    return text


def render_reminders(lines: Sequence[str]) -> str:
    """Open reminders, one plain line each (features.reminders.format_reminder), and how to act
    on them."""
    if not lines:
        return "No open reminders."
    body = "\n".join(esc(line) for line in lines)
    return (f"<b>Reminders</b>\n{body}\n\n"
            "/remind snooze &lt;id&gt; &lt;when&gt; · /remind clear &lt;id&gt; · /remind clear all")


def reminder_buttons(reminder: Any) -> list[tuple[str, str]]:
    """Controls of one pushed reminder: later (snooze), done (clear), ignore the message or mute
    the chat, suggest a reply."""
    row = [(f"⏰ #{reminder.id}", f"snz:{reminder.id}"), (f"✅ #{reminder.id}", f"clr:{reminder.id}")]
    if getattr(reminder, "message_id", None) is not None:
        row.append((f"🙈 #{reminder.id}", f"ign:{reminder.message_id}"))
    elif getattr(reminder, "chat_id", None) is not None:
        row.append((f"🔇 #{reminder.id}", f"mute:{reminder.chat_id}"))
    if getattr(reminder, "chat_id", None) is not None:
        row.append((f"💬 #{reminder.id}", f"sug:{reminder.chat_id}"))
    return row


def render_due_reminders(reminders: Sequence[Any]) -> Reply:
    """The reminders the schedule pushes: which chat waits, for what, and how to silence it, with
    ⏰ later / ✅ done / 🙈 ignore (or 🔇 mute) / 💬 suggest a reply buttons per reminder."""
    lines = ["<b>⏰ Still waiting for your reply</b>"]
    buttons: Buttons = [reminder_buttons(r) for r in reminders[:MAX_ITEM_ROWS]]
    for r in reminders:
        line = f"#{r.id} <b>{esc(r.chat or '?')}</b>"
        if r.text:
            line += f" · <i>{esc(r.sender or '?')}</i>: {esc(_snippet(r.text, 200))}"
        if r.note:
            line += f" — {esc(_snippet(r.note, 200))}"
        if r.reason:
            line += f" ({esc(r.reason)})"
        lines.append(line)
    lines += ["", "⏰ later · ✅ done · 🙈 ignore the message · 🔇 mute the chat · 💬 suggest a reply",
              "/remind snooze &lt;id&gt; 1h · /remind clear &lt;id&gt; · /remind"]
    return Reply("\n".join(lines), buttons)


# --- splitting -------------------------------------------------------------------------------

_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _pieces(line: str, limit: int) -> list[str]:
    """A line too long for one message, cut between tokens (never inside a tag or an entity);
    tags open at a cut are closed before it and opened again after it."""
    out: list[str] = []
    current = ""
    open_tags: list[tuple[str, str]] = []  # (name, opening tag)
    for token in _TOKEN.findall(line):
        chunks = [token]
        if not token.startswith(("<", "&")):  # words, and words too long cut in halves of the limit
            step = max(1, limit // 4)
            chunks = [word[i:i + step] for word in re.findall(r"\S+\s*|\s+", token)
                      for i in range(0, len(word), step)]
        for chunk in chunks:
            closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
            if current and utf16_len(current + chunk + closing) > limit:
                out.append(current + closing)
                current = "".join(tag for _, tag in open_tags)
            current += chunk
            tag = _TAG.fullmatch(chunk)
            if tag and tag[1]:
                if open_tags and open_tags[-1][0] == tag[2].lower():
                    open_tags.pop()
            elif tag:
                open_tags.append((tag[2].lower(), chunk))
    if current:
        out.append(current)
    return out


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut on line boundaries (a single overlong line is
    cut between words or tokens). Rendered HTML keeps every tag within one line, so each part is
    valid HTML on its own."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if utf16_len(line) <= limit:
            current = line
        else:
            *full, current = _pieces(line, limit)
            parts.extend(full)
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()] or [""]
