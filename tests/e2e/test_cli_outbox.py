"""`nudge outbox` and `nudge reply` as a user types them (in-process, on the embedded Postgres)."""

from __future__ import annotations

import json

import pytest

from nudge.faces.cli.main import main
from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes

ANA = b"13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?\n"


@pytest.fixture
def cli(db, db_url, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("NUDGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NUDGE_USER", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_a_custom_reply_needs_the_outbox_on_and_then_waits_queued(cli):
    code, _, err = cli("reply", "Ana", "see", "you", "at", "8")
    assert code == 2 and "outbox is off" in err and "nudge outbox on" in err
    assert cli("outbox", "on") == (0, "outbox on\n", "")
    code, out, _ = cli("reply", "ana", "see you at 8", "--json")
    queued = json.loads(out)
    assert code == 0
    assert (queued["chat"], queued["text"], queued["status"]) == ("Ana", "see you at 8", "queued")
    code, out, _ = cli("outbox")
    assert out.splitlines() == ["outbox on", f"#{queued['id']} queued   → Ana: see you at 8"]
    assert cli("outbox", "cancel")[0] == 2
    code, out, _ = cli("outbox", "cancel", str(queued["id"]), "--json")
    assert code == 0 and json.loads(out) == []
    code, _, err = cli("outbox", "again", str(queued["id"]))
    assert code == 2 and "no outbox reply" in err
    assert cli("outbox", "off", "--json") == (0, '{"enabled": false}\n', "")
