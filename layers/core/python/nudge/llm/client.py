"""HTTP client for any OpenAI-compatible endpoint (llm_service, llama.cpp's server, others).

Only httpx is imported, so Lambdas can use it. Every transport failure, timeout, 5xx or
unusable answer becomes LLMUnavailable, so callers need one `except` for a deterministic fallback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from nudge.errors import AudioRejected, LLMBadOutput, LLMUnavailable

EMBED_BATCH = 256  # texts per request: llm_service packs them into 2048-token batches
Message = dict[str, str]


class LLMClient:
    """Chat, JSON-constrained chat, embeddings and a health probe over one httpx.Client."""

    def __init__(self, base_url: str, *, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None,
                 repeat_penalty: float | None = None) -> None:
        """`repeat_penalty` None keeps the server's default (llm_service: 1.3, which stops the tiny
        model looping); a capable model samples better without it (1.0)."""
        self.base_url = base_url.rstrip("/")
        self.repeat_penalty = repeat_penalty
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chat(self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None = None,
             max_tokens: int = 256, temperature: float = 0.2) -> str:
        """The assistant's text; with `json_schema`, output constrained to that schema."""
        body: dict[str, Any] = {"messages": list(messages), "max_tokens": max_tokens,
                                "temperature": temperature}
        if self.repeat_penalty is not None:
            body["repeat_penalty"] = self.repeat_penalty
        if json_schema is not None:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": json_schema}}
        answer = self._post("/v1/chat/completions", body)
        try:
            return answer["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMUnavailable(f"unexpected chat answer from {self.base_url}") from exc

    def chat_json(self, messages: Sequence[Message], *, schema: dict[str, Any],
                  max_tokens: int = 256) -> dict[str, Any]:
        """Schema-constrained chat parsed as a JSON object (temperature 0 for repeatability)."""
        text = self.chat(messages, json_schema=schema, max_tokens=max_tokens, temperature=0.0)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LLMBadOutput(f"the model did not answer valid JSON: {text[:200]!r}") from exc
        if not isinstance(value, dict):
            raise LLMBadOutput(f"the model answered JSON that is not an object: {text[:200]!r}")
        return value

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalised vector per text, in order, sent in batches of EMBED_BATCH."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = list(texts[start:start + EMBED_BATCH])
            answer = self._post("/v1/embeddings", {"input": batch})
            try:
                rows = sorted(answer["data"], key=lambda row: row["index"])
                vectors.extend(row["embedding"] for row in rows)
            except (KeyError, TypeError) as exc:
                raise LLMUnavailable(f"unexpected embeddings answer from {self.base_url}") from exc
            if len(rows) != len(batch):
                raise LLMUnavailable(f"asked for {len(batch)} embeddings, got {len(rows)}")
        return vectors

    def transcribe(self, audio: bytes, filename: str,
                   language: str | None = None) -> tuple[str, str]:
        """(text, language code) of a voice note via /v1/audio/transcriptions (verbose_json, for
        the detected language). A 400/413/415 answer means this file cannot be transcribed:
        AudioRejected; anything else that fails is LLMUnavailable (try again later)."""
        form = {"response_format": "verbose_json"}
        if language:
            form["language"] = language
        try:
            response = self._http.post("/v1/audio/transcriptions", data=form,
                                       files={"file": (filename or "audio", audio)})
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"LLM service at {self.base_url} unreachable: {exc}") from exc
        if response.status_code in (400, 413, 415, 422):
            raise AudioRejected(_error_of(response))
        if response.status_code >= 400:
            raise LLMUnavailable(f"LLM service answered {response.status_code} on "
                                 f"/v1/audio/transcriptions: {_error_of(response)}")
        try:
            answer = response.json()
            text = str(answer["text"]).strip()
        except (ValueError, KeyError, TypeError) as exc:
            raise LLMUnavailable("unexpected transcription answer from "
                                 f"{self.base_url}") from exc
        return text, language_code(answer.get("language") or language or "")

    def health(self) -> bool:
        """True when the service answers /health with 200 (models loaded)."""
        try:
            return self._http.get("/health").status_code == 200
        except httpx.HTTPError:
            return False

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"LLM service at {self.base_url} unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise LLMUnavailable(
                f"LLM service answered {response.status_code} on {path}: {_error_of(response)}")
        try:
            return response.json()
        except ValueError as exc:
            raise LLMUnavailable(f"LLM service answered non-JSON on {path}") from exc


def _error_of(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return response.text[:200]
    if isinstance(error, dict):  # OpenAI and llama.cpp's server nest the message
        return str(error.get("message", error))
    return str(error)


# OpenAI's verbose_json names the language ("german"); llm_service and others send the code.
_LANGUAGE_NAMES = {
    "english": "en", "german": "de", "spanish": "es", "french": "fr", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "turkish": "tr", "russian": "ru", "polish": "pl",
    "arabic": "ar", "chinese": "zh", "japanese": "ja", "korean": "ko", "hindi": "hi",
    "indonesian": "id", "ukrainian": "uk", "swedish": "sv", "catalan": "ca", "greek": "el",
}


def language_code(raw: str) -> str:
    """A short language code from a code or an English language name; "" when unknown."""
    value = raw.strip().lower()
    return _LANGUAGE_NAMES.get(value, value if len(value) <= 3 else value[:16])
