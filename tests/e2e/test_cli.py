"""The `nudge` command run as a user runs it: a real process, the embedded Postgres, the real tiny
models through a local llm_service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nudge.samples import sample_paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def user_env(tmp_path_factory: pytest.TempPathFactory, llm_models) -> dict[str, str]:
    """A user's environment: an empty data dir (embedded Postgres starts there) and the test
    session's converted embedding model, so the CLI does not convert it again."""
    chat_model, embed_model = llm_models.chat, llm_models.embed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LLM_", "NUDGE_"))}
    env.update(NUDGE_DATA_DIR=str(tmp_path_factory.mktemp("nudge-home")), NUDGE_ME="Sam",
               LLM_CHAT_MODEL=str(chat_model), LLM_EMBED_MODEL=str(embed_model))
    return env


def nudge(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nudge.faces.cli.main", *args], env=env, input=stdin,
                          capture_output=True, timeout=300)


def test_parse_prints_one_json_line_per_message_and_stats_on_stderr(user_env):
    path = next(p for p in sample_paths() if p.suffix == ".txt")
    result = nudge(user_env, "parse", str(path), "--stats")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert records and set(records[0]) == {"sent_at", "sender", "text", "kind", "edited", "attachment"}
    assert f"messages: {len(records)}" in result.stderr.decode()


def test_parse_reads_standard_input(user_env):
    path = next(p for p in sample_paths() if p.suffix == ".txt")
    from_file = nudge(user_env, "parse", str(path)).stdout
    assert nudge(user_env, "parse", "-", stdin=path.read_bytes()).stdout == from_file


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 50, b"just some notes\nno chat here\n"])
def test_bad_input_exits_2_with_one_line_naming_the_file(user_env, tmp_path, content):
    bad = tmp_path / "notes.txt"
    bad.write_bytes(content)
    result = nudge(user_env, "parse", str(bad))
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "notes.txt" in stderr and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1


def test_import_digest_and_search_work_end_to_end(user_env):
    paths = [str(p) for p in sample_paths()]
    first = nudge(user_env, "import", *paths)
    assert first.returncode == 0, first.stderr
    results = [json.loads(line) for line in first.stdout.decode().splitlines()]
    assert len(results) == len(paths) and all(r["inserted"] > 0 for r in results)

    again = nudge(user_env, "import", *paths)
    repeated = [json.loads(line) for line in again.stdout.decode().splitlines()]
    assert [r["inserted"] for r in repeated] == [0] * len(paths)
    assert [r["duplicates"] for r in repeated] == [r["inserted"] for r in results]

    digest = nudge(user_env, "digest", "--date", "2024-11-26", "--json")
    assert digest.returncode == 0, digest.stderr
    body = json.loads(digest.stdout)
    assert body["date"] == "2024-11-26" and body["llm"] == "ok"
    assert body["chats"] and all(c["summary"] and c["gist"] and c["by"] == "extractive"
                                 for c in body["chats"])
    assert any(c["needs_reply"] for c in body["chats"])
    assert any(c["plans"] for c in body["chats"]) and any(c["topics"] for c in body["chats"])

    found = nudge(user_env, "search", "party", "--sender", "Emre", "--json")
    hits = json.loads(found.stdout)
    assert hits and all(h["sender"] == "Emre" for h in hits)
    assert set(hits[0]) == {"chat", "sender", "sent_at", "text", "score"}


