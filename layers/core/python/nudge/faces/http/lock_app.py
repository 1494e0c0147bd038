"""The lock API (POST /lock, PUT/DELETE /lock/{name}) over nudge.aws.lock's DynamoDB store.

Cold start: boto3 is imported and the client built on the first lock request, then reused for the
life of the container.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from nudge.aws.lock import DynamoLockStore, LockLost, LockTaken, iso_utc
from nudge.faces.http.app import add_count, base_app, powertools
from nudge.faces.http.auth import require_bearer
from nudge.faces.http.body import json_object, read_body
from nudge.faces.http.errors import ApiError

LOCK_BODY_LIMIT = 64 * 1024

logger, metrics, tracer = powertools("lock")

StoreFactory = Callable[[], DynamoLockStore]


async def _json_body(request: Request) -> dict[str, Any]:
    return json_object(await read_body(request, LOCK_BODY_LIMIT))


# Module level: FastAPI resolves these (string) annotations in the module's namespace.
Authed = Annotated[int, Depends(require_bearer)]
Body = Annotated[dict[str, Any], Depends(_json_body)]


def default_store_factory() -> StoreFactory:
    """Build the store from the environment on first use, once per container."""
    made: list[DynamoLockStore] = []
    guard = threading.Lock()

    def factory() -> DynamoLockStore:
        with guard:
            if not made:
                from nudge.aws.lock import dynamodb_client
                from nudge.config import load_settings

                settings = load_settings()
                made.append(DynamoLockStore(dynamodb_client(settings.aws_endpoint_url),
                                            settings.lock_table_name))
            return made[0]

    return factory


def _count(name: str) -> None:
    add_count(metrics, name)


def create_lock_app(store_factory: StoreFactory | None = None) -> FastAPI:
    """The lock app; `store_factory` lets tests and the local stack choose the table and clock."""
    app = base_app("Nudge lock")
    get_store = store_factory or default_store_factory()

    @app.post("/lock")
    def acquire(_: Authed, body: Body) -> JSONResponse:
        try:
            lease = get_store().acquire(body.get("name"), body.get("owner"),
                                        body.get("ttl_seconds"))
        except LockTaken as taken:
            _count("LockContention")
            logger.info("lock busy", extra={"lock": taken.name, "holder": taken.holder})
            return JSONResponse(status_code=409, content={
                "acquired": False, "holder": taken.holder,
                "expires_at": iso_utc(taken.expires_at), "error": str(taken),
            })
        _count("LockAcquired")
        logger.info("lock acquired", extra={"lock": lease.name, "fence": lease.fence})
        return JSONResponse({
            "acquired": True, "name": lease.name, "token": lease.token, "fence": lease.fence,
            "expires_at": iso_utc(lease.expires_at),
        })

    @app.put("/lock/{name}")
    def renew(name: str, _: Authed, body: Body) -> dict[str, Any]:
        try:
            expires = get_store().renew(name, body.get("token"), body.get("ttl_seconds"))
        except LockLost as lost:
            _count("LockRenewRefused")
            raise ApiError(409, str(lost)) from None
        return {"name": name, "expires_at": iso_utc(expires)}

    @app.delete("/lock/{name}")
    def release(name: str, _: Authed, body: Body) -> dict[str, Any]:
        try:
            get_store().release(name, body.get("token"))
        except LockLost as lost:
            raise ApiError(409, str(lost)) from None
        return {"name": name, "released": True}

    return app
