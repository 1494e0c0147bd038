"""The collector's side of the outbox, on the ingest app: list, claim, report; always fenced.

- `GET /outbox` → `{"enabled", "replies": [...]}`: queued replies, per chat in queue order.
- `POST /outbox/{id}/claim` → the reply, now "sending" under this fence. Claim BEFORE sending.
- `POST /outbox/{id}/sent` `{"ok": true, "whatsapp_id"?}` or `{"ok": false, "error": "..."}`.

Every call needs the bearer token (the user it names owns the replies; another user's id → 404)
and the lock headers X-Lock-Name / X-Lock-Token / X-Lock-Fence of the current lease (stale → 409).
A reply is claimed once and only its claim may report it (409 with `"conflict": "reply"`; a
stale lease is a 409 without that field), which is what keeps a
crashed or overtaken collector from sending anything twice (nudge.features.outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from nudge.faces.http.auth import require_bearer
from nudge.faces.http.body import json_object, read_body
from nudge.faces.http.connection import ConnectionProvider
from nudge.faces.http.errors import ApiError

REPORT_BODY_LIMIT = 16 * 1024
Claim = tuple[str, str, int]  # (lock name, token, fence)
Authed = Annotated[int, Depends(require_bearer)]


def add_outbox_routes(app: FastAPI, *, borrow: ConnectionProvider,
                      fenced: Callable[[Request], Claim],
                      notify: Callable[[int], None] | None = None) -> None:
    """Add the routes to `app`. `fenced(request)` returns the checked lock claim (400 without one,
    409 when stale); `notify(user_id)` tells the user an outcome right away (best effort: the
    reminder schedule catches up on anything untold)."""

    def conflicts(call: Callable[[], Any]) -> Any:
        from nudge.features.outbox import OutboxConflict, OutboxOff

        try:
            return call()
        except (OutboxConflict, OutboxOff) as exc:
            raise ApiError(409, str(exc), conflict="reply") from None

    @app.get("/outbox")
    def list_outbox(request: Request, user_id: Authed) -> dict[str, Any]:
        from nudge.features import outbox

        name, _, fence = fenced(request)
        with borrow() as conn:
            items = outbox.to_send(conn, user_id=user_id, lock_name=name, fence=fence)
            enabled = outbox.is_enabled(conn, user_id=user_id)
        return {"enabled": enabled, "replies": [item.to_json() for item in items]}

    @app.post("/outbox/{outbox_id}/claim")
    def claim_reply(outbox_id: int, request: Request, user_id: Authed) -> dict[str, Any]:
        from nudge.features import outbox

        name, _, fence = fenced(request)
        owner = request.headers.get("x-lock-owner")
        with borrow() as conn:
            item = conflicts(lambda: outbox.claim(conn, user_id=user_id, outbox_id=outbox_id,
                                                  lock_name=name, fence=fence, owner=owner))
        return item.to_json()

    @app.post("/outbox/{outbox_id}/sent")
    async def report_reply(outbox_id: int, request: Request, user_id: Authed) -> dict[str, Any]:
        body = json_object(await read_body(request, REPORT_BODY_LIMIT))
        ok = body.get("ok", True)
        error, whatsapp_id = body.get("error"), body.get("whatsapp_id")
        if not isinstance(ok, bool):
            raise ApiError(400, "ok: must be true or false")
        if error is not None and not isinstance(error, str):
            raise ApiError(400, "error: must be a string")
        if whatsapp_id is not None and not isinstance(whatsapp_id, str):
            raise ApiError(400, "whatsapp_id: must be a string")
        return await run_in_threadpool(_report, request, user_id, outbox_id, ok, error, whatsapp_id)

    def _report(request: Request, user_id: int, outbox_id: int, ok: bool, error: str | None,
                whatsapp_id: str | None) -> dict[str, Any]:
        from nudge.features import outbox

        name, _, fence = fenced(request)
        with borrow() as conn:
            item = conflicts(lambda: outbox.report(
                conn, user_id=user_id, outbox_id=outbox_id, lock_name=name, fence=fence, ok=ok,
                error=error, whatsapp_id=(whatsapp_id or "")[:200] or None))
        if notify is not None and not item.told:
            notify(user_id)
        return item.to_json()
