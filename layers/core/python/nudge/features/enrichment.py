"""One enrichment stage for every message, however it arrived (CLI import, /ingest, Telegram
upload, collector): imports only store; this fills in what needs more work, behind them.

The backlog is the database (messages.enriched_at NULL, see store.messages.PENDING_SQL), so a crash
resumes where it stopped and a batch is never written twice. Each batch runs the steps in order,
then stores what they produced and marks the batch enriched in one transaction. A step is any
callable taking the batch's items and filling `item.values` (column -> value); add one (a voice
transcription, say) by passing `steps=[...]` or extending `default_steps`.

Every path calls `enrich_pending`: SQS jobs (`enrich_job`, Lambda or `nudge serve`'s worker),
`nudge import` while it waits, `nudge enrich`, and the schedules' catch-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from nudge.errors import LLMUnavailable, NudgeError
from nudge.llm import Transcriber
from nudge.llm.distinct import VectorCache, embed_distinct
from nudge.rules.tone import guess_language, message_sentiment
from nudge.store import messages as store
from nudge.store.db import release_user_lock, try_user_lock

if TYPE_CHECKING:
    from nudge.config import Settings

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], Sequence[Sequence[float] | None]]
Progress = Callable[[int, int], None]  # (enriched so far, messages to do in all)
BATCH = 64
TRANSCRIBE_LIMIT = 10_000  # voice notes one call transcribes at most (about 5 s each)
JOB_LIMIT = 20_000  # messages one enrich job does before handing the rest to a new job
RETRY_DELAY_SECONDS = 30  # when another worker holds the user's backlog, or the job's limit hit
_ENRICH_LOCK = 0x6E75646703  # advisory lock class: one worker per user's backlog at a time


@dataclass(slots=True)
class Item:
    """One pending message as the steps see it; `values` is what will be stored for it."""

    id: int
    kind: str
    text: str
    attachment: str | None
    values: dict[str, Any] = field(default_factory=dict)


class Step(Protocol):
    def __call__(self, items: list[Item]) -> None: ...


def language_step(items: list[Item]) -> None:
    """The language by frequent function words (nudge.rules.tone.guess_language): cheap, and it
    picks the sentiment lexicon; None when nothing points anywhere."""
    for item in items:
        language = guess_language(item.text)
        item.values["language"] = None if language == "und" else language


def sentiment_step(items: list[Item]) -> None:
    """Sentiment in code (nudge.rules.tone), no model needed; uses the language found before."""
    for item in items:
        item.values["sentiment"] = message_sentiment(item.text,
                                                     language=item.values.get("language"))


@dataclass(frozen=True, slots=True)
class EmbeddingStep:
    """Embeddings through the LLM, one call per batch; LLMUnavailable leaves the batch pending.
    Each distinct normalised text is embedded once (short ones once per run, `cache`), and a text
    with nothing to find (emoji only, "...") gets no vector (nudge.llm.distinct)."""

    embed: Embed
    cache: VectorCache = field(default_factory=VectorCache)

    def __call__(self, items: list[Item]) -> None:
        vectors = embed_distinct(self.embed, [item.text for item in items], cache=self.cache)
        if len(vectors) != len(items):
            raise NudgeError(f"embedder returned {len(vectors)} vectors for {len(items)} texts")
        for item, vector in zip(items, vectors, strict=True):
            item.values["embedding"] = vector


def default_steps(embed: Embed) -> list[Step]:
    """The stage's steps, in order (a step that rewrites text, like transcription, goes first)."""
    return [language_step, sentiment_step, EmbeddingStep(embed)]


