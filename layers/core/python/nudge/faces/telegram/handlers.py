"""The bot's callbacks, one per thing it does. Each parses the update, asks actions.py (in a worker
thread, through the Backend) and sends the reply as HTML split under Telegram's limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Update
from telegram.constants import FileSizeLimit, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from nudge.errors import InputError, NudgeError
from nudge.faces.telegram import actions, uploads
from nudge.faces.telegram.backend import Backend
from nudge.faces.telegram.intents import Intent, classify, match_rules, when_of
from nudge.faces.telegram.render import Reply, esc, reply_markup, split_message

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
MAX_EXPORT_BYTES = FileSizeLimit.FILESIZE_DOWNLOAD  # the Bot API's getFile limit (20 MB)

HELP = (
    "<b>Nudge</b> keeps an eye on your WhatsApp chats.\n\n"
    "📎 Send a WhatsApp export (.txt or .zip) to import it.\n"
    "/digest [date] · what happened (default yesterday)\n"
    "/search &lt;words&gt; · find messages\n"
    "/suggest &lt;chat&gt; · three replies in your style\n"
    "/approve &lt;id&gt; [edited text] · keep a suggestion (your edited version if given)\n"
    "/remind · list; /remind Ben tonight · set; /remind snooze 3 tomorrow; /remind clear 3\n"
    "/critical &lt;contact&gt; · flag a contact (/critical #id · one message); "
    "/keywords &lt;words&gt; · words that matter\n"
    "/ignore #id · drop a message from digests and reminders; /unignore #id\n"
    "/mute &lt;chat&gt; · no digest or reminders for it; /unmute &lt;chat&gt;\n"
    "/topics [chat] · what your chats talked about this week\n"
    "/send &lt;chat&gt;: &lt;text&gt; · a reply for WhatsApp; /outbox · what was sent\n"
    "/settings · digest frequency and time, time zone, chat types, reminder interval, "
    "outbox on/off\n"
    "Under a digest or a reminder: ❗ critical · 🙈 ignore · ⏰ later · 💬 suggest a reply · "
    "🔇 mute · 📅 add to calendar\n\n"
    "Or just ask: <i>what happened yesterday?</i> · <i>what did Emre say about the party?</i> · "
    "<i>help me answer Ana</i> · <i>remind me to answer Ben tonight</i> "
    "(English, Deutsch, Español)."
)
SORRY = "Sorry, something went wrong on my side. Please try again in a minute."


T = TypeVar("T")


def _backend(context: Context) -> Backend:
    return context.bot_data["backend"]


async def _call(update: Update, context: Context, fn: Callable[..., T], /, *args: Any,
                **kwargs: Any) -> T:
    """fn(services, ...) in a worker thread, acting for the sender's own profile."""
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    return await _backend(context).call(user.id, fn, *args, **kwargs)


def _argument(update: Update) -> str:
    """The text after the command ("/search  party at 8" -> "party at 8")."""
    text = update.effective_message.text if update.effective_message else ""
    return (text or "").partition(" ")[2].strip()


async def send(update: Update, context: Context, reply: Reply | str) -> None:
    """Send HTML in parts under 4096 characters; buttons go under the last part."""
    reply = Reply(reply) if isinstance(reply, str) else reply
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(reply.html)
    for number, part in enumerate(parts, 1):
        await context.bot.send_message(
            chat.id, part, parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=reply_markup(reply) if number == len(parts) else None)


# --- guard and errors ----------------------------------------------------------------------------

async def reject_strangers(update: Update, context: Context) -> None:
    """Serve only TELEGRAM_ALLOWED_USER_IDS, and only in private chats (a digest must not land in
    a group the bot was added to); others get no answer at all (and are logged). Each allowed
    user acts for their own profile (Backend.call)."""
    user = update.effective_user
    allowed: frozenset[int] = context.bot_data["allowed_user_ids"]
    if user is None or user.id not in allowed:
        log.warning("ignored update %s from a stranger (user %s)", update.update_id,
                    user.id if user else None)
        raise ApplicationHandlerStop
    if update.effective_chat is not None and update.effective_chat.type != "private":
        log.warning("ignored update %s from a %s chat", update.update_id, update.effective_chat.type)
        raise ApplicationHandlerStop


async def answer_error(update: object, context: Context) -> None:
    """One error handler: core errors are worded for the user; anything else is logged with its
    trace and answered with a polite sorry, never the trace itself."""
    error = context.error
    if isinstance(error, NudgeError):
        text = esc(str(error))
        log.info("request refused: %s", error)
    else:
        text = SORRY
        log.error("update handling failed", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML)
    except TelegramError:
        log.exception("could not tell the user about the error")


