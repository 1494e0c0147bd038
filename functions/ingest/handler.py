"""Lambda entry of POST /ingest: API Gateway HTTP API (payload v2) -> Mangum -> nudge.faces.http.ingest_app.

Thin on purpose; the app lives in the core layer so `nudge serve` mounts the very same one. The
database connection is opened on the first ingest request and reused while the container lives.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from nudge.faces.http.ingest_app import create_ingest_app, logger, metrics, tracer

app = create_ingest_app()
asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
