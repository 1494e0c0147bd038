"""One database connection per container, opened on first use and reused by warm invocations.

Requests take turns on it (a lock): a Lambda serves one request at a time anyway, and the local
stack is for one user. A connection found closed or broken is replaced on the next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

ConnectionProvider = Callable[[], AbstractContextManager[Any]]


class SharedConnection:
    """Call it to borrow the connection: `with shared() as conn: ...`."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._conn: Any = None
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[Any]:
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self._connect()
            try:
                yield self._conn
            except BaseException:
                if self._conn.broken:
                    self._conn.close()
                    self._conn = None
                raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def from_settings(settings_provider: Callable[[], Any]) -> SharedConnection:
    """The production provider: nudge.store.db.connect with the settings of this container."""

    def connect() -> Any:
        from nudge.store.db import connect as db_connect

        return db_connect(settings_provider())

    return SharedConnection(connect)
