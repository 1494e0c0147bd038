"""LLMClient against fake transports (shape of requests, error mapping) and a dead port."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from nudge.errors import LLMUnavailable
from nudge.llm.client import EMBED_BATCH, LLMClient


def _client(handler) -> LLMClient:  # type: ignore[no-untyped-def]
    return LLMClient("http://llm.test/", transport=httpx.MockTransport(handler))


def _chat_answer(content: str) -> dict:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


def test_chat_sends_messages_and_returns_the_assistant_text() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_chat_answer("hello"))

    text = _client(handler).chat([{"role": "user", "content": "hi"}], max_tokens=7)
    assert text == "hello"
    assert seen[0]["messages"] == [{"role": "user", "content": "hi"}]
    assert seen[0]["max_tokens"] == 7
    assert "response_format" not in seen[0]


def test_chat_json_asks_for_the_schema_and_parses_the_answer() -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_chat_answer('{"ok": true}'))

    assert _client(handler).chat_json([{"role": "user", "content": "?"}], schema=schema) == {
        "ok": True}
    assert seen[0]["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"cut": "of'])
def test_chat_json_raises_llm_unavailable_when_the_answer_is_not_a_json_object(
        content: str) -> None:
    client = _client(lambda request: httpx.Response(200, json=_chat_answer(content)))
    with pytest.raises(LLMUnavailable):
        client.chat_json([{"role": "user", "content": "?"}], schema={"type": "object"})


def test_embed_sends_batches_of_embed_batch_and_keeps_the_order() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        sizes.append(len(texts))
        rows = [{"index": i, "embedding": [float(t)]} for i, t in enumerate(texts)]
        return httpx.Response(200, json={"data": list(reversed(rows))})

    n = 2 * EMBED_BATCH + 22
    vectors = _client(handler).embed([str(i) for i in range(n)])
    assert sizes == [EMBED_BATCH, EMBED_BATCH, 22]
    assert vectors == [[float(i)] for i in range(n)]


def test_embed_of_nothing_makes_no_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert _client(handler).embed([]) == []


@pytest.mark.parametrize("status", [500, 503, 400])
def test_error_statuses_raise_llm_unavailable_with_the_service_message(status: int) -> None:
    client = _client(lambda request: httpx.Response(status, json={"error": "models loading"}))
    with pytest.raises(LLMUnavailable, match="models loading"):
        client.embed(["x"])


def test_timeouts_raise_llm_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(LLMUnavailable, match="unreachable"):
        _client(handler).chat([{"role": "user", "content": "hi"}])


def test_client_raises_llm_unavailable_when_nothing_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = LLMClient(f"http://127.0.0.1:{port}", timeout=2.0)
    assert client.health() is False
    with pytest.raises(LLMUnavailable):
        client.chat([{"role": "user", "content": "hi"}])
    with pytest.raises(LLMUnavailable):
        client.embed(["hi"])


def test_health_is_true_only_on_200() -> None:
    assert _client(lambda request: httpx.Response(200, json={"status": "ok"})).health() is True
    assert _client(lambda request: httpx.Response(503, json={"error": "loading"})).health() is False
