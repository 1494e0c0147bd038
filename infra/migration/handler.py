"""Custom-resource handler (CDK provider framework): apply Nudge's SQL migrations on every deploy.

Create and Update run `nudge.store.migrate.apply_migrations` (idempotent: only new files run, the
first one is `CREATE EXTENSION vector`); Delete does nothing, so removing the stack never touches
data. The stack passes a hash of the migrations folder as a property, which turns a changed
migration set into an Update. Credentials come from the RDS secret (DB_SECRET_ARN).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

PHYSICAL_ID = "nudge-migrations"


def _read_secret(arn: str) -> dict[str, Any]:
    import boto3  # in the Lambda runtime

    value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return json.loads(value)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID)}

    import psycopg  # deps layer

    from nudge.aws.secrets import database_url  # core layer
    from nudge.store.migrate import apply_migrations

    env = dict(os.environ)
    url = database_url(_read_secret(env["DB_SECRET_ARN"]), env)
    with psycopg.connect(url, connect_timeout=30) as conn:
        applied = apply_migrations(conn)
        conn.commit()
    logger.info("migrations applied: %s", applied or "none (up to date)")
    return {
        "PhysicalResourceId": PHYSICAL_ID,
        "Data": {"Applied": ",".join(applied) or "-"},
    }
