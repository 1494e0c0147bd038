"""llm_service with the real tiny models: health, models, chat, JSON output, embeddings,
concurrency and error shapes."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from llm_service.app import create_app
from nudge.llm import EMBEDDING_DIM
from nudge.llm.client import LLMClient

pytestmark = pytest.mark.slow

HELLO = [{"role": "user", "content": "Say hello to Anna in one short sentence."}]
REPLY_SCHEMA = {
    "type": "object",
    "properties": {"reply": {"type": "string", "maxLength": 60}, "urgent": {"type": "boolean"}},
    "required": ["reply", "urgent"],
    "additionalProperties": False,
}


def _wait_for_health(client: TestClient, status: int, tries: int = 400) -> httpx.Response:
    for _ in range(tries):
        response = client.get("/health")
        if response.status_code == status:
            return response
        threading.Event().wait(0.05)
    raise AssertionError(f"/health never answered {status}")


def test_health_is_503_while_models_load_then_200(llm_models) -> None:  # type: ignore[no-untyped-def]
    app = create_app(llm_models.chat, llm_models.embed)
    release = threading.Event()
    real_load = app.state.loader.engine.load
    app.state.loader.engine.load = lambda: (release.wait(30), real_load())
    with TestClient(app) as client:
        loading = client.get("/health")
        assert loading.status_code == 503
        assert "error" in loading.json()
        refused = client.post("/v1/embeddings", json={"input": "hi"})
        assert refused.status_code == 503
        assert "loading" in refused.json()["error"]
        release.set()
        assert _wait_for_health(client, 200).json() == {"status": "ok"}


def test_health_stays_503_with_the_reason_when_a_model_file_is_missing(
        llm_models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(tmp_path / "missing.gguf", llm_models.embed)
    with TestClient(app) as client:
        for _ in range(200):
            body = client.get("/health").json()
            if body.get("status") == "error":
                break
            threading.Event().wait(0.02)
        assert client.get("/health").status_code == 503
        assert "missing.gguf" in body["error"]


def test_models_lists_the_chat_and_embedding_models(llm_base_url: str, llm_models) -> None:  # type: ignore[no-untyped-def]
    body = httpx.get(f"{llm_base_url}/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [llm_models.chat.name, llm_models.embed.name]


def test_chat_completion_returns_text_in_openai_shape(llm_base_url: str) -> None:
    response = httpx.post(f"{llm_base_url}/v1/chat/completions", timeout=60,
                          json={"messages": HELLO, "max_tokens": 24, "temperature": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["choices"][0]["message"]["content"].strip()
    assert body["usage"]["completion_tokens"] <= 24


def test_client_chat_returns_the_assistant_text(llm_client: LLMClient) -> None:
    assert llm_client.chat(HELLO, max_tokens=16).strip()


def test_json_schema_output_parses_and_matches_the_schema(llm_client: LLMClient) -> None:
    messages = [{"role": "system", "content": "Answer in JSON."},
                {"role": "user", "content": "Anna: can you call me back? It is about the flat."}]
    answer = llm_client.chat_json(messages, schema=REPLY_SCHEMA, max_tokens=80)
    assert set(answer) == {"reply", "urgent"}
    assert isinstance(answer["reply"], str) and len(answer["reply"]) <= 60
    assert isinstance(answer["urgent"], bool)


def test_json_object_response_format_gives_json(llm_base_url: str) -> None:
    response = httpx.post(f"{llm_base_url}/v1/chat/completions", timeout=60, json={
        "messages": [{"role": "user", "content": "Give a JSON object with a name."}],
        "max_tokens": 40, "temperature": 0,
        "response_format": {"type": "json_object", "schema": {
            "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}})
    assert response.status_code == 200
    content = json.loads(response.json()["choices"][0]["message"]["content"])
    assert isinstance(content["name"], str)


def test_embeddings_are_normalised_384_dimensional_and_openai_shaped(llm_base_url: str) -> None:
    body = httpx.post(f"{llm_base_url}/v1/embeddings",
                      json={"input": ["hello there", "see you tomorrow"]}).json()
    assert body["object"] == "list"
    assert [row["index"] for row in body["data"]] == [0, 1]
    vectors = np.array([row["embedding"] for row in body["data"]])
    assert vectors.shape == (2, EMBEDDING_DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert body["usage"]["prompt_tokens"] > 0


def test_a_single_string_input_gives_one_embedding(llm_base_url: str) -> None:
    body = httpx.post(f"{llm_base_url}/v1/embeddings", json={"input": "hello"}).json()
    assert len(body["data"]) == 1
    assert len(body["data"][0]["embedding"]) == EMBEDDING_DIM


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(llm_client: LLMClient) -> None:
    base, paraphrase, unrelated = np.array(llm_client.embed([
        "Can we meet tomorrow afternoon?",
        "Are you free to get together tomorrow after lunch?",
        "The invoice for the car repair is attached.",
    ]))
    assert base @ paraphrase > 0.5
    assert base @ paraphrase > base @ unrelated + 0.3


def test_concurrent_chat_and_embedding_requests_all_succeed(llm_base_url: str) -> None:
    def call(i: int) -> str:
        with LLMClient(llm_base_url, timeout=120) as client:
            if i % 2:
                return client.chat([{"role": "user", "content": f"Count to {i}."}], max_tokens=8)
            vectors = client.embed([f"message number {i}", "another one"])
            assert len(vectors) == 2 and len(vectors[0]) == EMBEDDING_DIM
            return "ok"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))
    assert all(isinstance(r, str) for r in results)
    assert httpx.get(f"{llm_base_url}/health").status_code == 200


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"messages": []}),
    ("/v1/chat/completions", {"messages": [{"role": "robot", "content": "hi"}]}),
    ("/v1/chat/completions", {"messages": HELLO, "max_tokens": 0}),
    ("/v1/chat/completions", {"messages": HELLO, "response_format": {"type": "yaml"}}),
    ("/v1/chat/completions",
     {"messages": HELLO, "response_format": {"type": "json_schema", "json_schema": {}}}),
    ("/v1/embeddings", {"input": []}),
    ("/v1/embeddings", {"input": 42}),
    ("/v1/embeddings", {}),
])
def test_bad_requests_get_400_with_an_error_message(llm_base_url: str, path: str,
                                                    body: dict) -> None:
    response = httpx.post(llm_base_url + path, json=body)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str) and response.json()["error"]


def test_a_body_that_is_not_json_gets_400(llm_base_url: str) -> None:
    response = httpx.post(f"{llm_base_url}/v1/embeddings", content=b"{not json",
                          headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_a_prompt_longer_than_the_context_gets_400(llm_base_url: str) -> None:
    long = " ".join(["word"] * 5000)
    response = httpx.post(f"{llm_base_url}/v1/chat/completions", timeout=60,
                          json={"messages": [{"role": "user", "content": long}], "max_tokens": 4})
    assert response.status_code == 400
    assert "error" in response.json()
