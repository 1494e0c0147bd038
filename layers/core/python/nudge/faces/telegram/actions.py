"""What the bot does, as plain synchronous functions over the core: services in, Reply out.

Commands and plain-words requests end up here alike, so both behave the same. Each function
runs in a worker thread (see backend.py); core errors propagate and the error handler words them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nudge.bootstrap import Services
from nudge.errors import InputError, LLMUnavailable, NudgeError
from nudge.faces.telegram.render import (
    Reply,
    esc,
    render_digest,
    render_import,
    render_reminders,
    render_search,
    render_suggestions,
    render_topics,
)
from nudge.store import users
from nudge.store.chats import resolve_chat
from nudge.store.contacts import resolve_contact

log = logging.getLogger(__name__)
SEARCH_LIMIT = 5
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 300}},
    "required": ["answer"],
}
CHAT_TYPES = ("one_to_one", "group")


def user_zone(services: Services) -> ZoneInfo:
    try:
        return users.user_zone(services.conn, user_id=services.user_id)
    except NudgeError:
        return ZoneInfo("UTC")


def resolve_name(services: Services, name: str, *, table: str = "chats") -> str:
    """The stored chat (or contact) name a user means (store.chats.resolve_chat's matching)."""
    if table == "contacts":
        return resolve_contact(services.conn, user_id=services.user_id, name=name)
    return resolve_chat(services.conn, user_id=services.user_id, name=name)[1]


def digest(services: Services, *, when: str | None = None, day: date | None = None) -> Reply:
    """The digest of `day`, or of the day `when` names ("yesterday", "2024-05-01", "lunes"),
    default yesterday in the user's time zone."""
    from nudge.features.digest import digest_of_day
    from nudge.rules.timewords import resolve_day

    today = datetime.now(user_zone(services)).date()
    if day is None and when and when.strip():
        day = resolve_day(when, today)
        if day is None:
            raise InputError(f"Which day is '{when.strip()}'? "
                             "Example: /digest 2024-05-01 or /digest yesterday")
    day = day or today - timedelta(days=1)
    return render_digest(digest_of_day(services.conn, user_id=services.user_id, day=day, me=services.me,
                                       llm=services.chat_model(), capable=services.capable))


def _grounded_answer(llm: Any, query: str, hits: list[Any]) -> str | None:
    """One or two sentences phrased by the LLM from the hits only; None without a usable answer."""
    if llm is None or not hits:
        return None
    lines = "\n".join(f"[{h.chat}] {h.sender or '?'} ({h.sent_at:%Y-%m-%d %H:%M}): {h.text[:300]}"
                      for h in hits)
    prompt = [
        {"role": "system", "content": "Answer the question in one short sentence using only the "
                                      "messages given. If they do not answer it, say so."},
        {"role": "user", "content": f"Question: {query}\nMessages:\n{lines}\n\nReply as JSON "
                                    "with an 'answer'."},
    ]
    try:
        answer = str(llm.chat_json(prompt, schema=ANSWER_SCHEMA, max_tokens=80).get("answer", ""))
    except LLMUnavailable:
        return None
    return answer.strip()[:300] or None


def search(services: Services, *, query: str, sender: str | None = None) -> Reply:
    from nudge.features.search import search as search_messages

    query = query.strip()
    if not query:
        raise InputError("What should I look for? Example: /search party saturday")
    vector = services.embed_query(query)
    hits = search_messages(services.conn, user_id=services.user_id, query=query,
                           query_embedding=vector, sender=sender, limit=SEARCH_LIMIT) if sender else []
    if not hits:
        hits = search_messages(services.conn, user_id=services.user_id, query=query,
                               query_embedding=vector, limit=SEARCH_LIMIT)
    return Reply(render_search(query, hits, _grounded_answer(services.llm, query, hits)))


def suggest(services: Services, *, chat: str) -> Reply:
    from nudge.features.suggest import suggest_replies

    name = resolve_name(services, chat)
    result = suggest_replies(services.conn, user_id=services.user_id, chat=name, llm=services.llm,
                             n=3, me=services.me, embed=services.embed, capable=services.capable)
    return render_suggestions(result)


def approve(services: Services, *, suggestion_id: int, edited_text: str | None = None) -> str:
    """Approve a suggestion, as suggested or as the user edited it; the approved text."""
    from nudge.features.suggest import approve_suggestion

    return approve_suggestion(services.conn, user_id=services.user_id, suggestion_id=suggestion_id,
                              edited_text=edited_text)


def queued_for(services: Services, *, suggestion_id: int) -> str | None:
    """'Queued for WhatsApp' when an approved suggestion went to the outbox, else None."""
    from nudge.faces.telegram.outbox import render_queued
    from nudge.features.outbox import for_suggestion

    item = for_suggestion(services.conn, user_id=services.user_id, suggestion_id=suggestion_id)
    return None if item is None or item.state != "queued" else render_queued(item)


def outbox_list(services: Services) -> Reply:
    """/outbox: the latest replies on their way to WhatsApp, and what became of them."""
    from nudge.faces.telegram.outbox import render_outbox
    from nudge.features import outbox

    items = outbox.list_items(services.conn, user_id=services.user_id, limit=10, now=datetime.now(UTC))
    return render_outbox(items, enabled=outbox.is_enabled(services.conn, user_id=services.user_id))


def outbox_send(services: Services, *, chat: str, text: str) -> Reply:
    """/send <chat>: <text>: a custom reply into the outbox."""
    from nudge.faces.telegram.outbox import render_queued
    from nudge.features.outbox import queue_custom

    item = queue_custom(services.conn, user_id=services.user_id, chat=resolve_name(services, chat),
                        text=text)
    return Reply(render_queued(item))


def outbox_again(services: Services, *, outbox_id: int) -> Reply:
    """The user chose to send a failed or unknown reply again."""
    from nudge.faces.telegram.outbox import render_queued
    from nudge.features.outbox import queue_again

    return Reply(render_queued(queue_again(services.conn, user_id=services.user_id, outbox_id=outbox_id)))


def outbox_cancel(services: Services, *, outbox_id: int) -> Reply:
    from nudge.features.outbox import cancel

    cancel(services.conn, user_id=services.user_id, outbox_id=outbox_id)
    return Reply(f"Reply #{outbox_id} taken out of the outbox: it will not be sent.")


def topics(services: Services, *, chat: str | None) -> Reply:
    """What a chat (or every chat) talked about on the digested days of the past week."""
    from nudge.features.topics import recent_topics

    name = re.sub(r"^(?:the|die|der|el|la|los)\s+|\s+(?:group|chat|gruppe|grupo)$", "", (chat or "").strip(),
                  flags=re.IGNORECASE) or None
    today = datetime.now(user_zone(services)).date()
    days = recent_topics(services.conn, user_id=services.user_id, chat=name, until=today, days=7)
    return Reply(render_topics(days))


def plan_calendar(services: Services, *, message_id: int) -> bytes:
    """The .ics of the plans in one message (a digest's "📅 Add" button)."""
    from nudge.features.plans import message_calendar

    return message_calendar(services.conn, user_id=services.user_id, message_id=message_id,
                            tz=user_zone(services), me=services.me)


def suggestion_text(services: Services, *, suggestion_id: int) -> str:
    from nudge.features.suggest import suggestion_text as text_of

    return text_of(services.conn, user_id=services.user_id, suggestion_id=suggestion_id)


def check_export(data: bytes, file_name: str) -> None:
    """The checks /ingest makes on a zip (entries, sizes, unsafe names), as one clear answer."""
    from nudge.faces.http.errors import ApiError
    from nudge.faces.http.zipcheck import check_zip, looks_like_zip

    if not data.strip():
        raise InputError(f"'{file_name}' is empty.")
    if looks_like_zip(data):
        try:
            check_zip(data)
        except ApiError as exc:
            raise InputError(f"'{file_name}': {exc.message}") from None


MAX_SENDERS_LISTED = 12


def import_document(services: Services, *, data: bytes, file_name: str,
                    chat_name: str | None, first_name: str | None = None) -> Reply:
    """Import an uploaded export, then queue its enrichment (or, with no queue, enrich it here).
    The user's name must be known first (it decides which messages are theirs): the profile's,
    else their Telegram first name when it is one of the export's senders; otherwise the bot
    asks for it and imports nothing yet."""
    from nudge.features.enrichment import enrich_available
    from nudge.features.identity import is_me, set_my_name
    from nudge.features.importing import import_export
    from nudge.whatsapp import parse_bytes
    from nudge.whatsapp.voice import audio_members

    check_export(data, file_name)
    parsed = parse_bytes(data, source=file_name)
    if not (chat_name or parsed.chat_name):
        raise InputError(f"I can't tell the chat's name from '{file_name}'. Send the file again "
                         "with the chat's name as its caption.")
    if not services.me:
        senders = sorted({m.sender for m in parsed.messages if m.sender}, key=str.casefold)
        if first_name and any(is_me(s, first_name) for s in senders):
            set_my_name(services.conn, user_id=services.user_id, name=first_name.strip())
            services.me = first_name.strip()
        else:
            listed = ", ".join(f"<i>{esc(s)}</i>" for s in senders[:MAX_SENDERS_LISTED])
            return Reply("Before I import: what is your name in your WhatsApp chats? It tells "
                         "me which messages are yours."
                         + (f"\nIn this chat: {listed}." if listed else "")
                         + "\nSend <code>/settings name YOUR NAME</code>, then the file again.")
    result = import_export(services.conn, parsed, user_id=services.user_id, chat_name=chat_name,
                           me=services.me, audio=audio_members(data, parsed.media_files),
                           keep_audio=services.settings.keep_audio)
    if result.inserted and not _queue_enrichment(services):  # LLM away: the backlog waits
        enrich_available(services.conn, services.embed, user_id=services.user_id,
                      transcriber=services.llm)
    return Reply(render_import(result))


def _queue_enrichment(services: Services) -> bool:
    """Queue the new messages' enrichment; False when there is no queue (enrich them here). A
    queue that fails is logged and left to the schedules' catch-up: the messages are stored."""
    from nudge.features import jobs

    try:
        return jobs.submit("enrich", {"user_id": services.user_id}, settings=services.settings)
    except Exception:
        log.exception("enrichment job not queued; the scheduled catch-up will find the messages")
        return True


# --- reminders ---------------------------------------------------------------------------------

def list_reminders(services: Services) -> Reply:
    from nudge.features.reminders import format_reminder
    from nudge.features.reminders import list_reminders as open_reminders

    tz = user_zone(services)
    found = open_reminders(services.conn, user_id=services.user_id)
    return Reply(render_reminders([format_reminder(r, tz) for r in found]))


def add_reminder(services: Services, *, chat: str, when: str | None, note: str | None = None,
                 now: datetime | None = None) -> Reply:
    from nudge.features.reminders import add_reminder as add
    from nudge.rules.timewords import parse_when

    now = now or datetime.now(UTC)
    tz = user_zone(services)
    name = resolve_name(services, chat)
    due = parse_when(when, now=now, tz=tz) if when else now.astimezone(tz) + timedelta(hours=1)
    reminder = add(services.conn, user_id=services.user_id, chat=name, due_at=due, note=note)
    return Reply(f"⏰ I'll remind you about <b>{esc(name)}</b> on "
                 f"{reminder.due_at.astimezone(tz):%a %d %b %H:%M}, and again until you reply "
                 f"or clear it (#{reminder.id}).")


def snooze_reminder(services: Services, *, reminder_id: int, when: str,
                    now: datetime | None = None) -> Reply:
    from nudge.features.reminders import snooze
    from nudge.rules.timewords import parse_when

    tz = user_zone(services)
    until = parse_when(when, now=now or datetime.now(UTC), tz=tz)
    snooze(services.conn, user_id=services.user_id, reminder_id=reminder_id, until=until)
    return Reply(f"😴 Reminder #{reminder_id} snoozed until {until:%a %d %b %H:%M}.")


def clear_reminders(services: Services, *, reminder_id: int | None) -> Reply:
    from nudge.features.reminders import clear

    count = clear(services.conn, user_id=services.user_id, reminder_id=reminder_id)
    if reminder_id is not None:
        return Reply(f"Reminder #{reminder_id} cleared.")
    return Reply(f"{count} reminder{'s' if count != 1 else ''} cleared.")


# --- importance criteria and settings ----------------------------------------------------------

def mark_critical(services: Services, *, name: str | None, critical: bool = True) -> Reply:
    """A contact (by name) or a single message (`#123` or `123`: its id) critical or not."""
    from nudge.store.contacts import critical_contacts, set_contact_critical

    if name and (found := re.fullmatch(r"\s*#?(\d+)\s*", name)):
        return control_message(services, message_id=int(found[1]),
                               action="critical" if critical else "uncritical")
    if name:
        contact = resolve_name(services, name, table="contacts")
        set_contact_critical(services.conn, user_id=services.user_id, name=contact, critical=critical)
        state = "critical: their messages are flagged and reminded" if critical else "no longer critical"
        return Reply(f"<b>{esc(contact)}</b> is {state}.")
    names = critical_contacts(services.conn, user_id=services.user_id)
    listed = ", ".join(esc(n) for n in names) if names else "none yet"
    return Reply(f"Critical contacts: {listed}.\nAdd one: /critical Ana · remove: /critical remove Ana")


def set_keywords(services: Services, *, text: str) -> Reply:
    from nudge.store.preferences import save_preferences, user_preferences

    prefs = user_preferences(services.conn, user_id=services.user_id)
    words = text.strip()
    if words.casefold() in ("clear", "none", "-"):
        prefs = replace(prefs, keywords=[])
    elif words:
        separator = r"[,;]" if re.search(r"[,;]", words) else r"\s+"  # "a, b c" keeps "b c"
        new = [w.strip() for w in re.split(separator, words) if w.strip()]
        merged = list(dict.fromkeys([*prefs.keywords, *new]))
        prefs = replace(prefs, keywords=merged)
    save_preferences(services.conn, user_id=services.user_id, prefs=prefs)
    listed = ", ".join(esc(k) for k in prefs.keywords) if prefs.keywords else "none"
    return Reply(f"Keywords: {listed}.\nAdd: /keywords visa, rent · remove all: /keywords clear")


def change_settings(services: Services, *, line: str) -> Reply:
    """`time 07:30`, `tz Europe/Berlin`, `chats group,one_to_one`, `remind 60`, `outbox on|off`, or
    nothing to show."""
    from nudge.store.preferences import save_preferences, user_preferences

    prefs = user_preferences(services.conn, user_id=services.user_id)
    remarked = 0
    key, _, value = line.strip().partition(" ")
    key, value = key.lower(), value.strip()
    if key in ("time", "zeit", "hora") and value:
        from nudge.rules.digest_schedule import parse_time

        prefs = replace(prefs, daily_time=parse_time(value))
    elif key in ("tz", "timezone", "zeitzone", "zona") and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"Unknown time zone '{value}'. Example: Europe/Berlin") from exc
        users.set_zone(services.conn, user_id=services.user_id, timezone=value)
    elif key in ("chats", "chat") and value:
        types = [t.strip().lower() for t in re.split(r"[,\s]+", value) if t.strip()]
        types = ["one_to_one" if t in ("direct", "private", "1:1", "one-to-one") else t for t in types]
        if not types or any(t not in CHAT_TYPES for t in types):
            raise InputError("Chat types are group and one_to_one. Example: /settings chats group")
        prefs = replace(prefs, chat_types=list(dict.fromkeys(types)))
    elif key in ("name", "me") and value:
        from nudge.features.identity import set_my_name

        remarked = set_my_name(services.conn, user_id=services.user_id, name=value)
        services.me = value.strip()
    elif key in ("digest", "frequency", "digests", "summary") and value:
        from nudge.features.settings import set_digest_frequency

        set_digest_frequency(services.conn, user_id=services.user_id, text=value)
        prefs = user_preferences(services.conn, user_id=services.user_id)
    elif key == "outbox" and value:
        from nudge.features.outbox import set_enabled

        if value.lower() not in ("on", "off"):
            raise InputError("The outbox is on or off. Example: /settings outbox on")
        set_enabled(services.conn, user_id=services.user_id, enabled=value.lower() == "on")
    elif key in ("remind", "reminders", "interval") and value:
        if not value.isdigit() or not 5 <= int(value) <= 10080:
            raise InputError("The reminder interval is minutes, 5 to 10080. Example: /settings remind 60")
        prefs = replace(prefs, reminder_interval_minutes=int(value))
    elif key:
        raise InputError("Try: /settings time 07:30 · /settings digest weekly sunday 18:00 · "
                         "/settings tz Europe/Berlin · /settings chats group,one_to_one · "
                         "/settings remind 60 · /settings name Sam · /settings outbox on")
    if key and key != "outbox":
        save_preferences(services.conn, user_id=services.user_id, prefs=prefs)
    from nudge.features.outbox import is_enabled
    from nudge.features.settings import digest_frequency

    outbox_state = "on: approved and custom replies are sent to WhatsApp by the collector" \
        if is_enabled(services.conn, user_id=services.user_id) else "off"
    tz = user_zone(services)
    chats = ", ".join(prefs.chat_types or CHAT_TYPES)
    schedule = digest_frequency(services.conn, user_id=services.user_id)
    note = (f"{remarked} stored message{'s' if remarked != 1 else ''} re-marked as yours or "
            "not.\n\n") if remarked else ""
    return Reply(note + "<b>Settings</b>\n"
                 f"Your name in the chats: {esc(services.me or 'not set')}\n"
                 f"Digest: {esc(schedule.describe())}\n"
                 f"Digest time: {prefs.daily_time:%H:%M}\nTime zone: {esc(tz.key)}\n"
                 f"Chat types: {esc(chats)}\nRemind again every {prefs.reminder_interval_minutes} min\n"
                 f"Outbox: {outbox_state}\n\n"
                 "Change: /settings time 07:30 · digest daily|weekly sunday 18:00|times 08:00,19:00|"
                 "manual|off · tz Europe/Berlin · chats group,one_to_one · remind 60 · name Sam"
                 " · outbox on")