# --- commands ------------------------------------------------------------------------------------

async def show_help(update: Update, context: Context) -> None:
    await send(update, context, HELP)


async def send_digest(update: Update, context: Context) -> None:
    await send(update, context, await _call(update, context, actions.digest, when=_argument(update)))


async def search_messages(update: Update, context: Context) -> None:
    query = _argument(update)
    if not query:
        raise InputError("What should I look for? Example: /search party saturday")
    await send(update, context, await _call(update, context, actions.search, query=query))


async def suggest_replies(update: Update, context: Context) -> None:
    chat = _argument(update)
    if not chat:
        raise InputError("For which chat? Example: /suggest Ana")
    await send(update, context, await _call(update, context, actions.suggest, chat=chat))


def _reminder_request(text: str) -> tuple[str, str | None, str | None]:
    """'/remind Ben tonight -- call about rent' -> ("Ben", "tonight", "call about rent")."""
    head, *note = re.split(r"\s+(?:--|\|)\s+", text, maxsplit=1)
    chat, when = when_of(head)
    return chat.strip(), when, (note[0].strip() or None) if note else None


async def manage_reminders(update: Update, context: Context) -> None:
    """/remind (list) · /remind <chat> [when] [-- note] · /remind snooze <id> <when> ·
    /remind clear [<id>|all]"""
    argument = _argument(update)
    verb, _, rest = argument.partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        reply = await _call(update, context, actions.list_reminders)
    elif verb == "snooze":
        found = re.fullmatch(r"#?(\d+)\s+(.+)", rest.strip())
        if not found:
            raise InputError("Snooze which one until when? Example: /remind snooze 3 tomorrow 9am")
        reply = await _call(update, context, actions.snooze_reminder, reminder_id=int(found[1]),
                            when=found[2])
    elif verb == "clear":
        target = rest.strip().lstrip("#")
        if target and target != "all" and not target.isdigit():
            raise InputError("Clear which one? Example: /remind clear 3, or /remind clear all")
        reply = await _call(update, context, actions.clear_reminders,
                                   reminder_id=int(target) if target.isdigit() else None)
    else:
        chat, when, note = _reminder_request(argument)
        reply = await _call(update, context, actions.add_reminder, chat=chat, when=when, note=note)
    await send(update, context, reply)


async def mark_critical(update: Update, context: Context) -> None:
    """/critical · /critical <contact> · /critical remove <contact>"""
    argument = _argument(update)
    verb, _, rest = argument.partition(" ")
    if verb.lower() in ("remove", "off", "no", "unmark") and rest.strip():
        reply = await _call(update, context, actions.mark_critical, name=rest, critical=False)
    else:
        reply = await _call(update, context, actions.mark_critical, name=argument or None)
    await send(update, context, reply)


def _message_id(argument: str, example: str) -> int:
    found = re.fullmatch(r"#?(\d+)", argument.strip())
    if not found:
        raise InputError(f"Which message? Give its id. Example: {example}")
    return int(found[1])


async def ignore_message(update: Update, context: Context) -> None:
    """/ignore (list) · /ignore <id>"""
    argument = _argument(update)
    if not argument:
        await send(update, context, await _call(update, context, actions.list_ignored))
        return
    await send(update, context, await _call(update, context, actions.control_message,
                                            message_id=_message_id(argument, "/ignore 123"),
                                            action="ignore"))


async def unignore_message(update: Update, context: Context) -> None:
    message_id = _message_id(_argument(update), "/unignore 123")
    await send(update, context, await _call(update, context, actions.control_message,
                                            message_id=message_id, action="unignore"))


async def mute_chat(update: Update, context: Context) -> None:
    """/mute (list) · /mute <chat>"""
    chat = _argument(update)
    reply = await _call(update, context, actions.mute_chat, chat=chat, muted=True) if chat \
        else await _call(update, context, actions.list_muted)
    await send(update, context, reply)


async def unmute_chat(update: Update, context: Context) -> None:
    chat = _argument(update)
    if not chat:
        await send(update, context, await _call(update, context, actions.list_muted))
        return
    await send(update, context, await _call(update, context, actions.mute_chat, chat=chat,
                                            muted=False))


async def set_keywords(update: Update, context: Context) -> None:
    await send(update, context, await _call(update, context, actions.set_keywords,
                                                             text=_argument(update)))