def test_digest_says_the_llm_was_unavailable_and_still_gives_the_facts(user_env):
    paths = [str(p) for p in sample_paths()]
    nudge(user_env, "import", *paths)
    env = dict(user_env, LLM_BASE_URL="http://127.0.0.1:9")
    result = nudge(env, "digest", "--date", "2024-11-26", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["llm"] == "unavailable" and body["chats"][0]["messages"] > 0


def test_every_command_is_documented_with_an_example():
    from nudge.faces.cli.main import build_parser

    _, commands = build_parser()
    for name, func in commands.items():
        example = (func.__doc__ or "").rsplit("Example:", 1)[-1]
        assert f"nudge {name}" in example, name


def test_a_wrong_date_is_a_clear_error(user_env):
    result = nudge(user_env, "digest", "--date", "26/11/2024")
    assert result.returncode == 2 and "not a date" in result.stderr.decode()


def test_missing_file_is_a_clear_error(user_env, tmp_path: Path):
    result = nudge(user_env, "import", str(tmp_path / "nope.txt"))
    assert result.returncode == 2 and "nope.txt" in result.stderr.decode()


def test_suggest_prints_labelled_replies_as_json_and_approves_an_edited_one(user_env):
    nudge(user_env, "import", *[str(p) for p in sample_paths()])
    result = nudge(user_env, "suggest", "--chat", "trip to lisbon", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["chat"] == "Trip to Lisbon" and body["replying_to"][-1]["text"].startswith("Thank you all")
    assert len(body["replies"]) == 3
    assert all(set(r) == {"id", "text", "from"} and r["from"] in ("yours", "llm", "template")
               for r in body["replies"])
    first = body["replies"][0]["id"]
    edited = nudge(user_env, "suggest", "--approve", str(first), "--text", "Thanks Rui, amazing night!")
    assert edited.returncode == 0 and edited.stdout.decode().strip() == "approved: Thanks Rui, amazing night!"
    lone = nudge(user_env, "suggest", "--text", "hi")
    assert lone.returncode == 2 and "--approve" in lone.stderr.decode()


def test_plans_of_a_day_become_a_calendar_file_and_topics_are_kept(user_env, tmp_path):
    from icalendar import Calendar

    nudge(user_env, "import", *[str(p) for p in sample_paths()])
    ics = tmp_path / "plans.ics"
    result = nudge(user_env, "plans", "--date", "2024-11-26", "--ics", str(ics))
    assert result.returncode == 0, result.stderr
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert events and len(events) == len(result.stdout.decode().strip().splitlines()) - 1
    assert nudge(user_env, "digest", "--date", "2024-11-26").returncode == 0
    topics = nudge(user_env, "topics", "--chat", "lisbon", "--days", "10000", "--json")
    assert topics.returncode == 0, topics.stderr
    assert [day["day"] for day in json.loads(topics.stdout)] == ["2024-11-26"]


def test_import_no_wait_leaves_a_backlog_that_status_shows_and_enrich_drains(user_env, tmp_path):
    chat = tmp_path / "WhatsApp Chat with Zoe.txt"
    chat.write_text("".join(f"01/03/2024, 10:{i:02d} - Zoe: the pipeline message {i}\n"
                            for i in range(30)))
    stored = nudge(user_env, "import", "--no-wait", str(chat))
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["inserted"] == 30
    assert b"enriching" not in stored.stderr

    status = nudge(user_env, "status", "--json")
    [me] = [u for u in json.loads(status.stdout)["users"] if u["user"] == 1]
    assert me["pending"] == 30 and me["oldest_pending_seconds"] >= 0
    assert "30 messages waiting for enrichment" in nudge(user_env, "status").stdout.decode()

    enriched = nudge(user_env, "enrich")
    assert enriched.returncode == 0, enriched.stderr
    assert json.loads(enriched.stdout) == {"user": 1, "pending": 0}
    assert "30/30 messages" in enriched.stderr.decode()
    assert "user 1: all messages enriched" in nudge(user_env, "status").stdout.decode()


def test_import_waits_for_the_enrichment_and_says_how_far_it_got(user_env, tmp_path):
    chat = tmp_path / "WhatsApp Chat with Yan.txt"
    chat.write_text("".join(f"02/03/2024, 11:{i:02d} - Yan: harbour walk number {i}\n"
                            for i in range(20)))
    done = nudge(user_env, "import", str(chat))
    assert done.returncode == 0, done.stderr
    assert "20/20 messages" in done.stderr.decode()
    status = nudge(user_env, "status", "--json")
    assert [u["pending"] for u in json.loads(status.stdout)["users"] if u["user"] == 1] == [0]
