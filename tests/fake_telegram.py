"""A fake Telegram Bot API server on 127.0.0.1, strict where Telegram is strict.

It records every call (sendMessage, sendDocument, answerCallbackQuery, editMessageReplyMarkup, …),
answers getMe, serves getFile and the file download for uploaded exports, queues updates for
getUpdates (long polling), and refuses what Telegram refuses: texts over 4096 characters and HTML
it cannot parse (400 "can't parse entities"). Also: builders of real Update JSON.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:TEST-token"
BOT_ID = 123456
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "span", "tg-spoiler", "blockquote", "tg-emoji"}
_JSON_FIELDS = {"reply_markup", "link_preview_options", "allowed_updates", "entities"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML, or None (unknown tag, unbalanced tags, bare < or &)."""
    stack: list[str] = []
    for token in re.findall(r"<[^>]*>|&[^;\s]*;?|<|>", text):
        if token.startswith("&"):
            if not re.fullmatch(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", token):
                return f"unsupported entity {token!r}"
            continue
        if token == ">":
            continue
        tag = re.fullmatch(r"<(/?)([a-zA-Z-]+)[^>]*>", token)
        if not tag or tag[2].lower() not in ALLOWED_TAGS:
            return f"unsupported start tag {token!r}"
        if tag[1]:
            if not stack or stack.pop() != tag[2].lower():
                return f"unmatched end tag {token!r}"
        else:
            stack.append(tag[2].lower())
    return f"unclosed tags {stack}" if stack else None


def visible_text(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text))


class FakeTelegram:
    """Start with `with FakeTelegram() as fake:`; `fake.base_url` is TELEGRAM_API_BASE_URL."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.updates: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.refuse: set[str] = set()  # methods answered 403 "bot was blocked by the user"
        self._message_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self.port = _free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- test helpers ------------------------------------------------------------------------

    def add_file(self, content: bytes, file_name: str) -> str:
        """Make an uploaded file downloadable; returns its file_id."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (f"documents/{file_name}", content)
        return file_id

    def push_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self.updates.append(update)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        """What the user saw, tags removed and entities decoded, in order."""
        return [visible_text(p["text"]) if p.get("parse_mode") == "HTML" else p["text"]
                for p in self.sent()]

    def clear(self) -> None:
        self.calls.clear()
        self.errors.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent(method)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.sent(method)

    # --- the server ----------------------------------------------------------------------------

    def _ok(self, result: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "result": result})

    def _fail(self, code: int, description: str) -> JSONResponse:
        self.errors.append(description)
        return JSONResponse({"ok": False, "error_code": code, "description": description},
                            status_code=code)

    def _message(self, chat_id: Any, text: str | None = None, **extra: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": int(chat_id), "type": "private"},
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Nudge"}, **extra}
        if text is not None:
            message["text"] = text
        return message

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return self._fail(401, "Unauthorized")
        method = request.path_params["method"]
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()
        else:
            form = await request.form()
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    files[key] = await value.read()
                    params[key] = getattr(value, "filename", key)
                else:
                    params[key] = json.loads(value) if key in _JSON_FIELDS else value
        self.calls.append(Call(method, params, files))
        if method in self.refuse:
            return JSONResponse({"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"},
                                status_code=403)
        return await self._answer(method, params)

    async def _answer(self, method: str, params: dict[str, Any]) -> Response:
        if method == "getMe":
            return self._ok({"id": BOT_ID, "is_bot": True, "first_name": "Nudge",
                             "username": "nudge_test_bot", "can_join_groups": False,
                             "can_read_all_group_messages": False, "supports_inline_queries": False})
        if method == "sendMessage":
            text = str(params.get("text", ""))
            if params.get("parse_mode") == "HTML":
                if problem := html_problem(text):
                    return self._fail(400, f"Bad Request: can't parse entities: {problem}")
                shown = visible_text(text)
            else:
                shown = text
            if not shown.strip():
                return self._fail(400, "Bad Request: message text is empty")
            if len(shown.encode("utf-16-le")) // 2 > 4096:
                return self._fail(400, "Bad Request: message is too long")
            return self._ok(self._message(params["chat_id"], shown))
        if method == "sendDocument":
            return self._ok(self._message(params["chat_id"], document={
                "file_id": "sent-doc", "file_unique_id": "sent-doc"}))
        if method in ("answerCallbackQuery", "deleteWebhook", "setWebhook", "sendChatAction",
                      "setMyCommands", "close", "logOut"):
            return self._ok(True)
        if method in ("editMessageReplyMarkup", "editMessageText"):
            return self._ok(self._message(params.get("chat_id", 1), "edited"))
        if method == "getFile":
            file_id = params.get("file_id")
            if file_id not in self.files:
                return self._fail(400, "Bad Request: invalid file_id")
            path, content = self.files[file_id]
            return self._ok({"file_id": file_id, "file_unique_id": file_id,
                             "file_size": len(content), "file_path": path})
        if method == "getUpdates":
            return self._ok(await self._updates(params))
        return self._fail(404, f"Not Found: method {method} unknown to the fake")

    async def _updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
                self.updates = pending
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.02)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                return Response(content, media_type="application/octet-stream")
        return Response(status_code=404)

    def start(self) -> FakeTelegram:
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Telegram server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:  # don't wait for the bot's keep-alive connections
            self._server.should_exit = self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Update JSON as Telegram sends it ------------------------------------------------------------

_update_ids = itertools.count(10_000)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}