async def change_settings(update: Update, context: Context) -> None:
    await send(update, context, await _call(update, context, actions.change_settings,
                                                             line=_argument(update)))


async def show_topics(update: Update, context: Context) -> None:
    await send(update, context, await _call(update, context, actions.topics,
                                            chat=_argument(update) or None))


async def unknown_command(update: Update, context: Context) -> None:
    await send(update, context, "I don't know that command.\n\n" + HELP)


# --- buttons -----------------------------------------------------------------------------------

def _button_id(update: Update) -> int:
    """The number after the verb of a pressed button's data ("approve:12" -> 12)."""
    data = update.callback_query.data if update.callback_query else ""
    return int(str(data).partition(":")[2])


async def approve_reply(update: Update, context: Context) -> None:
    """✅: keep the reply as the user's style, leave only the copy buttons, send it to forward."""
    query = update.callback_query
    assert query is not None
    text = await _call(update, context, actions.approve, suggestion_id=_button_id(update))
    await query.answer("Approved: later suggestions learn from it.")
    markup = query.message.reply_markup if query.message else None
    if markup is not None:
        kept = [[b for b in row if str(b.callback_data).startswith("copy:")]
                for row in markup.inline_keyboard]
        await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in kept if r]))
    await context.bot.send_message(update.effective_chat.id, text)  # plain text, ready to copy
    await _tell_if_queued(update, context, _button_id(update))


async def _tell_if_queued(update: Update, context: Context, suggestion_id: int) -> None:
    """With the outbox on, an approved reply is on its way to WhatsApp: say so."""
    queued = await _call(update, context, actions.queued_for, suggestion_id=suggestion_id)
    if queued:
        await send(update, context, queued)


async def approve_edited(update: Update, context: Context) -> None:
    """/approve 12 · /approve 12 my edited words: the edit is stored as the approved reply (what
    later suggestions learn from) and sent back on its own, ready to copy."""
    found = re.fullmatch(r"#?(\d+)(?:\s+(.+))?", _argument(update), flags=re.DOTALL)
    if not found:
        raise InputError("Which suggestion? Example: /approve 12 sure, see you at 8")
    text = await _call(update, context, actions.approve, suggestion_id=int(found[1]),
                       edited_text=found[2])
    await context.bot.send_message(update.effective_chat.id, text)  # plain text, ready to copy
    await _tell_if_queued(update, context, int(found[1]))


async def copy_reply(update: Update, context: Context) -> None:
    """📋: the reply as a message of its own, so it can be copied or forwarded as is."""
    query = update.callback_query
    assert query is not None
    text = await _call(update, context, actions.suggestion_text, suggestion_id=_button_id(update))
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, text)


CONTROL_PATTERN = r"^(crit|uncrit|ign|unign|later|sug|mute|unmute|snz|clr):\d+$"
_TOASTS = {"crit": "Marked critical", "uncrit": "No longer critical", "ign": "Ignored",
           "unign": "No longer ignored", "later": "I'll remind you", "mute": "Muted",
           "unmute": "Unmuted", "snz": "Snoozed", "clr": "Done", "sug": "Suggestions"}


async def press_control(update: Update, context: Context) -> None:
    """A control button under a digest, a reminder or a confirmation (render.item_buttons,
    chat_buttons, reminder_buttons, the undo buttons): act on the message, chat or reminder, toast
    what was done and send the confirmation (with its undo) or the suggestions."""
    query = update.callback_query
    assert query is not None
    verb, _, ident = str(query.data).partition(":")
    number = int(ident)
    match verb:
        case "crit" | "uncrit" | "ign" | "unign":
            action = {"crit": "critical", "uncrit": "uncritical", "ign": "ignore",
                      "unign": "unignore"}[verb]
            reply = await _call(update, context, actions.control_message, message_id=number,
                                action=action)
        case "later":
            reply = await _call(update, context, actions.remind_later, message_id=number)
        case "mute" | "unmute":
            reply = await _call(update, context, actions.mute_chat, chat=number, muted=verb == "mute")
        case "snz":
            reply = await _call(update, context, actions.snooze_later, reminder_id=number)
        case "clr":
            reply = await _call(update, context, actions.clear_reminders, reminder_id=number)
        case _:
            reply = await _call(update, context, actions.suggest_for_chat, chat_id=number)
    await query.answer(_TOASTS[verb])
    await send(update, context, reply)


async def show_outbox(update: Update, context: Context) -> None:
    """/outbox: replies on their way to WhatsApp and what became of them."""
    await send(update, context, await _call(update, context, actions.outbox_list))


