"""Background jobs on a real queue (SQS on AWS, SQS on moto under `nudge serve`).

A job is {"kind": str, "payload": dict}. `submit` sends it to the queue of its kind; whoever
receives it (a Lambda's SQS event, `nudge serve`'s worker threads: nudge.faces.worker) calls
`handle`, which runs the handler registered for the kind. Handlers must be idempotent: SQS
delivers at least once, and a failed job is retried, then parked in the dead-letter queue.

Register a new kind with `register("summarize", "package.module:function")` (loaded on first
use, so a Lambda imports only what its jobs need) or with the function itself. A handler is
`fn(settings, payload) -> None`.

Without a configured queue (the plain CLI, `nudge bot`), `submit` returns False and does
nothing: the enrichment backlog waits in the database for `nudge enrich` or the schedules.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nudge.errors import NudgeError

if TYPE_CHECKING:
    from nudge.config import Settings

log = logging.getLogger(__name__)

Handler = Callable[["Settings", dict[str, Any]], None]

IMPORTS = "imports"  # the queue of long jobs (its Lambda has 15 minutes)
JOBS = "jobs"  # every other kind

_HANDLERS: dict[str, Handler | str] = {
    "enrich": "nudge.features.enrichment:enrich_job",
    "import_upload": "nudge.faces.telegram.uploads:import_upload_job",
    "summarization": "nudge.features.summarization:summarization_job",
}
_QUEUE_OF: dict[str, str] = {"import_upload": IMPORTS}


class UnknownJob(NudgeError):
    """A job of a kind no handler is registered for (it goes to the dead-letter queue)."""


def register(kind: str, handler: Handler | str, *, queue: str = JOBS) -> None:
    """Handle jobs of `kind` with `handler` ("module:function" or the function itself)."""
    _HANDLERS[kind] = handler
    _QUEUE_OF[kind] = queue


def queue_of(kind: str) -> str:
    return _QUEUE_OF.get(kind, JOBS)


def _queue_url(settings: Settings, queue: str) -> str | None:
    return settings.import_queue_url if queue == IMPORTS else settings.jobs_queue_url


def submit(kind: str, payload: dict[str, Any], *, settings: Settings | None = None,
           delay_seconds: int = 0) -> bool:
    """Queue a job; False (nothing sent) when no queue is configured. Settings default to the
    environment's."""
    from nudge.aws.queue import SqsQueue

    if kind not in _HANDLERS:
        raise UnknownJob(f"no handler for job kind {kind!r}")
    if settings is None:
        from nudge.config import load_settings

        settings = load_settings()
    url = _queue_url(settings, queue_of(kind))
    if not url:
        return False
    SqsQueue(url, endpoint_url=settings.aws_endpoint_url).send(
        {"kind": kind, "payload": payload}, delay_seconds=delay_seconds)
    return True


def handler_for(kind: str) -> Handler:
    found = _HANDLERS.get(kind)
    if found is None:
        raise UnknownJob(f"no handler for job kind {kind!r}")
    if isinstance(found, str):
        module, _, name = found.partition(":")
        found = _HANDLERS[kind] = getattr(importlib.import_module(module), name)
    return found


def handle(settings: Settings, body: dict[str, Any]) -> None:
    """Run one received job; exceptions propagate (the queue retries, then dead-letters it)."""
    kind = body.get("kind")
    payload = body.get("payload")
    if not isinstance(kind, str) or not isinstance(payload, dict):
        raise UnknownJob(f"not a job: {str(body)[:200]}")
    handler_for(kind)(settings, payload)