def message_update(user_id: int, text: str, *, update_id: int | None = None) -> dict[str, Any]:
    """A private text message; a leading /command gets its bot_command entity like Telegram's."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids), "date": int(time.time()), "from": _user(user_id),
        "chat": {"id": user_id, "type": "private", "first_name": "Sam"}, "text": text,
    }
    if command := re.match(r"/\w+", text):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
    return {"update_id": update_id if update_id is not None else next(_update_ids),
            "message": message}


def document_update(user_id: int, file_id: str, file_name: str, *, size: int,
                    caption: str | None = None) -> dict[str, Any]:
    update = message_update(user_id, "")
    message = update["message"]
    del message["text"]
    message["document"] = {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                           "file_name": file_name, "mime_type": "text/plain", "file_size": size}
    if caption:
        message["caption"] = caption
    return update


def callback_update(user_id: int, data: str, *, message_text: str = "Replies",
                    keyboard: list[list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """A press on an inline button under one of the bot's messages."""
    message = {"message_id": next(_update_ids), "date": int(time.time()),
               "from": {"id": BOT_ID, "is_bot": True, "first_name": "Nudge"},
               "chat": {"id": user_id, "type": "private", "first_name": "Sam"},
               "text": message_text}
    if keyboard:
        message["reply_markup"] = {"inline_keyboard": keyboard}
    return {"update_id": next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": _user(user_id),
                               "chat_instance": "ci-1", "data": data, "message": message}}


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


# --- the webhook stack: fake Bot API + moto DynamoDB + the webhook app behind Mangum ---------------

SECRET = "webhook-secret-for-tests"
OWNER = 4242  # the allowed Telegram user
STRANGER = 666


def closed_port_url() -> str:
    """An LLM base URL nobody listens on: every call fails at once (the outage path)."""
    return f"http://127.0.0.1:{_free_port()}"


def telegram_env(db_url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "NUDGE_TIMEZONE": "UTC", "NUDGE_ME": "Sam",
            "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_ALLOWED_USER_IDS": str(OWNER), "TELEGRAM_API_BASE_URL": fake.base_url,
            "LLM_BASE_URL": closed_port_url(), "DEDUP_TABLE_NAME": "nudge-telegram-updates",
            **extra}


def api_gateway_event(body: str, headers: dict[str, str], *, path: str = "/telegram/webhook",
                      method: str = "POST") -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as Lambda receives it."""
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {k.lower(): v for k, v in {"content-type": "application/json", **headers}.items()},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": f"req-{next(_update_ids)}", "routeKey": "$default",
            "stage": "$default", "time": "13/May/2024:10:00:00 +0000", "timeEpoch": 1715594400000,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "149.154.167.220", "userAgent": "TelegramBot"},
        },
        "body": body, "isBase64Encoded": False,
    }


@dataclass
class LambdaContext:
    function_name: str = "telegram_webhook"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:telegram_webhook"
    aws_request_id: str = "request-1"


@dataclass
class WebhookStack:
    """Posts Update JSON the way API Gateway hands it to the Lambda."""

    settings: Any
    fake: FakeTelegram
    handler: Any  # (event, context) -> API Gateway response

    def post(self, update: dict[str, Any] | str, *, secret: str | None = SECRET) -> tuple[int, Any]:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        body = update if isinstance(update, str) else json.dumps(update)
        answer = self.handler(api_gateway_event(body, headers), LambdaContext())
        return answer["statusCode"], json.loads(answer["body"] or "null")

    def say(self, text: str, *, user: int = OWNER) -> list[str]:
        """Send a message as the user; returns what the bot answered (visible text)."""
        before = len(self.fake.texts())
        status, body = self.post(message_update(user, text))
        assert status == 200, body
        assert not self.fake.errors, self.fake.errors
        return self.fake.texts()[before:]


@pytest.fixture
def aws_dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's in-process DynamoDB with the dedup table created."""
    import boto3
    from moto import mock_aws

    from nudge.aws.dedup import create_dedup_table

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_dedup_table(client, "nudge-telegram-updates")
        yield client


@contextmanager
def open_webhook_stack(db_url: str, fake: FakeTelegram, dynamodb: Any, data_dir: Any,
                       **env: str) -> Iterator[WebhookStack]:
    """The webhook app (as functions/telegram_webhook wraps it) over the given database, the fake
    Bot API and moto; `env` overrides settings (e.g. LLM_BASE_URL)."""
    from mangum import Mangum

    from nudge.aws.dedup import UpdateDedup
    from nudge.config import load_settings
    from nudge.faces.telegram.webhook import BotRuntime, create_webhook_app

    settings = load_settings(telegram_env(db_url, fake, **env), data_dir=data_dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runtime = BotRuntime(lambda: settings)
    app = create_webhook_app(lambda: settings, runtime=runtime,
                             dedup=UpdateDedup(settings.dedup_table_name, client=dynamodb))
    try:
        yield WebhookStack(settings, fake, Mangum(app, lifespan="off"))
    finally:
        loop.run_until_complete(runtime.aclose())
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def webhook_stack(db_url: str, fake_telegram: FakeTelegram, aws_dynamodb: Any,
                  tmp_path: Any) -> Iterator[WebhookStack]:
    """The webhook stack over a fresh database, with the LLM down (a closed port)."""
    with open_webhook_stack(db_url, fake_telegram, aws_dynamodb, tmp_path) as stack:
        yield stack
