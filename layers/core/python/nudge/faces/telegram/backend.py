"""The core services behind the bot: opened on first use, reused while the process lives.

Handlers are async but the core is synchronous psycopg; every call runs in a worker thread, one
at a time (a lock), so the event loop stays free and two updates never share a transaction.
A broken connection is dropped and reopened on the next call.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any, TypeVar

from nudge.bootstrap import Services
from nudge.config import Settings

T = TypeVar("T")
Opener = Callable[[Settings], AbstractContextManager[Services]]


def _default_opener(settings: Settings) -> AbstractContextManager[Services]:
    from nudge.bootstrap import open_services

    return open_services(settings)


class Backend:
    def __init__(self, settings: Settings, *, opener: Opener = _default_opener) -> None:
        self.settings = settings
        self._opener = opener
        self._stack: ExitStack | None = None
        self._services: Services | None = None
        self._lock = threading.Lock()

    def _open(self) -> Services:
        services = self._services
        if services is not None and not (services.conn.closed or services.conn.broken):
            return services
        self._close_stack()
        stack = ExitStack()
        try:
            self._services = stack.enter_context(self._opener(self.settings))
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self._services

    def _close_stack(self) -> None:
        stack, self._stack, self._services = self._stack, None, None
        if stack is not None:
            stack.close()

    def call_sync(self, telegram_user_id: int, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """fn(services, *args, **kwargs) under the lock (used from worker threads), the services
        acting for that Telegram user's profile."""
        with self._lock:
            return fn(self._open().for_telegram_user(telegram_user_id), *args, **kwargs)

    async def call(self, telegram_user_id: int, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """fn(services, *args, **kwargs) in a worker thread, for that user; calls take turns."""
        return await asyncio.to_thread(self.call_sync, telegram_user_id, fn, *args, **kwargs)

    def close(self) -> None:
        with self._lock:
            self._close_stack()
