"""Wires the real adapters once: the database, the LLM client and the user. Every face calls this."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import psycopg

from nudge.config import Settings
from nudge.errors import LLMUnavailable, NudgeError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    conn: psycopg.Connection
    llm: object | None  # nudge.llm.client.LLMClient, or None when no LLM could be reached
    user_id: int
    me: str | None = None  # the user's display name in the exports (marks their own messages)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings through the LLM service; LLMUnavailable when there is none."""
        if self.llm is None:
            raise LLMUnavailable("no LLM service")
        return self.llm.embed(texts)  # type: ignore[attr-defined]

    def embed_query(self, text: str) -> list[float] | None:
        """The query's vector, or None (full-text search only) when the LLM is down."""
        try:
            return self.embed([text])[0]
        except LLMUnavailable:
            return None


def llm_client(settings: Settings, stack: ExitStack) -> object | None:
    """The configured OpenAI-compatible endpoint, else llm_service started on loopback; closed
    with `stack`.

    A local service that cannot start (a model missing, say) is reported and the caller goes on
    without an LLM: digests fall back to facts, search to full text.
    """
    from nudge.llm.client import LLMClient

    base_url = settings.llm_base_url
    if not base_url:
        try:
            from nudge.llm.local import local_llm_service

            base_url = stack.enter_context(local_llm_service(settings))
        except (NudgeError, OSError, RuntimeError) as exc:
            print(f"nudge: warning: local LLM service not started ({exc})", file=sys.stderr)
            return None
    return stack.enter_context(LLMClient(base_url))


def remembered_name(conn: psycopg.Connection, user_id: int, name: str | None) -> str | None:
    """The user's display name: a given one is remembered in the profile, so the bot and the
    scheduled functions (which have no --me) know it too; else the remembered one."""
    if name:
        conn.execute("UPDATE user_profiles SET name = %s WHERE id = %s AND name IS DISTINCT FROM %s",
                     [name, user_id, name])
        return name
    row = conn.execute("SELECT name FROM user_profiles WHERE id = %s", [user_id]).fetchone()
    return row[0] if row else None


@contextmanager
def open_services(
    settings: Settings, *, with_llm: bool = True, me: str | None = None
) -> Iterator[Services]:
    from nudge.store import ensure_user
    from nudge.store.db import open_database

    with ExitStack() as stack:
        conn = stack.enter_context(open_database(settings))
        llm = llm_client(settings, stack) if with_llm else None
        user_id = ensure_user(conn, name=me or settings.me, timezone=settings.timezone,
                              digest_time=settings.digest_time)
        yield Services(settings, conn, llm, user_id, remembered_name(conn, user_id, me or settings.me))
