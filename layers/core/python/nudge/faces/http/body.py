"""Reading request bodies within a size limit, and decoding JSON objects with field-named errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from nudge.faces.http.errors import ApiError

# API Gateway's own request limit. On AWS the Lambda invoke limit (6 MB, less after base64 for
# binary bodies) bites first; locally and in tests this is the limit that answers 413.
MAX_BODY_BYTES = 10 * 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, or 413 as soon as it is known to be over `limit` (declared or actually sent)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"request body over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or 400 saying what is wrong with it."""
    try:
        value = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "body: not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"body: malformed JSON ({exc.msg} at line {exc.lineno} "
                            f"column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ApiError(400, "body: must be a JSON object")
    return value
