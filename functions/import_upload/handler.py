"""Lambda fed by the import queue (SQS, with a dead-letter queue; 15-minute timeout): a Telegram
upload kept in the upload bucket is stored, the chat told the counts, its enrichment queued
(nudge.faces.telegram.uploads.import_upload_job, through nudge.features.jobs).
"""

from typing import Any

from nudge.config import load_settings
from nudge.faces.http.app import powertools
from nudge.faces.worker import handle_sqs_event

logger, metrics, tracer = powertools("import_upload")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    answer = handle_sqs_event(event, load_settings())
    metrics.add_metric(name="ImportsFailed", unit="Count", value=len(answer["batchItemFailures"]))
    return answer
