"""What every Nudge HTTP app starts from: JSON errors, /health, and Powertools objects."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from nudge.faces.http.errors import install_error_handlers


def base_app(title: str) -> FastAPI:
    """A FastAPI app with GET /health and JSON errors; no docs routes (nothing to serve there)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def powertools(service: str) -> tuple[Any, Any, Any]:
    """Logger, Metrics (namespace "Nudge") and Tracer for one function; the stack's environment
    (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) wins over these defaults."""
    from aws_lambda_powertools import Logger, Metrics, Tracer

    name = os.environ.get("POWERTOOLS_SERVICE_NAME") or service
    logger = Logger(service=name)
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Nudge",
                      service=name)
    tracer = Tracer(service=name, patch_modules=("botocore",))
    return logger, metrics, tracer


def add_count(metrics: Any, name: str, value: float = 1) -> None:
    """A Count metric, unless metrics are disabled (local stack: no log_metrics flush there, so
    values would pile up and be printed every 100th time)."""
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
