"""The two llama.cpp models behind llm_service, each guarded by its own lock.

A llama.cpp context holds one sequence state, so calls on one model must never interleave:
requests queue on the model's lock (in worker threads, never on the event loop).
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

CHAT_CTX = 2048
EMBED_CTX = 512  # BERT's position table; one batch holds at most this many tokens
THREADS = 2


class BadRequest(ValueError):
    """The request cannot be served as asked (maps to HTTP 400)."""


class Engine:
    """Loads the chat and embedding models once and serves them one call at a time each."""

    def __init__(self, chat_model: Path, embed_model: Path) -> None:
        self.chat_model = Path(chat_model)
        self.embed_model = Path(embed_model)
        self._chat: Any = None
        self._embed: Any = None
        self._chat_lock = threading.Lock()
        self._embed_lock = threading.Lock()

    @property
    def model_ids(self) -> list[str]:
        return [self.chat_model.name, self.embed_model.name]

    def load(self) -> None:
        """Load both models (slow; call from a background thread)."""
        import llama_cpp

        for path in (self.chat_model, self.embed_model):
            if not path.is_file():
                raise FileNotFoundError(f"model file {path} does not exist")
        self._chat = llama_cpp.Llama(str(self.chat_model), n_ctx=CHAT_CTX, n_threads=THREADS,
                                     n_threads_batch=THREADS, verbose=False)
        self._embed = llama_cpp.Llama(
            str(self.embed_model), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
            n_ctx=EMBED_CTX, n_batch=EMBED_CTX, n_ubatch=EMBED_CTX, n_threads=THREADS,
            n_threads_batch=THREADS, verbose=False)

    def chat(self, messages: list[dict[str, Any]], *, max_tokens: int, temperature: float,
             response_format: dict[str, Any] | None = None, repeat_penalty: float = 1.3,
             frequency_penalty: float = 0.0, presence_penalty: float = 0.0) -> dict[str, Any]:
        """An OpenAI-shaped chat.completion; JSON formats are enforced by a grammar."""
        grammar = grammar_for(response_format)
        with self._chat_lock:
            return self._chat.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature,
                grammar=grammar, seed=0, repeat_penalty=repeat_penalty,
                frequency_penalty=frequency_penalty, presence_penalty=presence_penalty)

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """L2-normalised vectors and the number of tokens they took."""
        with self._embed_lock:
            vectors, tokens = self._embed.embed(texts, normalize=True, return_count=True)
        return vectors, tokens


def grammar_for(response_format: dict[str, Any] | None) -> Any:
    """The grammar for an OpenAI `response_format` (json_schema or json_object), else None."""
    if not response_format or response_format.get("type") == "text":
        return None
    kind = response_format.get("type")
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise BadRequest("response_format.json_schema.schema must be a JSON schema object")
        return _schema_grammar(json.dumps(schema, sort_keys=True))
    if kind == "json_object":
        schema = response_format.get("schema")
        if isinstance(schema, dict):  # llama.cpp's server accepts a schema here too
            return _schema_grammar(json.dumps(schema, sort_keys=True))
        return _json_grammar()
    raise BadRequest(f"unsupported response_format type {kind!r}")


# llama-cpp-python's schema converter lets raw control characters (newlines) into strings,
# which is not JSON; llama.cpp's own converter uses this stricter rule.
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'


@lru_cache(maxsize=64)
def _schema_grammar(schema_json: str) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

    try:
        gbnf = json_schema_to_gbnf(schema_json)
    except Exception as exc:  # the schema converter raises plain exceptions on odd schemas
        raise BadRequest(f"cannot turn the JSON schema into a grammar: {exc}") from exc
    lines = [_STRICT_CHAR if line.startswith("char ::= ") else line for line in gbnf.splitlines()]
    return LlamaGrammar.from_string("\n".join(lines), verbose=False)


@lru_cache(maxsize=1)
def _json_grammar() -> Any:
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    return LlamaGrammar.from_string(JSON_GBNF, verbose=False)
