"""`nudge bot`: the very same Application and handlers, fed by long polling instead of a webhook.

For a laptop with a real token (or any Bot API server via TELEGRAM_API_BASE_URL). Starting to poll
deletes the bot's webhook (Telegram allows one or the other), so use a separate bot token from the
deployed one.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application

from nudge.config import Settings
from nudge.faces.telegram.app import build_application
from nudge.faces.telegram.backend import Backend


async def _close_backend(application: Application) -> None:
    await asyncio.to_thread(application.bot_data["backend"].close)


def polling_application(settings: Settings) -> Application:
    """The Application with an Updater; the database closes when polling stops."""
    application = build_application(settings, Backend(settings), webhook=False)
    application.post_shutdown = _close_backend
    return application


def run_polling(settings: Settings) -> None:
    """Poll until Ctrl-C (SIGINT/SIGTERM)."""
    polling_application(settings).run_polling(allowed_updates=Update.ALL_TYPES)
