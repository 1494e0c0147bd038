"""POST /ingest: collector JSON batches and raw WhatsApp exports, stored through nudge.features.importing.
The same app serves the collector's outbox routes (faces.http.outbox_routes), fenced the same way.

Order of checks: bearer token (401) → body size (413) → shape and content (400/413/415) → lock
fence (409, nothing stored) → store. The fence is checked twice: against the lock (DynamoDB: the
token is the holder's, the fence was issued) and then in the storing transaction itself
(nudge.features.fencing), which refuses a fence lower than one that has written already, so a
takeover between the two checks cannot let a stale write through. The answer is sent after the
commit, which waits for the disk. The parser, psycopg and boto3 load on the first request that needs them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from nudge.domain import ImportResult
from nudge.faces.http.app import add_count, base_app, powertools
from nudge.faces.http.auth import require_bearer
from nudge.faces.http.body import MAX_BODY_BYTES, json_object, read_body
from nudge.faces.http.connection import ConnectionProvider, from_settings
from nudge.faces.http.errors import ApiError
from nudge.faces.http.outbox_routes import add_outbox_routes
from nudge.faces.http.zipcheck import check_zip, looks_like_zip

logger, metrics, tracer = powertools("ingest")

JSON_TYPES = ("application/json",)
TEXT_TYPES = ("text/plain",)
ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")


def _env_settings() -> Callable[[], Any]:
    """Settings from the environment, read on first use and kept for this app's lifetime."""

    @functools.cache
    def settings() -> Any:
        from nudge.config import load_settings

        return load_settings()

    return settings


def _header_text(request: Request, name: str) -> str | None:
    """A header as text: percent-encoded UTF-8 is decoded (names with emoji survive HTTP)."""
    raw = request.headers.get(name)
    if raw is None or not raw.strip():
        return None
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        raw = raw.encode("latin-1").decode("utf-8")
    return unquote(raw.strip())


def _lock_claim(request: Request) -> tuple[str, str, int] | None:
    """(lock name, token, fence) from X-Lock-Name/-Token/-Fence, or None when not fenced."""
    from nudge.aws.lock import DEFAULT_LOCK_NAME

    token = request.headers.get("x-lock-token")
    fence = request.headers.get("x-lock-fence")
    if token is None and fence is None:
        return None
    if not token or fence is None:
        raise ApiError(400, "X-Lock-Token and X-Lock-Fence go together")
    try:
        fence_number = int(fence)
    except ValueError:
        raise ApiError(400, f"X-Lock-Fence: not an integer: {fence[:20]!r}") from None
    name = request.headers.get("x-lock-name") or DEFAULT_LOCK_NAME
    return name, token, fence_number


def _count(result: ImportResult) -> None:
    add_count(metrics, "MessagesInserted", result.inserted)
    add_count(metrics, "MessagesDuplicate", result.duplicates)
    add_count(metrics, "MessagesSkipped", result.skipped)


