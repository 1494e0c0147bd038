"""Failures outside Nudge's control reach the CLI user as one line and exit 1, never a trace."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import psycopg
import pytest

from nudge.faces.cli import main as cli


def _failing(exc: BaseException) -> Any:
    def command(args: argparse.Namespace, settings: Any) -> int:
        raise exc

    return command


@pytest.mark.parametrize(("exc", "words"), [
    (psycopg.OperationalError("server closed the connection unexpectedly\n\tThis probably "
                              "means the server terminated abnormally"), "the database failed"),
    (httpx.ConnectError("[Errno 111] Connection refused"), "the LLM service failed"),
])
def test_a_database_or_llm_failure_is_one_line_and_exit_1(
    exc: BaseException, words: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "cmd_digest", _failing(exc))

    code = cli.main(["digest"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("nudge: error: ") and words in err


def test_a_bug_is_not_hidden_behind_a_friendly_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "cmd_digest", _failing(KeyError("bug")))

    with pytest.raises(KeyError):
        cli.main(["digest"])
