"""Lambda fired by EventBridge Scheduler (every 15 minutes): the digests, per user's frequency
(daily, weekly, several times a day; manual and off send nothing) in the user's time zone.

The schedule's input is {"scheduled_time": "<aws.scheduler.scheduled-time>"}; a retry carries the
same time and nudge.faces.schedules sends each user's digest once per period (see its docstring).
"""

from typing import Any

from nudge.config import load_settings
from nudge.faces.http.app import powertools
from nudge.faces.schedules import run_daily_digest, scheduled_time

logger, metrics, tracer = powertools("summarize")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = scheduled_time(event)
    report = run_daily_digest(load_settings(), now)
    metrics.add_metric(name="DigestsSent", unit="Count", value=len(report.sent))
    metrics.add_metric(name="DigestsFailed", unit="Count", value=len(report.failed))
    logger.info("digest run", extra={"scheduled_time": now.isoformat(), **report.to_json()})
    return report.to_json()
