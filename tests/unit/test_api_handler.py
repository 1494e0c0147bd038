"""The api Lambda as API Gateway calls it (payload v2 events through Mangum), on a real
embedded Postgres: auth, a batch stored and listed, a job queued, the document served."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.unit.test_lock_handler import (
    TOKEN,
    LambdaContext,
    answer,
    http_api_event,
    load_handler,
    set_aws_env,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")
pytest.importorskip("mangum")

AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}


@pytest.fixture
def api_handler(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    set_aws_env(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    module = load_handler("api", "api_handler_under_test")
    yield module
    module.app.state.parts.borrow.close()


def call(handler: ModuleType, method: str, path: str, body: dict | None = None,
         headers: dict | None = None, query: str = "") -> tuple[int, object]:
    event = http_api_event(method, path, body=body, headers=AUTH if headers is None else headers,
                           route=f"{method} {path}")
    event["rawQueryString"] = query
    return answer(handler.handler(event, LambdaContext()))


def test_given_no_token_when_listing_messages_then_401(api_handler):
    status, body = call(api_handler, "GET", "/messages", headers={})

    assert status == 401 and "bearer" in body["error"]


def test_given_a_batch_when_posted_then_it_is_listed_and_a_summary_can_be_queued(api_handler):
    batch = {"chat": {"name": "Ana", "type": "one_to_one"},
             "messages": [{"sent_at": "2024-05-01T10:00:00", "sender": "Ana", "text": "hi there"}]}

    stored = call(api_handler, "POST", "/messages", batch)
    listed = call(api_handler, "GET", "/messages", query="chat=ana&limit=5")
    queued = call(api_handler, "POST", "/summarization/start", {"date": "2024-05-01"})

    assert stored == (200, {"chat": "Ana", "inserted": 1, "duplicates": 0, "skipped": 0})
    assert listed[0] == 200 and [m["text"] for m in listed[1]["messages"]] == ["hi there"]
    assert queued[0] == 202 and queued[1]["status"] == "queued"


def test_given_the_document_route_then_the_openapi_document_is_served(api_handler):
    status, body = call(api_handler, "GET", "/openapi.json", headers={})

    assert status == 200 and "/messages" in body["paths"] and body["info"]["title"] == "Nudge API"
