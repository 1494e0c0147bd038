"""Dependencies shared by the API's routers (module level: FastAPI resolves them at runtime)."""

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from nudge.faces.http.api_app import ApiParts
from nudge.faces.http.auth import require_bearer
from nudge.faces.http.errors import ApiError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def parts(request: Request) -> ApiParts:
    return request.app.state.parts


def acting_user(request: Request, user_id: Annotated[int, Depends(require_bearer)]) -> int:
    """The user the bearer token acts for, their profile created on first use."""
    request.app.state.parts.ensure_user(user_id)
    return user_id


Parts = Annotated[ApiParts, Depends(parts)]
User = Annotated[int, Depends(acting_user)]


def check_day(value: date | None, where: str) -> date | None:
    """Dates far outside any chat's life are refused (and day arithmetic stays in range)."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ApiError(400, f"{where}: must be between {FIRST_DAY} and {LAST_DAY}")
    return value


def query_vector(p: ApiParts, text: str) -> Any:
    """The embedding of a search query, or None (full text only) when the LLM is away."""
    from nudge.errors import LLMUnavailable

    llm = p.llm()
    if llm is None:
        return None
    try:
        return llm.embed([text])[0]
    except LLMUnavailable:
        return None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (all `{"error": ...}`)."""
    from nudge.faces.http.api_models import Error

    words = {400: "malformed request (the field is named)", 401: "missing or wrong bearer token",
             404: "no such thing for this user", 409: "conflict (see error)",
             413: "request too large", 415: "unsupported Content-Type",
             503: "not available (no token configured, or a part is down)"}
    return {status: {"model": Error, "description": words[status]} for status in statuses}


AUTH_ERRORS = (400, 401, 503)
