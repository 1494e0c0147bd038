"""The one python-telegram-bot Application: every handler registered here, for webhook and polling.

TELEGRAM_API_BASE_URL points the bot at any Bot API server (a fake one in tests, a local
telegram-bot-api, or api.telegram.org by default).
"""

from __future__ import annotations

from telegram import Bot, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from nudge.config import Settings
from nudge.errors import InputError
from nudge.faces.telegram import handlers
from nudge.faces.telegram.backend import Backend

COMMANDS: dict[str, object] = {
    "start": handlers.show_help,
    "help": handlers.show_help,
    "digest": handlers.send_digest,
    "search": handlers.search_messages,
    "suggest": handlers.suggest_replies,
    "approve": handlers.approve_edited,
    "remind": handlers.manage_reminders,
    "critical": handlers.mark_critical,
    "ignore": handlers.ignore_message,
    "unignore": handlers.unignore_message,
    "mute": handlers.mute_chat,
    "unmute": handlers.unmute_chat,
    "keywords": handlers.set_keywords,
    "settings": handlers.change_settings,
    "topics": handlers.show_topics,
    "outbox": handlers.show_outbox,
    "send": handlers.send_custom_reply,
}


def api_urls(settings: Settings) -> tuple[str, str]:
    """(base_url, base_file_url) as PTB wants them; it appends the token to both."""
    base = settings.telegram_api_base_url.rstrip("/")
    return f"{base}/bot", f"{base}/file/bot"


def _token(settings: Settings) -> str:
    if not settings.telegram_bot_token:
        raise InputError("TELEGRAM_BOT_TOKEN is not set")
    return settings.telegram_bot_token


def make_bot(settings: Settings) -> Bot:
    """A bare Bot (no handlers) for the schedules that only send."""
    base_url, base_file_url = api_urls(settings)
    return Bot(_token(settings), base_url=base_url, base_file_url=base_file_url)


def register_handlers(application: Application) -> None:
    """All handlers in one place; the stranger guard runs first (group -1) for every update."""
    application.add_handler(TypeHandler(Update, handlers.reject_strangers), group=-1)
    for command, callback in COMMANDS.items():
        application.add_handler(CommandHandler(command, callback))  # type: ignore[arg-type]
    application.add_handler(CallbackQueryHandler(handlers.approve_reply, pattern=r"^approve:\d+$"))
    application.add_handler(CallbackQueryHandler(handlers.copy_reply, pattern=r"^copy:\d+$"))
    application.add_handler(CallbackQueryHandler(handlers.send_calendar_event, pattern=r"^ics:\d+$"))
    application.add_handler(CallbackQueryHandler(handlers.press_control,
                                                 pattern=handlers.CONTROL_PATTERN))
    application.add_handler(CallbackQueryHandler(handlers.outbox_again, pattern=r"^outbox-again:\d+$"))
    application.add_handler(CallbackQueryHandler(handlers.outbox_cancel, pattern=r"^outbox-cancel:\d+$"))
    application.add_handler(MessageHandler(filters.Document.ALL, handlers.import_export_file))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND,
                                           handlers.route_plain_words))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    application.add_error_handler(handlers.answer_error)


def build_application(settings: Settings, backend: Backend, *, webhook: bool) -> Application:
    """The bot; `webhook=True` builds it without an Updater (updates come from the HTTP route)."""
    base_url, base_file_url = api_urls(settings)
    builder: ApplicationBuilder = (
        Application.builder().token(_token(settings)).base_url(base_url).base_file_url(base_file_url)
    )
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["backend"] = backend
    application.bot_data["allowed_user_ids"] = settings.telegram_allowed_user_ids
    register_handlers(application)
    return application