def create_ingest_app(*, settings_provider: Callable[[], Any] | None = None,
                      connection: ConnectionProvider | None = None,
                      lock_state: Callable[[str], Any] | None = None,
                      max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The ingest app. Defaults read the environment and open the database lazily; tests and the
    local stack pass their own connection provider and lock reader (name → LockState | None)."""
    app = base_app("Nudge ingest")
    get_settings = settings_provider or _env_settings()
    borrow = connection or from_settings(get_settings)
    read_lock = lock_state or _default_lock_reader(get_settings)
    app.state.connection = borrow

    def check_claim(claim: tuple[str, str, int] | None) -> None:
        if claim is None:
            return
        from nudge.aws.lock import StaleFence, check_fence

        name, token, fence = claim
        try:
            check_fence(read_lock(name), name=name, token=token, fence=fence)
        except StaleFence as stale:
            add_count(metrics, "StaleFenceRejected")
            logger.warning("stale fence refused", extra={"lock": name, "fence": fence})
            raise ApiError(409, str(stale)) from None

    def fence_of(claim: tuple[str, str, int] | None) -> tuple[str, int] | None:
        return None if claim is None else (claim[0], claim[2])

    def refused(stale: Exception, claim: tuple[str, str, int] | None) -> ApiError:
        add_count(metrics, "StaleFenceRejected")
        logger.warning("stale fence refused in the transaction",
                       extra={"lock": claim[0] if claim else None,
                              "fence": claim[2] if claim else None})
        return ApiError(409, str(stale))

    def profile_name(conn: Any, user_id: int) -> None:
        """NUDGE_ME names the configured profile's user until a name is set on the profile."""
        from nudge.features.identity import my_name, set_my_name

        settings = get_settings()
        if settings.me and user_id == settings.user_id and not my_name(conn, user_id=user_id):
            set_my_name(conn, user_id=user_id, name=settings.me)

    def store_batch(body: dict[str, Any], claim: tuple[str, str, int] | None,
                    user_id: int) -> ImportResult:
        from nudge.aws.lock import StaleFence
        from nudge.faces.http.batch import parse_batch
        from nudge.features.fencing import fenced
        from nudge.features.importing import ingest_batch
        from nudge.store.users import ensure_user

        batch = parse_batch(body, tz=get_settings().tz)
        check_claim(claim)
        with borrow() as conn:
            ensure_user(conn, user_id=user_id)
            profile_name(conn, user_id)
            try:
                with fenced(conn, user_id=user_id, claim=fence_of(claim)):
                    return ingest_batch(conn, user_id=user_id, chat_name=batch.chat_name,
                                        chat_type=batch.chat_type, messages=batch.messages,
                                        chat_id=batch.chat_id,
                                        keep_audio=get_settings().keep_audio)
            except StaleFence as stale:
                raise refused(stale, claim) from None

    def store_export(data: bytes, chat_name: str | None, file_name: str | None,
                     claim: tuple[str, str, int] | None, user_id: int) -> ImportResult:
        is_zip = looks_like_zip(data)
        if is_zip:
            check_zip(data)
        if not data.strip():
            raise ApiError(400, "body: empty export")
        from nudge.aws.lock import StaleFence
        from nudge.features.fencing import fenced
        from nudge.features.importing import import_export
        from nudge.store.users import ensure_user
        from nudge.whatsapp import parse_bytes
        from nudge.whatsapp.voice import audio_members

        parsed = parse_bytes(data, source=file_name or ("upload.zip" if is_zip else "upload.txt"))
        name = chat_name or parsed.chat_name  # the parser read the file name already
        if not name:
            raise ApiError(400, "no chat name: send the X-Chat-Name header (the export does "
                                "not name its chat)")
        check_claim(claim)
        with borrow() as conn:
            settings = get_settings()
            ensure_user(conn, user_id=user_id, timezone=settings.timezone,
                        digest_time=settings.digest_time)
            profile_name(conn, user_id)
            try:
                with fenced(conn, user_id=user_id, claim=fence_of(claim)):
                    # voice notes are stored pending; the enrichment transcribes them
                    return import_export(conn, parsed, user_id=user_id, chat_name=name,
                                         audio=audio_members(data, parsed.media_files),
                                         keep_audio=settings.keep_audio)
            except StaleFence as stale:
                raise refused(stale, claim) from None

    def fenced(request: Request) -> tuple[str, str, int]:
        claim = _lock_claim(request)
        if claim is None:
            raise ApiError(400, "X-Lock-Token and X-Lock-Fence are required: take the lock first "
                                "(POST /lock)")
        check_claim(claim)
        return claim

    def notify(user_id: int) -> None:
        settings = get_settings()
        if not settings.telegram_bot_token:
            return
        from nudge.faces.telegram.outbox import notify_user

        with borrow() as conn:
            notify_user(settings, conn, user_id)

    add_outbox_routes(app, borrow=borrow, fenced=fenced, notify=notify)

    @app.post("/ingest")
    async def ingest(request: Request,
                     user_id: Annotated[int, Depends(require_bearer)]) -> dict[str, Any]:
        data = await read_body(request, max_body_bytes)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        claim = _lock_claim(request)
        if media_type in JSON_TYPES:
            result = await run_in_threadpool(store_batch, json_object(data), claim, user_id)
        elif media_type in TEXT_TYPES + ZIP_TYPES:
            result = await run_in_threadpool(
                store_export, data, _header_text(request, "x-chat-name"),
                _header_text(request, "x-file-name"), claim, user_id)
        else:
            raise ApiError(415, "Content-Type must be application/json, text/plain or "
                                f"application/zip, not {media_type or 'missing'!r}")
        _count(result)
        if result.inserted:
            await run_in_threadpool(_enqueue_enrichment, get_settings(), user_id)
        logger.info("ingested", extra=result.to_json())
        return result.to_json()

    return app


def _enqueue_enrichment(settings: Any, user_id: int) -> None:
    """Ask for the new messages' enrichment (nudge.features.enrichment). The messages are stored
    and the backlog lives in the database, so a queue that cannot be reached costs only time:
    the schedules' catch-up finds them."""
    from nudge.features import jobs

    try:
        jobs.submit("enrich", {"user_id": user_id}, settings=settings)
    except Exception:
        logger.exception("enrichment job not queued; the scheduled catch-up will find the messages")


def _default_lock_reader(settings_provider: Callable[[], Any]) -> Callable[[str], Any]:
    """Read lock state from the DynamoDB lock table, client built on first fenced request."""
    made: list[Any] = []

    def read(name: str) -> Any:
        if not made:
            from nudge.aws.lock import DynamoLockStore, dynamodb_client

            settings = settings_provider()
            made.append(DynamoLockStore(dynamodb_client(settings.aws_endpoint_url),
                                        settings.lock_table_name))
        return made[0].state(name)

    return read
