"""The outbox in Telegram: what happened to a queued reply ("sent ✓", the error, or unknown), the
/outbox list, and the buttons to send a failed or unknown reply again or cancel a queued one.

Outcomes are told once (outbox.notified_at): right after the collector reports (the ingest app
calls notify_user when a bot token is configured) and, for anything left untold, on each
reminder tick (schedules.run_outbox_notices), which also finds claims that were never reported.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from nudge.faces.telegram.render import Buttons, Reply, esc

log = logging.getLogger(__name__)
_SNIPPET = 200


def _quoted(text: str) -> str:
    text = text.strip()
    return esc(text if len(text) <= _SNIPPET else text[: _SNIPPET - 1].rstrip() + "…")


def render_notice(item: Any) -> Reply:
    """One outcome of a features.outbox.OutboxItem, with a button to queue it again if it may not
    have arrived."""
    to = f"<b>{esc(item.chat)}</b>"
    if item.status == "sent":
        return Reply(f"sent ✓ to {to}: “{_quoted(item.text)}” (#{item.id})")
    buttons: Buttons = [[("📤 Send again", f"outbox-again:{item.id}")]]
    if item.status == "failed":
        return Reply(f"⚠️ not sent to {to}: {esc(item.error or 'unknown error')}\n"
                     f"“{_quoted(item.text)}” (#{item.id})", buttons)
    return Reply(f"❓ unknown, check WhatsApp: the reply to {to} was being sent when the collector "
                 f"stopped, so I can't tell whether it arrived. It will not be sent again unless "
                 f"you ask.\n“{_quoted(item.text)}” (#{item.id})", buttons)


def render_queued(item: Any) -> str:
    return (f"📤 Queued for WhatsApp (#{item.id}): the collector sends it to "
            f"<b>{esc(item.chat)}</b> on its next run.")


_STATUS_MARK = {"queued": "⏳", "sending": "📤", "sent": "✓", "failed": "⚠️", "unknown": "❓"}


def render_outbox(items: list[Any], *, enabled: bool) -> Reply:
    """The /outbox list: newest replies with their state; queued ones can be cancelled."""
    head = "<b>Outbox</b> (on)" if enabled else "<b>Outbox</b> (off: /settings outbox on)"
    if not items:
        return Reply(f"{head}\nNothing queued or sent yet.")
    lines = [head]
    buttons: Buttons = []
    for item in items:
        error = f" · {esc(item.error)}" if item.status == "failed" and item.error else ""
        lines.append(f"{_STATUS_MARK.get(item.status, '')} #{item.id} {item.status} → "
                     f"<b>{esc(item.chat)}</b>: {_quoted(item.text)}{error}")
        if item.status == "queued" and len(buttons) < 8:
            buttons.append([(f"✖ Cancel #{item.id}", f"outbox-cancel:{item.id}")])
    return Reply("\n".join(lines), buttons)


async def send_notices(bot: Any, conn: Any, *, user_id: int, telegram_id: int,
                       now: datetime | None = None) -> int:
    """Tell the user every untold outcome, one message each; marked told only once sent."""
    from telegram.constants import ParseMode

    from nudge.faces.telegram.render import reply_markup
    from nudge.features import outbox

    told = 0
    for item in outbox.untold(conn, user_id=user_id, now=now or datetime.now(UTC)):
        reply = render_notice(item)
        await bot.send_message(telegram_id, reply.html, parse_mode=ParseMode.HTML,
                               reply_markup=reply_markup(reply))
        outbox.mark_told(conn, user_id=user_id, ids=[item.id])
        told += 1
    return told


def notify_user(settings: Any, conn: Any, user_id: int) -> None:
    """Tell one user their outcomes now, if they use Telegram; errors are logged, never raised
    (the reminder tick tells them later)."""
    from telegram.error import TelegramError

    from nudge.errors import NudgeError
    from nudge.faces.telegram.app import make_bot
    from nudge.store.users import linked_users

    telegram_id = next((t for u, t, _, _ in linked_users(conn) if u == user_id), None)
    if telegram_id is None or not settings.telegram_bot_token:
        return

    async def run() -> None:
        async with make_bot(settings) as bot:
            await send_notices(bot, conn, user_id=user_id, telegram_id=telegram_id)

    try:
        asyncio.run(run())
    except (TelegramError, NudgeError, OSError, ValueError, RuntimeError):  # never fail the report
        log.exception("outbox outcome for user %s not told now; the reminder tick retries", user_id)