# --- controls: one message, one chat -------------------------------------------------------------

def _quoted(message: Any) -> str:
    who = "you" if message.from_me else (message.sender or "?")
    return f"<i>{esc(who)}</i> in <b>{esc(message.chat)}</b>: “{esc(message.text[:120])}”"


def control_message(services: Services, *, message_id: int, action: str) -> Reply:
    """critical / uncritical / ignore / unignore one message; the answer offers the undo."""
    from nudge.features import controls

    conn, user_id = services.conn, services.user_id
    if action in ("critical", "uncritical"):
        message = controls.mark_critical(conn, user_id=user_id, message_id=message_id,
                                         critical=action == "critical")
        if message.critical:
            return Reply(f"❗ Marked critical: {_quoted(message)}. It stays in your digest and "
                         "gets reminders until you reply.", [[("↩ Undo", f"uncrit:{message_id}")]])
        return Reply(f"No longer critical: {_quoted(message)}.")
    message = controls.ignore_message(conn, user_id=user_id, message_id=message_id,
                                      ignored=action == "ignore")
    if message.ignored:
        return Reply(f"🙈 Ignored: {_quoted(message)}. It leaves your digest, reminders and "
                     "questions.", [[("↩ Undo", f"unign:{message_id}")]])
    return Reply(f"No longer ignored: {_quoted(message)}.")


