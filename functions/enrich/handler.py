"""Lambda fed by the jobs queue (SQS, with a dead-letter queue): background jobs, above all the
enrichment of newly stored messages (embeddings through llm_service, sentiment).

Each record is one job (nudge.features.jobs); a failed one is reported in batchItemFailures, so
SQS retries only it and, after its last delivery, parks it in the dead-letter queue (alarmed).
"""

from typing import Any

from nudge.config import load_settings
from nudge.faces.http.app import powertools
from nudge.faces.worker import handle_sqs_event

logger, metrics, tracer = powertools("enrich")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    answer = handle_sqs_event(event, load_settings())
    metrics.add_metric(name="JobsFailed", unit="Count", value=len(answer["batchItemFailures"]))
    return answer
