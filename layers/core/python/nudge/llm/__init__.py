"""The core's view of the LLM: an HTTP client (light, Lambdas import it) and model preparation.

Submodules: `client` (httpx only), `models` (GGUF paths, conversion cache), `bert_gguf` (the
converter), `local` (llm_service on loopback). Nothing heavy is imported here.
"""

from typing import Any, Protocol

EMBEDDING_DIM = 384  # all-MiniLM-L6-v2; the messages.embedding column is vector(384)


class ChatModel(Protocol):
    """What the services need of an LLM (LLMClient, or a stand-in in tests)."""

    def chat_json(self, messages: list[dict[str, Any]], *, schema: dict[str, Any],
                  max_tokens: int = 256) -> dict[str, Any]: ...


class Transcriber(Protocol):
    """Speech to text: LLMClient (any OpenAI-compatible /v1/audio/transcriptions) or the
    in-process nudge.llm.speech.LocalTranscriber. Raises AudioRejected for a file that cannot be
    transcribed, LLMUnavailable when the service is away (the note waits for a retry)."""

    def transcribe(self, audio: bytes, filename: str,
                   language: str | None = None) -> tuple[str, str]: ...


__all__ = ["EMBEDDING_DIM", "ChatModel", "Transcriber"]