def mute_chat(services: Services, *, chat: str | int, muted: bool = True) -> Reply:
    """Mute or unmute a chat (by name or id); the answer offers the undo."""
    from nudge.features import controls

    state = controls.mute_chat(services.conn, user_id=services.user_id, chat=chat, muted=muted)
    if muted:
        return Reply(f"🔇 <b>{esc(state.chat)}</b> is muted: no digest and no reminders for it.",
                     [[("↩ Unmute", f"unmute:{state.id}")]])
    return Reply(f"🔔 <b>{esc(state.chat)}</b> is unmuted: it is back in your digest and reminders.")


def list_muted(services: Services) -> Reply:
    from nudge.features import controls

    found = controls.muted_chats(services.conn, user_id=services.user_id)
    if not found:
        return Reply("No muted chats. Mute one: /mute Ana")
    return Reply("<b>Muted chats</b>\n" + "\n".join(f"🔇 {esc(c.chat)}" for c in found)
                 + "\n\nUnmute: /unmute &lt;chat&gt;",
                 [[(f"🔔 {c.chat[:24]}", f"unmute:{c.id}")] for c in found[:10]])


def list_ignored(services: Services) -> Reply:
    from nudge.features import controls

    found = controls.flagged_messages(services.conn, user_id=services.user_id, ignored=True)
    if not found:
        return Reply("No ignored messages.")
    lines = [f"#{m.id} {m.sent_at:%Y-%m-%d %H:%M} {_quoted(m)}" for m in found[:20]]
    return Reply("<b>Ignored messages</b>\n" + "\n".join(lines)
                 + "\n\nStop ignoring one: /unignore &lt;id&gt;")


