"""Every error answer is `{"error": "<in words>"}` (CONTRACTS.md); core errors map to statuses here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nudge.errors import InputError, NotFound, NudgeError, ParseError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than 200, raised anywhere in a request; `extra` adds fields to the body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def status_of(exc: NudgeError) -> int:
    """The HTTP status a core error means (lock errors are mapped by the lock app itself)."""
    if isinstance(exc, InputError | ParseError):
        return 400
    if isinstance(exc, NotFound):
        return 404
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """JSON errors for everything: ours, the core's, FastAPI's own 404/405/422 and crashes."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, **exc.extra)

    @app.exception_handler(NudgeError)
    async def _core(_: Request, exc: NudgeError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.exception("core error")
            return error_response(status, "internal error")
        return error_response(status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "path"))
        return error_response(400, f"{where}: {first.get('msg')}" if where else first["msg"])

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal error")
