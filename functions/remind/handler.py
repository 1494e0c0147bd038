"""Lambda fired by EventBridge Scheduler (every 15 minutes): reminders that are due, the outbox's
outcomes not told yet, then embeddings for messages stored without one (collector pushes, LLM outages).

The schedule's input is {"scheduled_time": "<aws.scheduler.scheduled-time>"}; a retry carries the
same time and finds nothing due any more (nudge.faces.schedules, nudge.features.reminders.mark_sent).
"""

from typing import Any

from nudge.config import load_settings
from nudge.faces.http.app import powertools
from nudge.faces.schedules import (
    run_enrichment_backlog,
    run_outbox_notices,
    run_reminders,
    scheduled_time,
)

logger, metrics, tracer = powertools("remind")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = scheduled_time(event)
    settings = load_settings()
    report = run_reminders(settings, now)
    outbox = run_outbox_notices(settings, now)  # "sent ✓", errors, unknown: told once each
    metrics.add_metric(name="OutboxOutcomesTold", unit="Count", value=len(outbox.sent))
    if settings.llm_base_url:  # on AWS always; the tick also catches up on missing embeddings
        metrics.add_metric(name="MessagesEmbedded", unit="Count",
                           value=run_enrichment_backlog(settings))
    metrics.add_metric(name="RemindersSent", unit="Count", value=len(report.sent))
    metrics.add_metric(name="RemindersFailed", unit="Count", value=len(report.failed))
    logger.info("reminder run", extra={"scheduled_time": now.isoformat(), **report.to_json()})
    return report.to_json()