async def send_custom_reply(update: Update, context: Context) -> None:
    """/send Ana: see you at 8 — any text, queued for the collector to send (outbox on)."""
    chat, colon, text = _argument(update).partition(":")
    if not colon or not chat.strip() or not text.strip():
        raise InputError("To which chat, and what? Example: /send Ana: see you at 8")
    await send(update, context, await _call(update, context, actions.outbox_send, chat=chat.strip(),
                                            text=text.strip()))


async def outbox_again(update: Update, context: Context) -> None:
    """📤 Send again: the user's explicit choice after a failed or unknown send."""
    query = update.callback_query
    assert query is not None
    reply = await _call(update, context, actions.outbox_again, outbox_id=_button_id(update))
    await query.answer()
    await query.edit_message_reply_markup(None)
    await send(update, context, reply)


async def outbox_cancel(update: Update, context: Context) -> None:
    """✖ Cancel: take a still-queued reply out of the outbox."""
    query = update.callback_query
    assert query is not None
    reply = await _call(update, context, actions.outbox_cancel, outbox_id=_button_id(update))
    await query.answer()
    await send(update, context, reply)


async def send_calendar_event(update: Update, context: Context) -> None:
    """📅: the plan of a digest line as an .ics file the phone's calendar opens."""
    query = update.callback_query
    assert query is not None
    message_id = int(str(query.data).partition(":")[2])
    data = await _call(update, context, actions.plan_calendar, message_id=message_id)
    await query.answer()
    await context.bot.send_document(update.effective_chat.id, InputFile(data, filename="plan.ics"),
                                    caption="Open it to add the plan to your calendar.")


# --- documents and plain words -----------------------------------------------------------------

async def import_export_file(update: Update, context: Context) -> None:
    """An uploaded WhatsApp export (.txt or .zip): download it, then queue its import (answered
    "importing…" now, the counts when stored; nudge.faces.telegram.uploads)."""
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return
    name = document.file_name or "export.txt"
    if not name.lower().endswith((".txt", ".zip")):
        raise InputError("Send a WhatsApp export: the .txt or .zip from 'Export chat'.")
    if document.file_size and document.file_size > MAX_EXPORT_BYTES:
        raise InputError("That file is over 20 MB, more than Telegram lets bots download. "
                         "Export without media, or use `nudge import` on your computer.")
    file = await context.bot.get_file(document.file_id)
    data = bytes(await file.download_as_bytearray())
    caption = (message.caption or "").strip() or None
    user = update.effective_user
    await send(update, context, await _call(update, context,
        uploads.accept_upload, data=data, file_name=name, chat_name=caption,
        telegram_user_id=user.id if user else 0, telegram_chat_id=message.chat_id,
        first_name=user.first_name if user else None))


async def dispatch(update: Update, context: Context, intent: Intent, text: str) -> Reply | str:
    """Carry out what a plain-words message asked for."""
    match intent.kind:
        case "digest":
            return await _call(update, context, actions.digest, when=intent.when)
        case "search":
            return await _call(update, context, actions.search, query=intent.query or text,
                               sender=intent.name)
        case "suggest" if intent.name:
            return await _call(update, context, actions.suggest, chat=intent.name)
        case "remind" if intent.name:
            return await _call(update, context, actions.add_reminder, chat=intent.name, when=intent.when,
                                      note=text[:200])
        case "remind":
            return "About which chat? Example: <i>remind me to answer Ben tonight</i>"
        case "reminders":
            return await _call(update, context, actions.list_reminders)
        case "critical":
            return await _call(update, context, actions.mark_critical, name=intent.name)
        case "keywords":
            return await _call(update, context, actions.set_keywords, text=intent.query or "")
        case "settings":
            return await _call(update, context, actions.change_settings, line=intent.query or "")
        case "topics":
            return await _call(update, context, actions.topics, chat=intent.name)
        case "mute" if intent.name:
            return await _call(update, context, actions.mute_chat, chat=intent.name,
                               muted=intent.query != "off")
    return HELP


async def route_plain_words(update: Update, context: Context) -> None:
    """Plain words: rules first, the LLM second (see intents.py), then the same actions as commands."""
    text = (update.effective_message.text if update.effective_message else "") or ""
    intent = match_rules(text) or await _call(update, context, _classify_with_llm, text)
    log.info("intent %s (%s)", intent.kind, intent.source)
    await send(update, context, await dispatch(update, context, intent, text))


def _classify_with_llm(services: Any, text: str) -> Intent:
    return classify(text, services.llm)
