"""Secrets on AWS: the stack passes Secrets Manager ARNs, never values, in the environment.

`load_settings` calls `resolve_secrets` so every face sees plain values (DATABASE_URL,
TELEGRAM_BOT_TOKEN, …) whether they came from the environment (local) or from Secrets Manager (AWS).
Values are cached by Powertools Parameters for five minutes per warm container.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

# plain variable -> the variable holding the ARN of the secret with its value
PLAIN_SECRETS = {
    "INGEST_API_TOKEN": "INGEST_API_TOKEN_SECRET_ARN",
    "TELEGRAM_BOT_TOKEN": "TELEGRAM_BOT_TOKEN_SECRET_ARN",
    "TELEGRAM_WEBHOOK_SECRET": "TELEGRAM_WEBHOOK_SECRET_ARN",
}
CACHE_SECONDS = 300


def database_url(secret: dict[str, Any], env: dict[str, str]) -> str:
    """postgresql:// URL from the RDS secret JSON; DB_HOST/DB_PORT/DB_NAME fill gaps in it."""
    user = quote(str(secret["username"]), safe="")
    password = quote(str(secret["password"]), safe="")
    host = secret.get("host") or env["DB_HOST"]
    port = secret.get("port") or env.get("DB_PORT") or 5432
    name = env.get("DB_NAME") or secret.get("dbname") or "nudge"
    return f"postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require"


def secret_value(arn: str) -> str:
    """A plain-string secret, cached per warm container."""
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_secret(arn, max_age=CACHE_SECONDS))


def resolve_secrets(env: dict[str, str]) -> dict[str, str]:
    """`env` with each unset plain value filled from its secret, when an ARN is given."""
    resolved = dict(env)
    for plain, arn_var in PLAIN_SECRETS.items():
        if not resolved.get(plain) and resolved.get(arn_var):
            resolved[plain] = secret_value(resolved[arn_var])
    if not resolved.get("DATABASE_URL") and resolved.get("DB_SECRET_ARN"):
        resolved["DATABASE_URL"] = database_url(
            json.loads(secret_value(resolved["DB_SECRET_ARN"])), resolved)
    return resolved
