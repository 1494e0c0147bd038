"""The control commands of `nudge` (in process, over this test's database): critical MESSAGE_ID,
ignore, mute, unmute and settings, with their JSON, their errors (exit 2) and the digest's ids.

GIVEN an imported chat with Ana, WHEN the user runs the commands, THEN the store follows and
`nudge digest` shows the effect.
"""

from __future__ import annotations

import json

import pytest

from nudge.faces.cli.main import main
from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes

ANA = b"""13/05/2024, 09:15 - Sam: Hi Ana!
13/05/2024, 09:20 - Ana: Are you coming to the dinner on Friday?
13/05/2024, 09:21 - Ana: Bring wine and cheese
"""


@pytest.fixture
def cli(db, db_url, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `nudge ARGS…` for user 1 over this test's database; (exit code, stdout, stderr)."""
    import_export(db, parse_bytes(ANA, source="WhatsApp Chat with Ana.txt"), user_id=1, me="Sam")
    for name in ("LLM_BASE_URL", "NUDGE_USER", "NUDGE_ME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("NUDGE_TIMEZONE", "UTC")
    monkeypatch.setenv("NUDGE_DATA_DIR", str(tmp_path))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def message_id(db, text: str) -> int:
    return db.execute("SELECT id FROM messages WHERE text = %s", [text]).fetchone()[0]


def test_a_message_is_marked_critical_and_unmarked_by_id(cli, db):
    wine = message_id(db, "Bring wine and cheese")
    code, out, _ = cli("critical", str(wine))
    assert code == 0 and out.startswith(f"critical: #{wine} 2024-05-13 09:21 [Ana] Ana: Bring wine")
    code, out, _ = cli("critical", f"#{wine}", "--off", "--json")
    body = json.loads(out)
    assert code == 0 and body["id"] == wine and body["critical"] is False and body["chat"] == "Ana"
    assert cli("critical", "add", "Ana")[1].strip() == "Ana"  # contacts work as before
    code, _, err = cli("critical", "999999")
    assert code == 2 and "no message with id 999999" in err
    code, _, err = cli("critical", "sometimes")
    assert code == 2 and "not a message id" in err


def test_an_ignored_message_leaves_the_digest_and_comes_back_with_undo(cli, db):
    question = message_id(db, "Are you coming to the dinner on Friday?")
    code, out, _ = cli("digest", "--date", "2024-05-13")
    assert code == 0 and f"Are you coming to the dinner on Friday?  (#{question})" in out
    digest = json.loads(cli("digest", "--date", "2024-05-13", "--json")[1])
    assert digest["chats"][0]["needs_reply"][0]["id"] == question

    assert cli("ignore", str(question))[1].startswith(f"ignored: #{question}")
    assert "Are you coming" not in cli("digest", "--date", "2024-05-13")[1]
    assert f"#{question}" in cli("ignore")[1]
    assert cli("ignore", str(question), "--undo")[1].startswith("no longer ignored")
    assert cli("ignore")[1].strip() == "No ignored messages."


def test_a_chat_is_muted_listed_and_unmuted(cli):
    assert cli("mute", "ana")[1].strip() == "muted: Ana"
    assert "No messages that day." in cli("digest", "--date", "2024-05-13")[1]
    assert json.loads(cli("mute", "--json")[1]) == [{"id": 1, "chat": "Ana", "muted": True}]
    assert cli("unmute", "Ana")[1].strip() == "unmuted: Ana"
    assert cli("mute")[1].strip() == "No muted chats."
    code, _, err = cli("unmute", "Zed")
    assert code == 2 and "no chat called" in err


def test_settings_show_and_change_the_digest_frequency(cli):
    code, out, _ = cli("settings")
    assert code == 0 and "digest: daily at 08:00" in out
    assert "digest: weekly on Sunday at 18:00" in cli("settings", "digest", "weekly", "sunday", "18:00")[1]
    body = json.loads(cli("settings", "digest", "times", "08:00,19:00", "--json")[1])
    assert body["digest"]["frequency"] == "times" and body["digest"]["times"] == ["08:00", "19:00"]
    assert "digest: manual only" in cli("settings", "digest", "manual")[1]
    assert "time zone: Europe/Lisbon" in cli("settings", "tz", "Europe/Lisbon")[1]
    code, _, err = cli("settings", "digest", "fortnightly")
    assert code == 2 and "Unknown digest frequency 'fortnightly'" in err
    assert "digest: manual only" in cli("settings")[1]
