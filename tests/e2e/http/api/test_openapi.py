"""The OpenAPI document: committed, equal to what the apps generate, served by `nudge serve`
(with /docs), and true: a property test (schemathesis) against the running local stack finds no
5xx and no response outside the document."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("moto")

from tests.e2e.http.api.helpers import batch, msg  # noqa: E402
from tests.e2e.http.conftest import fresh_database  # noqa: E402

TOKEN = "openapi-test-token"
DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "openapi.json"
EXAMPLES_PER_OPERATION = 12


def test_the_committed_document_is_what_the_apps_generate():
    from nudge.faces.http.openapi import document_text

    assert DOCUMENT.read_text("utf-8") == document_text(), "run `make openapi` and commit docs/openapi.json"


@pytest.fixture(scope="module")
def api_stack(pg_server, _pg_template, llm_base_url, tmp_path_factory) -> Iterator[Any]:
    """`nudge serve`'s stack (with the real llm_service) over a database of its own."""
    from nudge.config import load_settings
    from nudge.faces.serve import local_stack

    for url in fresh_database(pg_server, _pg_template):
        settings = load_settings(env={"DATABASE_URL": url, "INGEST_API_TOKEN": TOKEN,
                                      "LLM_BASE_URL": llm_base_url},
                                 data_dir=tmp_path_factory.mktemp("api-stack"))
        with local_stack(settings) as running:
            yield running


@pytest.fixture
def client(api_stack) -> Iterator[Any]:
    with httpx.Client(base_url=api_stack.base_url, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http


def test_nudge_serve_serves_the_document_and_the_docs_page(client):
    served = client.get("/openapi.json")
    docs = client.get("/docs")

    assert served.status_code == 200 and served.json() == json.loads(DOCUMENT.read_text("utf-8"))
    assert docs.status_code == 200 and "swagger-ui" in docs.text.lower()


def test_a_summarization_job_runs_on_the_local_stacks_worker(client):
    import time

    client.post("/messages", json=batch("Worker chat", msg(1, text="Shall we meet at 6?")))
    job = client.post("/summarization/start", json={"date": "2024-05-01", "chats": ["worker"]}).json()
    deadline = time.monotonic() + 60
    while client.get(f"/summarization/status/{job['id']}").json()["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the local worker did not finish the job"
        time.sleep(0.2)

    result = client.get(f"/summarization/result/{job['id']}")

    assert result.status_code == 200
    [digest] = result.json()["digests"]
    assert [c["chat"] for c in digest["chats"]] == ["Worker chat"] and digest["llm"] == "ok"


def test_every_documented_operation_answers_within_its_schema_and_never_5xx(client, api_stack):
    """Generated requests (EXAMPLES_PER_OPERATION per operation, derandomized so a failure
    repeats): every response has a documented status, content type and body, and none is 5xx."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    client.post("/messages", json=batch("Ana", msg(1, text="Are you coming on Friday?")))
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json()).exclude(
        path="/telegram/webhook")  # Telegram's contract, covered by tests/e2e/test_telegram_*.py
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    failures: list[str] = []
    operations = 0
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(base_url=api_stack.base_url, headers=auth, timeout=60)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=checks)

        try:
            call()
        except Exception as failure:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(failure)[:1500]}")

    print(f"{operations} operations, responses by status: {dict(sorted(statuses.items()))}")
    assert operations >= 13 and statuses[200] > 0 and sum(statuses.values()) >= 5 * operations
    assert not failures, "\n\n".join(failures)
