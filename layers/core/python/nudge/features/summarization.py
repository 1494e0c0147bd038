"""Summarization jobs: the digest of a day or a range of days, made off the request.

`start_summarization` stores a queued job and the API submits it to the pipeline's queue
(nudge.features.jobs, kind "summarization"); `summarization_job` runs it there (the enrich
Lambda on AWS, a worker thread under `nudge serve`). A range gives one digest per day,
oldest first, each exactly what `nudge digest --json --date D` prints for that day, limited to
the chats asked for. (Per day, not one combined digest: the digest's gist, tone and topics are
per chat-day, and the daily digests stay comparable with the scheduled ones.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import psycopg

from nudge.errors import InputError, NotFound, NudgeError
from nudge.features.digest import digest_of_day
from nudge.llm import ChatModel
from nudge.store import summary_jobs
from nudge.store.chats import resolve_chat
from nudge.store.summary_jobs import SummaryJob
from nudge.store.users import display_name

if TYPE_CHECKING:
    from nudge.config import Settings

log = logging.getLogger(__name__)

MAX_DAYS = 31
MAX_CHATS = 50
STALE_AFTER = timedelta(minutes=15)  # a job running longer than this lost its worker


def job_json(job: SummaryJob) -> dict[str, Any]:
    """The status record of a job (GET /summarization/status/{id})."""
    def when(moment: Any) -> str | None:
        return None if moment is None else moment.isoformat()

    return {"id": job.id, "status": job.status, "since": job.since.isoformat(),
            "until": job.until.isoformat(), "chats": job.chats, "error": job.error,
            "created_at": when(job.created_at), "started_at": when(job.started_at),
            "finished_at": when(job.finished_at)}


def start_summarization(conn: psycopg.Connection[Any], *, user_id: int, since: date,
                        until: date | None = None, chats: Sequence[str] | None = None) -> SummaryJob:
    """A queued job for the days since..until (inclusive; until None: one day) and the chats
    named (resolved as every face does; None or empty: every chat)."""
    until = until or since
    if until < since:
        raise InputError("until must not be before since")
    if (until - since).days + 1 > MAX_DAYS:
        raise InputError(f"a range covers at most {MAX_DAYS} days")
    names = list(chats or [])
    if len(names) > MAX_CHATS:
        raise InputError(f"at most {MAX_CHATS} chats")
    resolved = sorted({resolve_chat(conn, user_id=user_id, name=name)[1] for name in names})
    return summary_jobs.insert_job(conn, user_id=user_id, since=since, until=until,
                                   chats=resolved or None)


def job_status(conn: psycopg.Connection[Any], *, user_id: int, job_id: int) -> SummaryJob:
    job = summary_jobs.get_job(conn, user_id=user_id, job_id=job_id)
    if job is None:
        raise NotFound(f"no summarization job with id {job_id}")
    return job


def job_result(conn: psycopg.Connection[Any], *, user_id: int, job_id: int) -> tuple[SummaryJob, Any]:
    """(the job, its result JSON: None until it is done)."""
    job = job_status(conn, user_id=user_id, job_id=job_id)
    result = summary_jobs.job_result(conn, user_id=user_id, job_id=job_id) if job.status == "done" else None
    return job, result


def summarize(conn: psycopg.Connection[Any], llm: ChatModel | None, *, user_id: int, since: date,
              until: date, chats: Sequence[str] | None, capable: bool = False) -> dict[str, Any]:
    """{"since", "until", "chats", "digests": [one digest JSON per day]}."""
    me = display_name(conn, user_id=user_id)
    wanted = set(chats or [])
    digests = []
    day = since
    while day <= until:
        digest = digest_of_day(conn, user_id=user_id, day=day, me=me, llm=llm, capable=capable)
        if wanted:
            digest.chats = [c for c in digest.chats if c.chat in wanted]
        digests.append(digest.to_json())
        day += timedelta(days=1)
    return {"since": since.isoformat(), "until": until.isoformat(),
            "chats": sorted(wanted) or None, "digests": digests}


def run_summarization_job(conn: psycopg.Connection[Any], llm: ChatModel | None, *, user_id: int,
                          job_id: int, capable: bool = False) -> str:
    """Run one queued job; its final status. A job that is done, failed or running elsewhere is
    left alone (a queue may deliver a message twice). A core error fails the job with its
    message; anything else fails it and is raised, so the queue's retry and alarms see it."""
    job = summary_jobs.claim_job(conn, user_id=user_id, job_id=job_id, stale_after=STALE_AFTER)
    if job is None:
        current = summary_jobs.get_job(conn, user_id=user_id, job_id=job_id)
        if current is None:
            raise NotFound(f"no summarization job with id {job_id}")
        return current.status
    try:
        result = summarize(conn, llm, user_id=user_id, since=job.since, until=job.until,
                           chats=job.chats, capable=capable)
    except NudgeError as exc:
        summary_jobs.finish_job(conn, user_id=user_id, job_id=job_id, error=str(exc)[:500])
        return "failed"
    except Exception:
        log.exception("summarization job %s failed", job_id)
        if not conn.closed and not conn.broken:
            summary_jobs.finish_job(conn, user_id=user_id, job_id=job_id, error="internal error")
        raise
    summary_jobs.finish_job(conn, user_id=user_id, job_id=job_id, result=result)
    return "done"


def summarization_job(settings: Settings, payload: dict[str, Any]) -> None:
    """The "summarization" job of the pipeline's queue: run it with the chat model (None when the
    LLM is away: the digest is then extractive, which it always can be)."""
    from nudge.bootstrap import open_services

    user_id = int(payload["user_id"])
    with open_services(settings, with_llm=bool(settings.llm_base_url), user_id=user_id) as services:
        status = run_summarization_job(services.conn, services.chat_model(), user_id=user_id,
                                       job_id=int(payload["job_id"]), capable=services.capable)
    log.info("summarization job %s of user %s: %s", payload["job_id"], user_id, status)
