"""The API app (nudge.faces.http.api_app) over a fresh database, called in process through
Starlette's TestClient: two users, each with a token, and a recording `submit`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.http.api.helpers import TOKEN_A, TOKEN_B, Submitted, make_app


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_API_TOKEN", TOKEN_A)
    monkeypatch.setenv("NUDGE_USER", "1")
    monkeypatch.setenv("INGEST_USER_TOKENS", f"2={TOKEN_B}")
    monkeypatch.delenv("INGEST_API_TOKEN_SECRET_ARN", raising=False)


@pytest.fixture
def submitted() -> Submitted:
    return Submitted()


@pytest.fixture
def api(settings, tokens, submitted) -> Iterator[Any]:
    """A TestClient acting as user 1 (`api.as_b` acts as user 2)."""
    from fastapi.testclient import TestClient

    app = make_app(settings, submit=submitted)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN_A}"}) as client:
        client.as_b = TestClient(app, headers={"Authorization": f"Bearer {TOKEN_B}"})  # type: ignore[attr-defined]
        yield client
        app.state.parts.borrow.close()


@pytest.fixture
def no_database(tokens) -> Iterator[Any]:
    """A TestClient without a token over an app whose database must not be touched (what is
    refused before any work needs none)."""
    from fastapi.testclient import TestClient

    def untouchable() -> Any:
        raise AssertionError("the database was used")

    with TestClient(make_app(None, connection=untouchable)) as client:
        yield client


@pytest.fixture
def sql(settings) -> Iterator[Any]:
    """A plain connection to the API's database, to arrange what no route writes."""
    import psycopg

    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        yield conn
