"""`nudge bot`: the same handlers answer updates fetched by long polling from the Bot API server."""

from __future__ import annotations

import asyncio
import threading

from nudge.config import load_settings
from nudge.faces.telegram.polling import polling_application
from tests.fake_telegram import OWNER, STRANGER, FakeTelegram, message_update, telegram_env


def test_polling_answers_the_owner_and_ignores_strangers(db_url, fake_telegram: FakeTelegram,
                                                         tmp_path):
    settings = load_settings(telegram_env(db_url, fake_telegram), data_dir=tmp_path)
    application = polling_application(settings)
    loops: list[asyncio.AbstractEventLoop] = []

    async def remember_loop(_app) -> None:
        loops.append(asyncio.get_running_loop())

    application.post_init = remember_loop
    thread = threading.Thread(target=lambda: application.run_polling(
        stop_signals=None, poll_interval=0, timeout=1), daemon=True)
    thread.start()
    fake_telegram.push_update(message_update(STRANGER, "/help"))
    fake_telegram.push_update(message_update(OWNER, "/help"))
    [answer] = fake_telegram.wait_for("sendMessage", timeout=20)
    assert int(answer["chat_id"]) == OWNER and "/digest" in answer["text"]
    assert fake_telegram.sent("deleteWebhook")  # polling replaces any webhook
    loops[0].call_soon_threadsafe(application.stop_running)
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert len(fake_telegram.sent()) == 1
