"""Lambda entry of the HTTP API (/messages, /summarization/*, /replies/*, /system/status, /docs,
/openapi.json): API Gateway HTTP API (payload v2) -> Mangum -> nudge.faces.http.api_app.

Thin on purpose; the app lives in the core layer so `nudge serve` mounts the very same one. The
database connection and the LLM client are made on first use and reused while the container
lives. Summarization jobs are stored here and sent to the pipeline's job queue, whose Lambda runs them.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from nudge.faces.http.api_app import create_api_app
from nudge.faces.http.app import powertools

logger, metrics, tracer = powertools("api")
app = create_api_app()
asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
