"""The Nudge HTTP API: messages, summarization jobs, replies and system status.

The same app runs in the `api` Lambda (functions/api) and under `nudge serve`, behind the same
bearer tokens as /ingest (faces.http.auth: a token names the user it acts for). Every id in a
path or body is looked up within that user's rows, so another user's id answers 404.
Summarization runs off the request: the route stores a queued job and hands
("summarization", {"user_id", "job_id"}) to `submit`: by default the pipeline's queue
(nudge.features.jobs; SQS on AWS and on `nudge serve`'s moto), whose worker runs
features.summarization.summarization_job. Without a queue the job stays queued.

No `from __future__ import annotations` here: FastAPI reads the route signatures at runtime.
"""

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from nudge.faces.http.body import MAX_BODY_BYTES
from nudge.faces.http.connection import ConnectionProvider, from_settings
from nudge.faces.http.errors import install_error_handlers

API_VERSION = "1.0.0"
Submit = Callable[[str, dict[str, Any]], None]
LlmProvider = Callable[[], Any]  # -> nudge.llm.client.LLMClient | None


def queue_submit(settings: Callable[[], Any]) -> Submit:
    """The default `submit`: the pipeline's job queue (JOBS_QUEUE_URL). A queue that fails is
    logged; the job stays queued and the status says so."""
    def submit(kind: str, payload: dict[str, Any]) -> None:
        from nudge.features import jobs

        try:
            jobs.submit(kind, payload, settings=settings())
        except Exception:
            logging.getLogger(__name__).exception("job %s %s not queued", kind, payload)

    return submit


@dataclass
class ApiParts:
    """What the routes use, reached through `request.app.state.parts`."""

    settings: Callable[[], Any]
    borrow: ConnectionProvider
    llm: LlmProvider
    lock_state: Callable[[str], Any]
    submit: Submit
    max_body_bytes: int = MAX_BODY_BYTES
    _known_users: set[int] = field(default_factory=set)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def ensure_user(self, user_id: int) -> None:
        """Create the profile a token acts for on its first request (as /ingest does)."""
        if user_id in self._known_users:
            return
        from nudge.store.users import ensure_user

        settings = self.settings()
        with self.borrow() as conn:
            ensure_user(conn, user_id=user_id, name=settings.me if user_id == settings.user_id else None,
                        timezone=settings.timezone, digest_time=settings.digest_time)
        with self._guard:
            self._known_users.add(user_id)

    def capable(self) -> bool:
        from nudge.llm.models import chat_tier

        return chat_tier(self.settings()) == "capable"


def env_settings() -> Callable[[], Any]:
    @functools.cache
    def settings() -> Any:
        from nudge.config import load_settings

        return load_settings()

    return settings


def env_llm(settings_provider: Callable[[], Any]) -> LlmProvider:
    """An LLM client for LLM_BASE_URL, made on first use; None when no endpoint is configured."""
    made: list[Any] = []
    guard = threading.Lock()

    def llm() -> Any:
        with guard:
            if not made:
                from nudge.llm.client import LLMClient

                url = settings_provider().llm_base_url
                made.append(LLMClient(url, timeout=60.0) if url else None)
            return made[0]

    return llm


def create_api_app(*, settings_provider: Callable[[], Any] | None = None,
                   connection: ConnectionProvider | None = None,
                   llm_provider: LlmProvider | None = None,
                   lock_state: Callable[[str], Any] | None = None,
                   submit: Submit | None = None,
                   max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The API app. Defaults read the environment and open the database and LLM client lazily;
    tests and the local stack pass their own."""
    from nudge.faces.http import api_messages, api_replies, api_summaries, api_system
    from nudge.faces.http.ingest_app import _default_lock_reader
    from nudge.faces.http.openapi import install_openapi

    get_settings = settings_provider or env_settings()
    app = FastAPI(title="Nudge API", version=API_VERSION, docs_url="/docs", redoc_url=None,
                  openapi_url="/openapi.json", description=DESCRIPTION)
    install_error_handlers(app)
    app.state.parts = ApiParts(
        settings=get_settings, borrow=connection or from_settings(get_settings),
        llm=llm_provider or env_llm(get_settings),
        lock_state=lock_state or _default_lock_reader(get_settings),
        submit=submit or queue_submit(get_settings), max_body_bytes=max_body_bytes)
    for module in (api_messages, api_summaries, api_replies, api_system):
        app.include_router(module.router)
    install_openapi(app)
    return app


DESCRIPTION = """\
A private assistant for WhatsApp chats. Every route except `/health` needs
`Authorization: Bearer <token>`: `INGEST_API_TOKEN` acts for user `NUDGE_USER` (default 1),
`INGEST_USER_TOKENS` adds one token per further user. Each token sees only its user's rows; an id
of another user's row answers 404. Errors are `{"error": "<in words>"}`.
"""
