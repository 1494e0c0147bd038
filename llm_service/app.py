"""llm_service's HTTP face: the OpenAI-compatible subset Nudge uses (see CONTRACTS.md).

Models load in a background thread at startup so /health can answer 503 meanwhile; llama
calls run in the threadpool, queued per model by the engine's locks.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from llm_service.engine import Engine
from llm_service.speech import BadAudio, SpeechEngine

MAX_AUDIO_BYTES = 25 * 1024 * 1024  # OpenAI's limit for /v1/audio/transcriptions

log = logging.getLogger("llm_service")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    model: str | None = None
    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    max_tokens: Annotated[int, Field(ge=1, le=2048)] = 256
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] = 0.2
    response_format: dict[str, Any] | None = None
    # llama.cpp server's extension; above 1 it keeps small models from looping on one phrase.
    repeat_penalty: Annotated[float, Field(ge=0.5, le=2.0)] = 1.3
    frequency_penalty: Annotated[float, Field(ge=-2.0, le=2.0)] = 0.0
    presence_penalty: Annotated[float, Field(ge=-2.0, le=2.0)] = 0.0


class EmbeddingsRequest(BaseModel):
    model: str | None = None
    input: str | Annotated[list[str], Field(min_length=1, max_length=2048)]


class _Loader:
    """Loads the engine in a daemon thread and remembers how that went."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ready = threading.Event()
        self.error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name="llm-load", daemon=True).start()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            self.engine.load()
        except Exception as exc:  # reported by /health, the service stays up to say so
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("loading the models failed")
            return
        log.info("models loaded in %.1f s", time.monotonic() - started)
        self.ready.set()


def create_app(chat_model: Path, embed_model: Path,
               speech: SpeechEngine | None = None) -> FastAPI:
    """The app; models start loading when the app starts (lifespan), not when it is built.
    `speech` (optional) serves /v1/audio/transcriptions; its model loads on the first request."""
    loader = _Loader(Engine(chat_model, embed_model))

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        loader.start()
        yield

    app = FastAPI(title="llm_service", lifespan=lifespan)
    app.state.loader = loader
    _add_error_handlers(app)

    def engine() -> Engine:
        if not loader.ready.is_set():
            raise HTTPException(503, loader.error or "models are still loading")
        return loader.engine

    @app.get("/health")
    def health() -> JSONResponse:
        if loader.ready.is_set():
            return JSONResponse({"status": "ok"})
        if loader.error:
            return JSONResponse({"status": "error", "error": loader.error}, status_code=503)
        return JSONResponse({"status": "loading", "error": "models are still loading"},
                            status_code=503)

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "local"}
            for name in loader.engine.model_ids]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: ChatRequest) -> dict[str, Any]:
        messages = [m.model_dump() for m in request.messages]
        try:
            answer = await run_in_threadpool(
                engine().chat, messages, max_tokens=request.max_tokens,
                temperature=request.temperature, response_format=request.response_format,
                repeat_penalty=request.repeat_penalty, frequency_penalty=request.frequency_penalty,
                presence_penalty=request.presence_penalty)
        except ValueError as exc:  # BadRequest, or llama's "prompt exceeds the context"
            raise HTTPException(400, str(exc)) from exc
        answer["model"] = request.model or loader.engine.chat_model.name
        return answer

    @app.post("/v1/embeddings")
    async def embeddings(request: EmbeddingsRequest) -> dict[str, Any]:
        texts = [request.input] if isinstance(request.input, str) else request.input
        vectors, tokens = await run_in_threadpool(engine().embed, texts)
        return {
            "object": "list",
            "model": request.model or loader.engine.embed_model.name,
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "id": f"embd-{uuid.uuid4().hex[:12]}",
        }

    @app.post("/v1/audio/transcriptions", response_model=None)
    async def transcriptions(
        file: UploadFile, model: Annotated[str | None, Form()] = None,
        language: Annotated[str | None, Form()] = None,
        response_format: Annotated[Literal["json", "text", "verbose_json"], Form()] = "json",
        temperature: Annotated[float | None, Form()] = None,  # accepted; decoding is greedy
    ) -> dict[str, Any] | PlainTextResponse:
        if speech is None:
            raise HTTPException(404, "no speech model configured (LLM_SPEECH_MODEL)")
        data = await file.read(MAX_AUDIO_BYTES + 1)
        if len(data) > MAX_AUDIO_BYTES:
            raise HTTPException(413, f"the audio file is over {MAX_AUDIO_BYTES // 2**20} MB")
        try:
            result = await run_in_threadpool(speech.transcribe, data,
                                             language=(language or "").strip().lower() or None)
        except BadAudio as exc:
            raise HTTPException(400, f"{file.filename or 'file'}: {exc}") from exc
        except FileNotFoundError as exc:  # the model folder went missing
            raise HTTPException(503, str(exc)) from exc
        if response_format == "text":
            return PlainTextResponse(result.text)
        if response_format == "json":
            return {"text": result.text}
        return {"task": "transcribe", "language": result.language, "duration": result.duration,
                "text": result.text, "model": model or speech.name,
                "segments": [{"id": i, "start": s.start, "end": s.end, "text": s.text}
                             for i, s in enumerate(result.segments)]}

    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is {"error": "..."}: 400 for bad requests, 503 while loading, 500 otherwise."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in exc.errors())
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}"},
                            status_code=500)
