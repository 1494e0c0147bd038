"""Helpers of the API contract tests: tokens, the app over a database, request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TOKEN_A = "api-token-user-1"
TOKEN_B = "api-token-user-2"


@dataclass
class Submitted:
    """What the summarization route handed to the queue."""

    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        self.jobs.append((kind, payload))


def make_app(settings: Any, *, llm: Any = None, submit: Any = None, connection: Any = None) -> Any:
    from nudge.faces.http.api_app import create_api_app
    from nudge.faces.http.connection import SharedConnection
    from nudge.store.db import connect

    return create_api_app(settings_provider=lambda: settings,
                          connection=connection or SharedConnection(lambda: connect(settings)),
                          llm_provider=lambda: llm, lock_state=lambda name: None, submit=submit)


def msg(i: int, *, day: str = "2024-05-01", sender: str | None = "Ana", text: str | None = None,
        from_me: bool = False) -> dict[str, Any]:
    return {"sent_at": f"{day}T10:{i:02d}:00", "sender": None if from_me else sender,
            "text": text or f"hello number {i}", "kind": "text", "from_me": from_me, "id": f"{day}-{i}"}


def batch(name: str, *messages: dict[str, Any], chat_type: str = "one_to_one") -> dict[str, Any]:
    return {"chat": {"name": name, "type": chat_type}, "messages": list(messages)}
