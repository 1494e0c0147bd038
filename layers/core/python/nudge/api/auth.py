"""Bearer auth shared by ingest and lock: one token, compared in constant time.

Where the token comes from: on AWS the stack sets INGEST_API_TOKEN_SECRET_ARN and the value is read
from Secrets Manager (nudge.secrets: Powertools Parameters, cached per container, so a
rotated secret takes effect within minutes); locally it is INGEST_API_TOKEN. No token configured
means every request is refused (fail closed), never accepted.
"""

from __future__ import annotations

import hmac
import os

from fastapi import Request

from nudge.api.errors import ApiError
from nudge.secrets import secret_value


def expected_token() -> str | None:
    """The configured ingest token, or None when none is configured."""
    arn = os.environ.get("INGEST_API_TOKEN_SECRET_ARN")
    value = secret_value(arn) if arn else os.environ.get("INGEST_API_TOKEN")
    return (value or "").strip() or None


def token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_bearer(request: Request) -> None:
    """FastAPI dependency: 401 unless `Authorization: Bearer <token>` carries the ingest token."""
    expected = expected_token()
    if expected is None:
        raise ApiError(503, "the server has no ingest token configured (INGEST_API_TOKEN)")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "missing bearer token (Authorization: Bearer <INGEST_API_TOKEN>)")
    if not token_matches(given.strip(), expected):
        raise ApiError(401, "invalid bearer token")
