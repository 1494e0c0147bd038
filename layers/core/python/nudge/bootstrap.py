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


@contextmanager
def llm_client(settings: Settings, stack: ExitStack) -> Iterator[object | None]:
    """The configured OpenAI-compatible endpoint, else llm_service started on loopback.

    A local service that cannot start (a model missing, say) is reported and the caller goes on
    without an LLM: digests fall back to facts, search to full text.
    """
    from nudge.llm.client import LLMClient

    if settings.llm_base_url:
        yield LLMClient(settings.llm_base_url)
        return
    try:
        from nudge.llm.local import local_llm_service

        base_url = stack.enter_context(local_llm_service(settings))
    except (NudgeError, OSError, RuntimeError) as exc:
        print(f"nudge: warning: local LLM service not started ({exc})", file=sys.stderr)
        yield None
        return
    yield LLMClient(base_url)


@contextmanager
def open_services(settings: Settings, *, with_llm: bool = True) -> Iterator[Services]:
    from nudge.store import ensure_user
    from nudge.store.db import open_database

    with ExitStack() as stack:
        conn = stack.enter_context(open_database(settings))
        llm = stack.enter_context(llm_client(settings, stack)) if with_llm else None
        user_id = ensure_user(conn, name=settings.me, timezone=settings.timezone)
        yield Services(settings, conn, llm, user_id)
