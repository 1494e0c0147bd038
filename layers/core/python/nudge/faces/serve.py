"""`nudge serve`: the API Gateway routes on one loopback server, with the parts AWS would provide.

One uvicorn server routes /ingest (and the collector's /outbox), /lock, /telegram/webhook and the
API (/messages, /summarization, /replies, /system, /docs, /openapi.json) to the very apps the
Lambdas run (paths unchanged, as API Gateway passes them); a moto server stands in for DynamoDB
(lock table created on start), SQS (the job and import queues, each with a dead-letter queue) and
S3 (the upload bucket); the database is the embedded Postgres (or DATABASE_URL). Worker threads
poll the queues and run the jobs (enrichment, upload imports, summarizations) with the code the
SQS Lambdas run (nudge.faces.worker), and a ticker runs the digest, reminder and
enrichment-backlog schedules every 15 minutes, as EventBridge does. Everything started here is
stopped on exit, and the environment is put back.
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
    """moto's server app with one DynamoDB request at a time.

    DynamoDB applies each conditional write atomically; threaded moto does not (two concurrent
    `attribute_not_exists` writes can both succeed), so requests are serialised here. Connections
    are still served concurrently.
    """
    from moto.server import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return list(app(environ, start_response))  # SQS long polls must not hold the lock
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
    """A moto server on a thread of this process (every service: DynamoDB, SQS, S3); yields its
    endpoint URL."""
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


API_PREFIXES = ("/messages", "/summarization", "/replies", "/system", "/docs", "/openapi.json")


JOBS_QUEUE = "nudge-jobs"
IMPORT_QUEUE = "nudge-imports"
UPLOAD_BUCKET = "nudge-uploads"
SCHEDULE_EVERY_SECONDS = 15 * 60


def _queues(endpoint_url: str) -> dict[str, str]:
    """The queues (with dead-letter queues) and the upload bucket, as the CDK stack makes them;
    returns the environment that points the code at them."""
    from nudge.aws.queue import aws_client, create_bucket, create_queue

    sqs = aws_client("sqs", endpoint_url)
    jobs, _ = create_queue(sqs, JOBS_QUEUE, visibility_timeout=900)
    imports, _ = create_queue(sqs, IMPORT_QUEUE, visibility_timeout=900)
    create_bucket(aws_client("s3", endpoint_url), UPLOAD_BUCKET)
    return {"JOBS_QUEUE_URL": jobs, "IMPORT_QUEUE_URL": imports,
            "UPLOAD_BUCKET_NAME": UPLOAD_BUCKET}


def _start_workers(settings: Settings, stack: ExitStack, *,
                   schedule_every: float | None) -> None:
    """One worker thread per queue, and the schedules' ticker; stopped first on exit."""
    from nudge.faces.schedules import run_all
    from nudge.faces.worker import QueueWorker, Ticker

    for name, url in (("jobs", settings.jobs_queue_url), ("imports", settings.import_queue_url)):
        if url:
            stack.callback(QueueWorker(settings, url, name=name).start().stop)
    if schedule_every:
        stack.callback(Ticker(lambda now: run_all(settings, now), schedule_every,
                              name="schedules").start().stop)


@contextmanager
def local_stack(settings: Settings, *, host: str = "127.0.0.1", port: int = 0,
                llm: bool = False, workers: bool = True,
                schedule_every: float | None = None) -> Iterator[LocalStack]:
    """Start moto (DynamoDB, SQS, S3), the database connection, the HTTP apps and the queue
    workers; yield where they are.

    The ingest token is settings.ingest_api_token, or a fresh random one when none is set.
    `llm=True` also starts the local llm_service (unless LLM_BASE_URL is set) for the webhook
    and the enrichment. `schedule_every` (seconds) runs the schedules that often (None: never).
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
        queues = _queues(dynamodb_url)
        stack.enter_context(patched_env(dict(queues)))
        local = dataclasses.replace(settings, aws_endpoint_url=dynamodb_url,
                                    ingest_api_token=token, llm_base_url=llm_url,
                                    jobs_queue_url=queues["JOBS_QUEUE_URL"],
                                    import_queue_url=queues["IMPORT_QUEUE_URL"],
                                    upload_bucket=queues["UPLOAD_BUCKET_NAME"])
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
        api = _api_app(local, database, locks, stack)
        routes.update(dict.fromkeys(API_PREFIXES, api))
        create_lock_table(client, local.dedup_table_name)  # the webhook's dedup table: same shape
        telegram = telegram_app(local)
        if telegram is not None:
            routes["/telegram"] = telegram
        if workers:
            _start_workers(local, stack, schedule_every=schedule_every)
        bound = stack.enter_context(uvicorn_server(PathRouter(routes, lock_app), host, port))
        yield LocalStack(base_url=f"http://{host}:{bound}", token=token)


def _api_app(local: Settings, database: Any, locks: Any, stack: ExitStack) -> ASGIApp:
    """The API app over the stack's database, lock table and LLM (closed with `stack`)."""
    from nudge.faces.http.api_app import create_api_app
    from nudge.llm.client import LLMClient

    llm = stack.enter_context(LLMClient(local.llm_base_url)) if local.llm_base_url else None
    return create_api_app(settings_provider=lambda: local, connection=database,
                          llm_provider=lambda: llm, lock_state=locks.state)


def _wait_for_stop_signal() -> None:
    """Block until Ctrl-C or SIGTERM (both end as KeyboardInterrupt, so cleanup runs)."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored
        signal.signal(signal.SIGTERM, interrupt)
    threading.Event().wait()


def run_local_stack(settings: Settings, *, host: str = "127.0.0.1", port: int = 8787,
                    schedule_every: float = SCHEDULE_EVERY_SECONDS) -> None:
    """Serve until Ctrl-C, then stop everything that was started (the `nudge serve` command)."""
    with local_stack(settings, host=host, port=port, llm=True,
                     schedule_every=schedule_every) as stack:
        print(f"Nudge local stack on {stack.base_url}  (Ctrl-C stops it)", flush=True)
        print(f"API docs: {stack.base_url}/docs", flush=True)
        if not settings.ingest_api_token:
            print(f"INGEST_API_TOKEN={stack.token}  (generated; set it to choose your own)",
                  flush=True)
        try:
            _wait_for_stop_signal()
        except KeyboardInterrupt:
            print("stopping", flush=True)
