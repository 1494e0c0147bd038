"""Is Nudge working for this user? The database, the LLM, the enrichment and job backlog, and
when the last import, digest and reminders happened (GET /system/status).

A part fails when it cannot answer, or (the queue) when its oldest waiting item is older than
MAX_QUEUE_AGE: the schedules embed the backlog every 15 minutes, so older work means they stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from nudge.store import status as status_store
from nudge.store.summary_jobs import waiting_jobs

log = logging.getLogger(__name__)

MAX_QUEUE_AGE = timedelta(hours=2)


@dataclass(slots=True)
class SystemStatus:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check["ok"]]

    @property
    def ok(self) -> bool:
        return not self.failing

    def to_json(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failing", "failing": self.failing,
                "checks": self.checks, **self.last}


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


def _age(moment: datetime | None, now: datetime) -> float | None:
    if moment is None:
        return None
    return round(max(0.0, (now - moment).total_seconds()), 1)


def system_status(borrow: Callable[[], AbstractContextManager[Any]],
                  llm_health: Callable[[], bool] | None, *, user_id: int,
                  now: datetime | None = None) -> SystemStatus:
    """Each part checked on its own; one failing part never hides the others."""
    now = now or datetime.now(UTC)
    report = SystemStatus()
    activity = jobs = None
    try:
        with borrow() as conn:
            activity = status_store.activity(conn, user_id=user_id)
            jobs = waiting_jobs(conn, user_id=user_id)
        report.checks["database"] = {"ok": True}
    except Exception as exc:  # any failure of the database is the answer here, not a crash
        log.warning("status: database check failed: %s", exc)
        report.checks["database"] = {"ok": False, "error": f"the database is unreachable "
                                                           f"({type(exc).__name__})"}
    if llm_health is None:
        report.checks["llm"] = {"ok": False, "error": "no LLM service configured (LLM_BASE_URL)"}
    else:
        healthy = _safe(llm_health)
        report.checks["llm"] = {"ok": healthy} if healthy else {
            "ok": False, "error": "the LLM service does not answer its health check"}
    if activity is None or jobs is None:
        report.checks["queue"] = {"ok": False, "error": "unknown: the database is unreachable"}
        report.last = {"last_import_at": None, "last_digest": None, "last_reminder_at": None}
        return report
    oldest_job_age = _age(jobs[1], now)
    pending_age = _age(activity.oldest_pending_at, now)
    queue: dict[str, Any] = {
        "ok": True,
        "pending_enrichment": activity.pending_enrichment,
        "oldest_pending_at": _iso(activity.oldest_pending_at),
        "oldest_pending_age_seconds": pending_age,
        "summarization_jobs_waiting": jobs[0],
        "oldest_job_age_seconds": oldest_job_age,
    }
    limit = MAX_QUEUE_AGE.total_seconds()
    if max(pending_age or 0, oldest_job_age or 0) > limit:
        queue.update(ok=False, error=f"work has waited longer than {int(limit // 60)} minutes")
    report.checks["queue"] = queue
    report.last = {
        "last_import_at": _iso(activity.last_import_at),
        "last_digest": None if activity.last_digest_day is None else {
            "day": activity.last_digest_day.isoformat(), "sent_at": _iso(activity.last_digest_at)},
        "last_reminder_at": _iso(activity.last_reminder_at),
    }
    return report


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception as exc:  # a health probe that raises means unhealthy
        log.warning("status: LLM health check failed: %s", exc)
        return False
