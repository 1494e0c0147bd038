"""Run llm_service on loopback in this process (CLI `serve`, demo, tests) and hand out its URL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from nudge.config import Settings
from nudge.errors import LLMUnavailable
from nudge.llm import models

HOST = "127.0.0.1"


@contextmanager
def local_llm_service(settings: Settings, *, startup_timeout: float = 120.0) -> Iterator[str]:
    """Start llm_service with the configured (or default) models; yield its base URL; stop it.

    uvicorn runs in a daemon thread on a free port; we wait until /health says 200.
    """
    import uvicorn

    from llm_service.app import create_app
    from llm_service.speech import SpeechEngine

    speech = SpeechEngine(lambda: models.speech_model_dir(settings),
                          max_seconds=settings.voice_max_seconds)
    app = create_app(models.chat_model_path(settings), models.embed_model_path(settings), speech)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="llm_service", daemon=True)
    thread.start()
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_healthy(base_url, app.state.loader, thread, startup_timeout)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _wait_healthy(base_url: str, loader: object, thread: threading.Thread,
                  timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if error := getattr(loader, "error", None):
            raise LLMUnavailable(f"llm_service could not load its models: {error}")
        if not thread.is_alive():
            raise LLMUnavailable(f"llm_service on {base_url} stopped during startup")
        try:
            if httpx.get(f"{base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise LLMUnavailable(f"llm_service on {base_url} not healthy after {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
