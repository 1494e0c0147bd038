"""Bearer auth shared by ingest and lock: a token names the user it acts for, compared in
constant time.

INGEST_API_TOKEN acts for the default user (NUDGE_USER, default 1); INGEST_USER_TOKENS
("2=token-b,3=token-c") adds one token per further user.

Where the token comes from: on AWS the stack sets INGEST_API_TOKEN_SECRET_ARN and the value is read
from Secrets Manager (nudge.aws.secrets: Powertools Parameters, cached per container, so a
rotated secret takes effect within minutes); locally it is INGEST_API_TOKEN. No token configured
means every request is refused (fail closed), never accepted.
"""

from __future__ import annotations

import hmac
import os

from fastapi import Request

from nudge.aws.secrets import secret_value
from nudge.faces.http.errors import ApiError


def expected_token() -> str | None:
    """The configured ingest token, or None when none is configured."""
    arn = os.environ.get("INGEST_API_TOKEN_SECRET_ARN")
    value = secret_value(arn) if arn else os.environ.get("INGEST_API_TOKEN")
    return (value or "").strip() or None


def user_tokens() -> list[tuple[str, int]]:
    """(token, user id) of every configured token."""
    tokens = []
    if (default := expected_token()) is not None:
        tokens.append((default, int(os.environ.get("NUDGE_USER") or 1)))
    for part in os.environ.get("INGEST_USER_TOKENS", "").split(","):
        user, _, token = part.strip().partition("=")
        if user.strip().isdigit() and token.strip():
            tokens.append((token.strip(), int(user)))
    return tokens


def token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_bearer(request: Request) -> int:
    """FastAPI dependency: the user id of the `Authorization: Bearer <token>`; 401 unless it is
    a configured token, 503 when none is configured."""
    tokens = user_tokens()
    if not tokens:
        raise ApiError(503, "the server has no ingest token configured (INGEST_API_TOKEN)")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "missing bearer token (Authorization: Bearer <INGEST_API_TOKEN>)")
    matches = [user for token, user in tokens if token_matches(given.strip(), token)]  # all compared
    if not matches:
        raise ApiError(401, "invalid bearer token")
    return matches[0]
