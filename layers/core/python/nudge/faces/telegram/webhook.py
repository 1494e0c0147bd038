"""POST /telegram/webhook (and GET /health): Telegram's updates into the one PTB Application.

Order: secret header (constant-time compare; 401, nothing processed) → body is an Update (400) →
sender on the allow-list (else 200 and nothing, logged) → update_id claimed once in DynamoDB
(a retry gets 200 and nothing) → handled to the end inside the request, as a Lambda must; the
answer is 200 also when handling failed (the user was told, the failure logged).

The Application is built and initialised lazily, on the first update and again if the event loop
changed (Mangum keeps one per container; tests may not), never in a lifespan hook.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nudge.aws.dedup import UpdateDedup
from nudge.config import Settings
from nudge.faces.http.app import base_app, powertools
from nudge.faces.http.errors import error_response

logger, metrics, tracer = powertools("telegram_webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


def secret_ok(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; no configured secret accepts nothing."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def sender_id(update: dict[str, Any]) -> int | None:
    """The user who caused an update (message.from, callback_query.from, …), from the raw JSON."""
    for key, value in update.items():
        if key != "update_id" and isinstance(value, dict):
            user = value.get("from") or value.get("user")
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                return int(user["id"])
    return None


class BotRuntime:
    """The Application and the Backend of this container, created on first use."""

    def __init__(self, settings_provider: Callable[[], Settings]) -> None:
        self._settings_provider = settings_provider
        self._backend: Any = None
        self._application: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def settings(self) -> Settings:
        return self._settings_provider()

    async def application(self) -> Any:
        from nudge.faces.telegram.app import build_application
        from nudge.faces.telegram.backend import Backend

        loop = asyncio.get_running_loop()
        if self._application is not None and self._loop is loop:
            return self._application
        if self._starting is None or self._starting[0] is not loop:
            self._starting = (loop, asyncio.Lock())
        async with self._starting[1]:  # concurrent first updates build one Application
            if self._application is None or self._loop is not loop:
                if self._backend is None:
                    self._backend = Backend(self.settings)
                application = build_application(self.settings, self._backend, webhook=True)
                await application.initialize()
                self._application, self._loop = application, loop
        return self._application

    async def process(self, payload: dict[str, Any]) -> None:
        from telegram import Update

        application = await self.application()
        await application.process_update(Update.de_json(payload, application.bot))

    async def aclose(self) -> None:
        """Shut the Application down (on the loop it was made on) and close the database."""
        if self._application is not None and self._loop is asyncio.get_running_loop():
            await self._application.shutdown()
        self._application = None
        if self._backend is not None:
            await run_in_threadpool(self._backend.close)
            self._backend = None


@functools.cache
def _env_settings() -> Settings:
    from nudge.config import load_settings

    return load_settings()


def create_webhook_app(settings_provider: Callable[[], Settings] | None = None, *,
                       runtime: BotRuntime | None = None,
                       dedup: UpdateDedup | None = None) -> FastAPI:
    """The webhook app; settings come from the environment on first request unless given."""
    provider = settings_provider or _env_settings
    app = base_app("Nudge Telegram webhook")
    app.state.runtime = runtime or BotRuntime(provider)
    app.state.dedup = dedup

    def get_dedup(settings: Settings) -> UpdateDedup:
        if app.state.dedup is None:
            app.state.dedup = UpdateDedup(settings.dedup_table_name,
                                          endpoint_url=settings.aws_endpoint_url)
        return app.state.dedup

    @app.post("/telegram/webhook")
    async def telegram_webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        settings = provider()
        if not secret_ok(settings.telegram_webhook_secret, request.headers.get(SECRET_HEADER)):
            if not settings.telegram_webhook_secret:
                logger.error("TELEGRAM_WEBHOOK_SECRET is not set: every update is refused")
            logger.warning("webhook call with a wrong or missing secret token")
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
            return error_response(401, "wrong or missing secret token")
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return error_response(413, "update too large")
        try:
            payload = json.loads(body)
        except ValueError:
            return error_response(400, "the body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return error_response(400, "not a Telegram update (no update_id)")
        update_id = payload["update_id"]
        user = sender_id(payload)
        if user is None or user not in settings.telegram_allowed_user_ids:
            logger.warning("update from a stranger ignored", extra={"update_id": update_id,
                                                                      "telegram_user_id": user})
            metrics.add_metric(name="StrangerIgnored", unit="Count", value=1)
            return JSONResponse({"status": "ignored"})
        bot = (settings.telegram_bot_token or "").partition(":")[0]
        try:
            first = await run_in_threadpool(get_dedup(settings).first_time, update_id, bot=bot)
        except Exception:  # no claim, no handling: Telegram retries later
            logger.exception("update dedup failed", extra={"update_id": update_id})
            return error_response(503, "cannot record the update now; retry later")
        if not first:
            logger.info("duplicate update ignored", extra={"update_id": update_id})
            metrics.add_metric(name="DuplicateUpdate", unit="Count", value=1)
            return JSONResponse({"status": "duplicate"})
        status = "ok"
        try:
            await app.state.runtime.process(payload)
        except Exception:
            status = "failed"
            logger.exception("update handling failed", extra={"update_id": update_id})
            metrics.add_metric(name="UpdateFailed", unit="Count", value=1)
        metrics.add_metric(name="UpdateHandled", unit="Count", value=1)
        logger.info("update handled", extra={"update_id": update_id, "status": status,
                                             "ms": round((time.perf_counter() - started) * 1000)})
        return JSONResponse({"status": status})

    return app