def enrich_pending(conn: psycopg.Connection[Any], embed: Embed, *, user_id: int,
                   limit: int | None = None, on_progress: Progress | None = None,
                   steps: Sequence[Step] | None = None, batch_size: int = BATCH,
                   transcriber: Transcriber | None = None) -> int:
    """Enrich the user's pending messages, oldest first, batch by batch; return how many.

    Given a `transcriber`, the waiting voice notes are transcribed first (their transcripts then
    join the backlog, so what was said is embedded and searched like text).

    `limit` bounds one call (a Lambda has a time limit). Returns 0 at once when another worker
    is enriching this user's backlog (it will finish it). Raises LLMUnavailable when the LLM is
    away: the batch in hand stays pending, every batch before it is stored.
    """
    if not try_user_lock(conn, lock_class=_ENRICH_LOCK, user_id=user_id):
        return 0
    try:
        if transcriber is not None:
            from nudge.features.transcription import transcribe_pending

            transcribe_pending(conn, transcriber, user_id=user_id, limit=limit or TRANSCRIBE_LIMIT)
        run = list(steps) if steps is not None else default_steps(embed)
        total = store.enrichment_backlog(conn, user_id=user_id)[0]
        if limit is not None:
            total = min(total, limit)
        done = after = 0
        if on_progress is not None:
            on_progress(done, total)
        while limit is None or done < limit:
            size = batch_size if limit is None else min(batch_size, limit - done)
            rows = store.pending_enrichment(conn, user_id=user_id, after_id=after, limit=size)
            if not rows:
                break
            items = [Item(*row) for row in rows]
            for step in run:
                step(items)
            store.save_enrichment(conn, user_id=user_id,
                                  rows=[(item.id, item.values) for item in items])
            done += len(items)
            after = items[-1].id
            if on_progress is not None:
                on_progress(done, max(total, done))
        return done
    finally:
        release_user_lock(conn, lock_class=_ENRICH_LOCK, user_id=user_id)


def enrich_available(conn: psycopg.Connection[Any], embed: Embed, *, user_id: int,
                     batch_size: int = BATCH, max_rows: int | None = None,
                     transcriber: Transcriber | None = None) -> int:
    """`enrich_pending` for callers that must not fail when the LLM is away (an import that
    enriches in place): stops early, without raising; returns how many were enriched. The rest
    waits in the backlog."""
    done = [0]

    def count(finished: int, _total: int) -> None:
        done[0] = finished

    try:
        return enrich_pending(conn, embed, user_id=user_id, limit=max_rows, on_progress=count,
                              batch_size=batch_size, transcriber=transcriber)
    except LLMUnavailable as exc:
        log.warning("enrichment postponed, LLM unavailable: %s", exc)
        return done[0]


def backlog(conn: psycopg.Connection[Any], *, user_id: int) -> tuple[int, Any]:
    """(pending messages, when the oldest was stored) of one user (`nudge status`)."""
    return store.enrichment_backlog(conn, user_id=user_id)


def backlogs(conn: psycopg.Connection[Any]) -> list[tuple[int, int, Any]]:
    """(user, pending messages, when the oldest was stored) for every user."""
    from nudge.store.users import all_user_ids

    return [(user_id, *store.enrichment_backlog(conn, user_id=user_id))
            for user_id in all_user_ids(conn)]


def enrich_job(settings: Settings, payload: dict[str, Any]) -> None:
    """The "enrich" job (SQS): drain one user's backlog up to JOB_LIMIT. What is still pending
    afterwards (the limit, or another worker busy with it) gets a new, delayed job; an LLM
    outage drops the job, the backlog waits in the database for the schedules' catch-up."""
    from nudge.bootstrap import open_services
    from nudge.features import jobs

    user_id = int(payload["user_id"])
    with open_services(settings, with_llm=bool(settings.llm_base_url), user_id=user_id) as services:
        try:
            done = enrich_pending(services.conn, services.embed, user_id=user_id, limit=JOB_LIMIT,
                                  transcriber=services.llm)
        except LLMUnavailable as exc:
            log.warning("enrichment postponed for user %s, LLM unavailable: %s", user_id, exc)
            return
        left = store.enrichment_backlog(services.conn, user_id=user_id)[0]
    log.info("enriched %s messages of user %s, %s pending", done, user_id, left)
    if left:
        jobs.submit("enrich", {"user_id": user_id}, settings=settings,
                    delay_seconds=RETRY_DELAY_SECONDS)


def enrich_all(conn: psycopg.Connection[Any], embed: Embed, *, max_rows: int,
               transcriber: Transcriber | None = None) -> int:
    """Every user's backlog in turn, at most `max_rows` in all (the schedules' catch-up)."""
    from nudge.store.users import all_user_ids

    done = 0
    for user_id in all_user_ids(conn):
        if done >= max_rows:
            break
        done += enrich_pending(conn, embed, user_id=user_id, limit=max_rows - done,
                               transcriber=transcriber)
    return done
