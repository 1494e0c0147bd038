"""GET /messages (filters, hybrid search with q, cursor pages) and POST /messages (the
collector's JSON batch, validated and stored exactly as POST /ingest stores it)."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from nudge.faces.http.api_deps import AUTH_ERRORS, Parts, User, check_day, error_responses, query_vector
from nudge.faces.http.api_models import ImportResult, MessagePage, Text
from nudge.faces.http.body import json_object, read_body
from nudge.faces.http.errors import ApiError

router = APIRouter(tags=["messages"])

@router.get("/messages", response_model=MessagePage,
            responses=error_responses(*AUTH_ERRORS, 404))
def list_messages(
    p: Parts, user_id: User,
    chat: Annotated[Text | None, Query(max_length=500, description="chat name (exact, prefix or "
                                                                   "part)")] = None,
    sender: Annotated[Text | None, Query(max_length=500, description="part of the sender's "
                                                                     "name")] = None,
    since: Annotated[date | None, Query(description="first day, inclusive")] = None,
    until: Annotated[date | None, Query(description="last day, inclusive")] = None,
    sentiment: Literal["positive", "neutral", "negative"] | None = None,
    q: Annotated[Text | None, Query(max_length=500, description="hybrid search: words and meaning; "
                                                                "results best first")] = None,
    cursor: Annotated[Text | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The user's messages, newest first (or best first with `q`), one page at a time."""
    from nudge.features.messages import browse_messages

    check_day(since, "since")
    check_day(until, "until")
    vector = query_vector(p, q) if q and q.strip() else None
    with p.borrow() as conn:
        page = browse_messages(conn, user_id=user_id, chat=chat, sender=sender, since=since,
                               until=until, sentiment=sentiment, q=q, query_embedding=vector,
                               cursor=cursor, limit=limit)
    return page.to_json()


BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Batch"}}}}}


@router.post("/messages", response_model=ImportResult, openapi_extra=BATCH_BODY,
             responses=error_responses(*AUTH_ERRORS, 409, 413, 415))
async def post_messages(request: Request, p: Parts, user_id: User) -> dict[str, Any]:
    """Store a collector batch (the JSON body of POST /ingest; the same X-Lock-* fencing)."""
    from nudge.faces.http.ingest_app import _lock_claim

    data = await read_body(request, p.max_body_bytes)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, f"Content-Type must be application/json, not {media_type or 'missing'!r}")
    body, claim = json_object(data), _lock_claim(request)
    result = await run_in_threadpool(_store_batch, p, body, claim, user_id)
    return result.to_json()


def _store_batch(p: Any, body: dict[str, Any], claim: tuple[str, str, int] | None,
                 user_id: int) -> Any:
    from nudge.aws.lock import StaleFence, check_fence
    from nudge.faces.http.batch import parse_batch
    from nudge.features.importing import ingest_batch

    batch = parse_batch(body, tz=p.settings().tz)
    if claim is not None:
        name, token, fence = claim
        try:
            check_fence(p.lock_state(name), name=name, token=token, fence=fence)
        except StaleFence as stale:
            raise ApiError(409, str(stale)) from None
    with p.borrow() as conn:
        return ingest_batch(conn, user_id=user_id, chat_name=batch.chat_name,
                            chat_type=batch.chat_type, messages=batch.messages)
