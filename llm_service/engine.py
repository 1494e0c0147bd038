"""The two llama.cpp models behind llm_service, each guarded by its own lock.

A llama.cpp context holds one sequence state, so calls on one model must never interleave:
requests queue on the model's lock (in worker threads, never on the event loop).
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

CHAT_CTX = 2048
EMBED_CTX = 512  # BERT's position table: one text is cut to this many tokens
# Tokens of many texts decoded in one llama.cpp call (n_ctx = n_batch = n_ubatch: an encoder
# decodes a batch in one ubatch). Attention spans the whole batch, masked per text; flash
# attention skips the masked pairs, which is what makes a large batch pay (bench/embed.py:
# 2048 + flash ~2-4x the old 512 without it, same vectors).
EMBED_BATCH_TOKENS = int(os.environ.get("LLM_EMBED_BATCH_TOKENS", "2048"))
FLASH_ATTENTION = os.environ.get("LLM_FLASH_ATTENTION", "1") != "0"
THREADS = int(os.environ.get("LLM_THREADS", "2"))


class BadRequest(ValueError):
    """The request cannot be served as asked (maps to HTTP 400)."""


class Engine:
    """Loads the chat and embedding models once and serves them one call at a time each."""

    def __init__(self, chat_model: Path, embed_model: Path, *,
                 embed_batch_tokens: int = EMBED_BATCH_TOKENS, threads: int = THREADS) -> None:
        self.chat_model = Path(chat_model)
        self.embed_model = Path(embed_model)
        self.embed_batch_tokens = embed_batch_tokens
        self.threads = threads
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
        self._chat = llama_cpp.Llama(str(self.chat_model), n_ctx=CHAT_CTX, n_threads=self.threads,
                                     n_threads_batch=self.threads, verbose=False)
        self._embed = load_embedder(self.embed_model, batch_tokens=self.embed_batch_tokens,
                                    threads=self.threads)

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
            return embed_packed(self._embed, texts)


def load_embedder(path: Path, *, batch_tokens: int = EMBED_BATCH_TOKENS,
                  threads: int = THREADS) -> Any:
    """A llama.cpp BERT context that decodes up to `batch_tokens` tokens of many texts at once."""
    import llama_cpp

    return llama_cpp.Llama(
        str(path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
        n_ctx=batch_tokens, n_batch=batch_tokens, n_ubatch=batch_tokens, n_threads=threads,
        n_threads_batch=threads, flash_attn=FLASH_ATTENTION, verbose=False)



def embed_packed(llm: Any, texts: list[str]) -> tuple[list[list[float]], int]:
    """L2-normalised mean-pooled vectors of `texts` (in order) and the tokens they took.

    Like llama-cpp-python's `Llama.embed`, texts are packed as separate sequences into batches of
    up to n_batch tokens; unlike it, each text is cut to BERT's EMBED_CTX positions (it cuts to
    n_batch, which may be larger), texts go in by length (similar texts share a batch) and the
    vectors are read and normalised with numpy.
    """
    import llama_cpp
    import numpy as np

    n_batch = llm.n_batch
    n_seq_max = llm.context_params.n_seq_max
    n_embd = llm.n_embd()
    tokenized = [llm.tokenize(text.encode("utf-8"))[:min(EMBED_CTX, n_batch)] for text in texts]
    order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))
    out = np.zeros((len(texts), n_embd), dtype=np.float32)
    batch, ctx = llm._batch, llm._ctx  # the low-level API Llama.embed uses
    members: list[int] = []
    used = 0

    def flush() -> None:
        ctx.kv_cache_clear()
        ctx.decode(batch)
        for seq, index in enumerate(members):
            pointer = llama_cpp.llama_get_embeddings_seq(ctx.ctx, seq)
            out[index] = np.ctypeslib.as_array(pointer, shape=(n_embd,))
        batch.reset()

    batch.reset()
    for index in order:
        tokens = tokenized[index]
        if members and (used + len(tokens) > n_batch or len(members) >= n_seq_max):
            flush()
            members, used = [], 0
        batch.add_sequence(tokens, len(members), True)
        members.append(index)
        used += len(tokens)
    if members:
        flush()
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms > 0, norms, 1.0)
    return out.tolist(), sum(len(t) for t in tokenized)


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
