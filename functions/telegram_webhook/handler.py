"""Lambda entry of POST /telegram/webhook: API Gateway HTTP API (payload v2) -> Mangum -> the app.

Thin on purpose: the app lives in the core layer (nudge.faces.telegram.webhook) so `nudge serve` mounts
the very same one. The PTB Application and the database connection are created on the first update
and reused while the container lives; no lifespan hook (lifespan="off").
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from nudge.faces.telegram.webhook import create_webhook_app, logger, metrics, tracer

app = create_webhook_app()
asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
