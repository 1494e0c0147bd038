"""Wires the real adapters once: the database, the LLM client and the user. Every face calls this."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import psycopg

from nudge.config import Settings
from nudge.errors import LLMUnavailable, NudgeError
from nudge.store import users

if TYPE_CHECKING:
    from nudge.llm.client import LLMClient

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    conn: psycopg.Connection[Any]
    llm: LLMClient | None  # None when no LLM could be reached
    user_id: int  # every feature call acts for this profile, and only sees its rows
    me: str | None = None  # the user's display name in the exports (marks their own messages)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings through the LLM service; LLMUnavailable when there is none."""
        if self.llm is None:
            raise LLMUnavailable("no LLM service")
        return self.llm.embed(texts)

    def chat_model(self) -> LLMClient | None:
        """The LLM if it answers its health check now, else None (callers then say it was
        unavailable and fall back to what code alone can do)."""
        return self.llm if self.llm is not None and self.llm.health() else None

    @property
    def capable(self) -> bool:
        """Whether the chat model may write abstractive text (nudge.llm.models.chat_tier)."""
        from nudge.llm.models import chat_tier

        return self.llm is not None and chat_tier(self.settings) == "capable"

    def for_telegram_user(self, telegram_user_id: int) -> Services:
        """The same services acting for the profile of that Telegram user (store.users)."""
        user_id = users.user_for_telegram(
            self.conn, telegram_user_id=telegram_user_id, default_user_id=self.settings.user_id,
            owner=telegram_user_id == self.settings.telegram_owner_id,
            name=self.settings.me, timezone=self.settings.timezone,
            digest_time=self.settings.digest_time)
        return replace(self, user_id=user_id, me=users.display_name(self.conn, user_id=user_id))

    def embed_query(self, text: str) -> list[float] | None:
        """The query's vector, or None (full-text search only) when the LLM is down."""
        try:
            return self.embed([text])[0]
        except LLMUnavailable:
            return None


def llm_client(settings: Settings, stack: ExitStack) -> LLMClient | None:
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
    from nudge.llm.models import chat_tier

    capable = chat_tier(settings) == "capable"
    return stack.enter_context(LLMClient(base_url, timeout=300.0 if capable else 60.0,
                                         repeat_penalty=1.0 if capable else None))


def remembered_name(conn: psycopg.Connection[Any], user_id: int, name: str | None) -> str | None:
    """The user's display name: a given one is remembered in the profile, so the bot and the
    scheduled functions (which have no --me) know it too, and a new or fixed name re-marks the
    messages already stored (features.identity.set_my_name); else the remembered one."""
    if name and name.strip():
        from nudge.features.identity import set_my_name

        set_my_name(conn, user_id=user_id, name=name)
        return name.strip()
    return users.display_name(conn, user_id=user_id)


@contextmanager
def open_services(settings: Settings, *, with_llm: bool = True, me: str | None = None,
                  user_id: int | None = None) -> Iterator[Services]:
    """The database, the LLM (unless with_llm is False) and the acting user: `user_id`, else
    NUDGE_USER (default 1), created on first use."""
    from nudge.store.db import open_database

    with ExitStack() as stack:
        conn = stack.enter_context(open_database(settings))
        llm = llm_client(settings, stack) if with_llm else None
        user_id = users.ensure_user(conn, user_id=user_id or settings.user_id, name=me or settings.me,
                                    timezone=settings.timezone, digest_time=settings.digest_time)
        # --me always sets the name; NUDGE_ME only fills one the profile lacks (so a name fixed
        # in Telegram is not flipped back, and the messages re-marked, by every CLI command)
        given = me or (None if users.display_name(conn, user_id=user_id) else settings.me)
        yield Services(settings, conn, llm, user_id, remembered_name(conn, user_id, given))