def remind_later(services: Services, *, message_id: int, now: datetime | None = None) -> Reply:
    """⏰ under a digest item: remind me of this message later (features.controls.LATER)."""
    from nudge.features import controls

    tz = user_zone(services)
    reminder = controls.remind_later(services.conn, user_id=services.user_id, message_id=message_id,
                                     now=now)
    return Reply(f"⏰ I'll remind you about <b>{esc(reminder.chat or '?')}</b> at "
                 f"{reminder.due_at.astimezone(tz):%a %d %b %H:%M}, and again until you reply "
                 f"(#{reminder.id}).", [[("✅ Cancel", f"clr:{reminder.id}")]])


def snooze_later(services: Services, *, reminder_id: int, now: datetime | None = None) -> Reply:
    """⏰ under a pushed reminder: ask again later (features.controls.LATER)."""
    from nudge.features.controls import LATER
    from nudge.features.reminders import snooze

    tz = user_zone(services)
    until = (now or datetime.now(UTC)) + LATER
    snooze(services.conn, user_id=services.user_id, reminder_id=reminder_id, until=until)
    return Reply(f"😴 Reminder #{reminder_id} snoozed until {until.astimezone(tz):%a %d %b %H:%M}.")


def suggest_for_chat(services: Services, *, chat_id: int) -> Reply:
    """💬 under a digest chat or a reminder: reply suggestions for that chat."""
    from nudge.features.controls import chat_name

    return suggest(services, chat=chat_name(services.conn, user_id=services.user_id, chat_id=chat_id))
