"""`nudge serve`: the API Gateway routes on one loopback server, with the parts AWS would provide.

One uvicorn server routes /ingest (and the collector's /outbox), /lock and /telegram/webhook to
the very apps the Lambdas run (paths unchanged, as API Gateway passes them); a moto server stands
in for DynamoDB (lock table created on start); the database is the embedded Postgres (or
DATABASE_URL). Everything started here is stopped on exit, and the environment is put back.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from typing import Any

from nudge.config import Settings
from nudge.errors import NudgeError

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]

@dataclasses.dataclass(frozen=True, slots=True)
class LocalStack:
    """What a running local stack offers its callers."""

    base_url: str
    token: str

    def __str__(self) -> str:
        return self.base_url


class PathRouter:
    """ASGI app sending each request to the app owning its path prefix, like API Gateway routes."""

    def __init__(self, routes: dict[str, ASGIApp], default: ASGIApp) -> None:
        self._routes = sorted(routes.items(), key=lambda item: -len(item[0]))
        self._default = default

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        for prefix, app in self._routes:
            if path == prefix or path.startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        await self._default(scope, receive, send)


@contextmanager
def patched_env(values: dict[str, str | None]) -> Iterator[None]:
    """Set (None: unset) environment variables for the block; restore them afterwards."""
    before = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def moto_wsgi_app() -> Callable[..., Any]:
    """moto's server app with one request at a time.

    DynamoDB applies each conditional write atomically; threaded moto does not (two concurrent
    `attribute_not_exists` writes can both succeed), so requests are serialised here. Connections
    are still served concurrently.
    """
    from moto.server import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with one_at_a_time:
            return list(app(environ, start_response))

    return serialised


def _moto_server(host: str, port: int) -> Any:
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per DynamoDB call
    return make_server(host, port, moto_wsgi_app(), threaded=True,
                       request_handler=MotoRequestHandler)


@contextmanager
def moto_dynamodb(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """A moto server on a thread of this process; yields its endpoint URL."""
    server = _moto_server(host, port)
    thread = threading.Thread(target=server.serve_forever, name="nudge-moto", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def serve_moto(host: str = "127.0.0.1", port: int = 0) -> None:
    """Run the serialised moto server in the foreground, printing its URL first (for tests and
    benchmarks that want DynamoDB in a process of its own)."""
    server = _moto_server(host, port)
    print(f"http://{host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


@contextmanager
def uvicorn_server(app: ASGIApp, host: str, port: int) -> Iterator[int]:
    """uvicorn serving `app` on a thread; yields the bound port (useful with port 0)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="nudge-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise NudgeError(f"the local server did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def telegram_app(settings: Settings) -> ASGIApp | None:
    """The Telegram webhook app from the core (nudge.faces.telegram.webhook), when it is there."""
    try:
        from nudge.faces.telegram.webhook import create_webhook_app
    except ImportError:
        return None
    return create_webhook_app(lambda: settings)


def _start_llm(settings: Settings, stack: ExitStack) -> str | None:
    """LLM_BASE_URL if set, else the local llm_service; None (with a warning) if it can't start."""
    if settings.llm_base_url:
        return settings.llm_base_url
    try:
        from nudge.llm.local import local_llm_service

        return stack.enter_context(local_llm_service(settings))
    except (NudgeError, OSError, RuntimeError, ImportError) as exc:
        logging.getLogger(__name__).warning("local LLM service not started: %s", exc)
        return None


@contextmanager
def local_stack(settings: Settings, *, host: str = "127.0.0.1", port: int = 0,
                llm: bool = False) -> Iterator[LocalStack]:
    """Start moto (DynamoDB), the database connection and the HTTP apps; yield where they are.

    The ingest token is settings.ingest_api_token, or a fresh random one when none is set.
    `llm=True` also starts the local llm_service (unless LLM_BASE_URL is set) for the webhook.
    """
    from nudge.aws.lock import DynamoLockStore, create_lock_table, dynamodb_client
    from nudge.faces.http.connection import SharedConnection
    from nudge.faces.http.ingest_app import create_ingest_app
    from nudge.faces.http.lock_app import create_lock_app
    from nudge.store.db import connect

    token = settings.ingest_api_token or secrets.token_urlsafe(24)
    with ExitStack() as stack:
        dynamodb_url = stack.enter_context(moto_dynamodb(host))
        stack.enter_context(patched_env({
            "AWS_ENDPOINT_URL": dynamodb_url, "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1", "INGEST_API_TOKEN": token,
            "LOCK_TABLE_NAME": settings.lock_table_name,
            "POWERTOOLS_TRACE_DISABLED": os.environ.get("POWERTOOLS_TRACE_DISABLED", "1"),
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "1"),
            "INGEST_API_TOKEN_SECRET_ARN": None,
        }))
        llm_url = _start_llm(settings, stack) if llm else settings.llm_base_url
        if llm_url:
            stack.enter_context(patched_env({"LLM_BASE_URL": llm_url}))
        local = dataclasses.replace(settings, aws_endpoint_url=dynamodb_url,
                                    ingest_api_token=token, llm_base_url=llm_url)
        client = dynamodb_client(dynamodb_url)
        create_lock_table(client, local.lock_table_name)
        locks = DynamoLockStore(client, local.lock_table_name)
        database = SharedConnection(lambda: connect(local))
        stack.callback(database.close)
        with database():  # start the embedded Postgres and migrate now, not on the first upload
            pass
        lock_app = create_lock_app(lambda: locks)
        ingest_app = create_ingest_app(settings_provider=lambda: local, connection=database,
                                       lock_state=locks.state)
        routes: dict[str, ASGIApp] = {"/ingest": ingest_app, "/outbox": ingest_app, "/lock": lock_app}
        create_lock_table(client, local.dedup_table_name)  # the webhook's dedup table: same shape
        telegram = telegram_app(local)
        if telegram is not None:
            routes["/telegram"] = telegram
        bound = stack.enter_context(uvicorn_server(PathRouter(routes, lock_app), host, port))
        yield LocalStack(base_url=f"http://{host}:{bound}", token=token)


def _wait_for_stop_signal() -> None:
    """Block until Ctrl-C or SIGTERM (both end as KeyboardInterrupt, so cleanup runs)."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored
        signal.signal(signal.SIGTERM, interrupt)
    threading.Event().wait()


def run_local_stack(settings: Settings, *, host: str = "127.0.0.1", port: int = 8787) -> None:
    """Serve until Ctrl-C, then stop everything that was started (the `nudge serve` command)."""
    with local_stack(settings, host=host, port=port, llm=True) as stack:
        print(f"Nudge local stack on {stack.base_url}  (Ctrl-C stops it)", flush=True)
        if not settings.ingest_api_token:
            print(f"INGEST_API_TOKEN={stack.token}  (generated; set it to choose your own)",
                  flush=True)
        try:
            _wait_for_stop_signal()
        except KeyboardInterrupt:
            print("stopping", flush=True)
