"""Lambda entry of the lock API: API Gateway HTTP API (payload v2) -> Mangum -> nudge.faces.http.lock_app.

Thin on purpose; the app lives in the core layer so `nudge serve` mounts the very same one.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from nudge.faces.http.lock_app import create_lock_app, logger, metrics, tracer

app = create_lock_app()
asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
