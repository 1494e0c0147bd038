"""Two users through each face: the CLI, the ingest API and the Telegram webhook keep them apart.

GIVEN users A and B who each import a chat with the SAME name and the SAME messages (so the same
source keys), B having one extra message (the zebra question) only B may ever see,
WHEN each acts through a face (the CLI with --user / NUDGE_USER, the ingest API with their own
bearer token, the bot from their own Telegram account),
THEN each user's imports, searches, digests, reminders and suggestions hold only their rows, and
nothing one does reaches the other. The schedules' side: tests/integration/test_two_users.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from nudge.features.digest import build_digest
from nudge.features.importing import import_export
from nudge.features.search import search
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import OWNER, WebhookStack, callback_update, closed_port_url, document_update
from tests.fake_telegram import open_webhook_stack as webhook_stack_over
from tests.integration.test_two_users import ANA, ANA_B, B_ONLY, OTHER, SOURCE
from tests.unit.test_lock_handler import TOKEN, LambdaContext, answer, http_api_event, load_handler
from tests.unit.test_lock_handler import set_aws_env as set_lambda_env

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")  # the ingest Lambda

DAY = "2024-05-13"


def texts_of(db, user_id: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT text FROM messages WHERE user_profile_id = %s ORDER BY id",
                                     [user_id])]


# --- the CLI: --user ID or NUDGE_USER ----------------------------------------------------------

@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """This test's database, the LLM down (no model to load: every answer is facts or templates)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "LLM_", "NUDGE_", "INGEST_", "TELEGRAM_"))}
    env.update(DATABASE_URL=db_url, NUDGE_DATA_DIR=str(tmp_path / "home"), NUDGE_TIMEZONE="UTC",
               LLM_BASE_URL=closed_port_url())
    return env


def nudge(env: dict[str, str], *args: str, user: int | None = None) -> subprocess.CompletedProcess:
    """`nudge [--user N] ARGS` as a user runs it."""
    flag = [] if user is None else ["--user", str(user)]
    return subprocess.run([sys.executable, "-m", "nudge.faces.cli.main", *flag, *args], env=env,
                          capture_output=True, text=True, timeout=120)


def nudge_json(env: dict[str, str], *args: str, user: int | None = None) -> object:
    result = nudge(env, *args, user=user)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def cli_two(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A imports 'Ana' with --user 1, B the same export plus the zebra question with NUDGE_USER=2."""
    for who, content in (("a", ANA), ("b", ANA_B)):
        (tmp_path / who).mkdir()
        (tmp_path / who / SOURCE).write_bytes(content)
    first = nudge_json(cli_env, "import", str(tmp_path / "a" / SOURCE), "--me", "Sam", user=1)
    second = nudge_json(dict(cli_env, NUDGE_USER="2"), "import", str(tmp_path / "b" / SOURCE),
                        "--me", "Sam")
    assert first == {"chat": "Ana", "inserted": 3, "duplicates": 0, "skipped": 0}
    assert second == {"chat": "Ana", "inserted": 4, "duplicates": 0, "skipped": 0}  # not A's
    return cli_env


def test_the_cli_searches_and_digests_only_the_acting_users_messages(cli_two):
    assert nudge_json(cli_two, "search", "zebra", "--json", user=1) == []
    [hit] = nudge_json(cli_two, "search", "zebra", "--json", user=2)
    assert hit["text"] == B_ONLY
    assert len(nudge_json(cli_two, "search", "dinner", "--json", user=1)) == 1  # not B's copy too

    digest_a = nudge(cli_two, "digest", "--date", DAY, "--json", user=1)
    digest_b = nudge(dict(cli_two, NUDGE_USER="2"), "digest", "--date", DAY, "--json")
    assert [(c["chat"], c["messages"]) for c in json.loads(digest_a.stdout)["chats"]] == [("Ana", 3)]
    assert [(c["chat"], c["messages"]) for c in json.loads(digest_b.stdout)["chats"]] == [("Ana", 4)]
    assert "zebra" not in digest_a.stdout and B_ONLY in digest_b.stdout


def test_the_cli_keeps_reminders_suggestions_and_critical_contacts_per_user(cli_two):
    [mine] = nudge_json(cli_two, "remind", "--json", "add", "Ana", "tomorrow", "9am", "--note",
                        "B's note", user=2)
    assert nudge_json(cli_two, "remind", "--json", "list", "--all", user=1) == []
    refused = nudge(cli_two, "remind", "clear", str(mine["id"]), user=1)
    assert refused.returncode == 2 and "no open reminder" in refused.stderr
    assert [r["id"] for r in nudge_json(cli_two, "remind", "--json", "list", user=2)] == [mine["id"]]

    for_b = nudge(cli_two, "suggest", "--chat", "Ana", user=2)
    for_a = nudge(cli_two, "suggest", "--chat", "Ana", user=1)
    assert for_a.returncode == for_b.returncode == 0, for_a.stderr + for_b.stderr
    assert B_ONLY in for_b.stdout and "zebra" not in for_a.stdout
    b_suggestion = next(line for line in for_b.stdout.splitlines() if line.startswith("["))
    refused = nudge(cli_two, "suggest", "--approve", b_suggestion[1:b_suggestion.index("]")], user=1)
    assert refused.returncode == 2 and "no suggestion" in refused.stderr

    assert nudge_json(cli_two, "critical", "add", "Ana", "--json", user=2) == ["Ana"]
    assert nudge_json(cli_two, "critical", "list", "--json", user=1) == []


# --- the ingest API: the bearer token names the user ---------------------------------------------

B_TOKEN = "token-of-user-b"


@pytest.fixture
def ingest_handler(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """functions/ingest/handler.py as Lambda runs it: INGEST_API_TOKEN acts for user 1 (the default
    NUDGE_USER), INGEST_USER_TOKENS adds B's token for user 2. No fence, so no lock table."""
    set_lambda_env(monkeypatch)
    for name, value in {"DATABASE_URL": db_url, "NUDGE_TIMEZONE": "UTC",
                        "INGEST_USER_TOKENS": f"2={B_TOKEN}"}.items():
        monkeypatch.setenv(name, value)
    for name in ("NUDGE_USER", "NUDGE_ME"):
        monkeypatch.delenv(name, raising=False)
    module = load_handler("ingest", "ingest_two_users_under_test")
    yield module
    module.app.state.connection.close()


def ingest(handler: ModuleType, token: str, body: dict | bytes, **headers: str) -> tuple[int, dict]:
    kind = "application/json" if isinstance(body, dict) else "text/plain"
    event = http_api_event("POST", "/ingest", body=body, headers={
        "authorization": f"Bearer {token}", "content-type": kind, **headers})
    return answer(handler.handler(event, LambdaContext()))


def batch(*texts: str) -> dict:
    """A collector batch for 'Ana': the same WhatsApp ids and times for both users."""
    return {"chat": {"name": "Ana", "type": "one_to_one"}, "messages": [
        {"sent_at": f"2024-05-13T10:{i:02d}:00", "sender": "Ana", "text": text, "kind": "text",
         "from_me": False, "id": f"wa-{i}"} for i, text in enumerate(texts)]}


def test_each_ingest_token_stores_into_its_own_users_chat(ingest_handler, db):
    same = ("Are you coming to the dinner on Friday?", "Bring wine")
    assert ingest(ingest_handler, TOKEN, batch(*same)) == (
        200, {"chat": "Ana", "inserted": 2, "duplicates": 0, "skipped": 0})
    assert ingest(ingest_handler, B_TOKEN, batch(*same, B_ONLY)) == (
        200, {"chat": "Ana", "inserted": 3, "duplicates": 0, "skipped": 0})
    assert ingest(ingest_handler, TOKEN, batch(*same))[1]["duplicates"] == 2  # A's own only

    assert ingest(ingest_handler, "token-of-nobody", batch(B_ONLY))[0] == 401
    assert texts_of(db, 1) == list(same) and texts_of(db, 2) == [*same, B_ONLY]
    assert search(db, user_id=1, query="zebra") == []
    assert [h.text for h in search(db, user_id=2, query="zebra")] == [B_ONLY]


def test_an_uploaded_export_lands_in_the_uploading_users_chat_only(ingest_handler, db):
    headers = {"x-file-name": SOURCE}
    assert ingest(ingest_handler, TOKEN, ANA, **headers)[1]["inserted"] == 3
    assert ingest(ingest_handler, B_TOKEN, ANA_B, **headers)[1] == {
        "chat": "Ana", "inserted": 4, "duplicates": 0, "skipped": 0}

    day = build_digest(db, user_id=1, day=date.fromisoformat(DAY), me=None, llm=None)
    assert [(c.chat, c.messages) for c in day.chats] == [("Ana", 3)]
    assert "zebra" not in json.dumps(day.to_json())
    assert B_ONLY in texts_of(db, 2) and B_ONLY not in texts_of(db, 1)


# --- the Telegram webhook: each account acts for its own profile ----------------------------------

@pytest.fixture
def bot(db_url: str, fake_telegram, aws_dynamodb, tmp_path: Path, db) -> Iterator[WebhookStack]:
    """The webhook with OWNER (A) and OTHER (B) allowed. A's 'Ana' is in the default profile, which
    A claims by using the bot first; B gets a new, empty profile, names themself Sam and uploads
    the export."""
    import_export(db, parse_bytes(ANA, source=SOURCE), user_id=1, me="Sam")
    with webhook_stack_over(db_url, fake_telegram, aws_dynamodb, tmp_path,
                            TELEGRAM_ALLOWED_USER_IDS=f"{OWNER},{OTHER}") as stack:
        assert "Your name in the chats: Sam" in stack.say("/settings")[0]  # A's first call claims
        assert "Your name in the chats: not set" in stack.say("/settings", user=OTHER)[0]
        assert "Nothing found" in stack.say("/search dinner", user=OTHER)[0]  # B's new profile
        assert "Your name in the chats: Sam" in stack.say("/settings name Sam", user=OTHER)[0]
        file_id = stack.fake.add_file(ANA_B, SOURCE)
        status, _ = stack.post(document_update(OTHER, file_id, SOURCE, size=len(ANA_B)))
        assert status == 200
        assert stack.fake.texts()[-1] == "4 new messages in 'Ana', 0 already known."
        yield stack


def test_each_telegram_account_acts_for_its_own_profile(bot: WebhookStack, db):
    assert db.execute("SELECT telegram_user_id, id FROM user_profiles ORDER BY id").fetchall() == [
        (OWNER, 1), (OTHER, 2)]
    assert B_ONLY in texts_of(db, 2) and B_ONLY not in texts_of(db, 1)


def test_the_bot_searches_and_digests_only_the_asking_users_messages(bot: WebhookStack):
    assert "Nothing found" in bot.say("/search zebra")[0]
    assert B_ONLY in bot.say("/search zebra", user=OTHER)[0]
    digest_a = "\n".join(bot.say(f"/digest {DAY}"))
    digest_b = "\n".join(bot.say(f"/digest {DAY}", user=OTHER))
    assert "Ana" in digest_a and "zebra" not in digest_a
    assert B_ONLY in digest_b


def test_the_bot_keeps_reminders_and_critical_contacts_per_account(bot: WebhookStack):
    [added] = bot.say("/remind Ana tomorrow 9am -- B's note", user=OTHER)
    b_reminder = int(added.split("#")[1].split(")")[0])
    assert "B's note" not in bot.say("/remind")[0]
    assert "cleared" not in bot.say(f"/remind clear {b_reminder}")[0]
    assert bot.say("/remind clear all") == ["0 reminders cleared."]
    assert "B's note" in bot.say("/remind", user=OTHER)[0]

    assert bot.say("/critical Ana", user=OTHER)[0].startswith("Ana is critical")
    assert "Critical contacts: none yet." in bot.say("/critical")[0]


def test_a_suggestion_of_one_account_cannot_be_approved_or_copied_by_the_other(bot: WebhookStack, db):
    assert B_ONLY in bot.say("/suggest ana", user=OTHER)[0]
    keyboard = bot.fake.sent()[-1]["reply_markup"]["inline_keyboard"]
    approve, copy = keyboard[0]
    suggestion_id = int(approve["callback_data"].split(":")[1])
    assert "zebra" not in bot.say("/suggest ana")[0]

    bot.fake.clear()
    for press in (approve, copy):
        assert bot.post(callback_update(OWNER, press["callback_data"], keyboard=keyboard))[0] == 200
    reply = db.execute("SELECT text, approved FROM suggestions WHERE id = %s", [suggestion_id]).fetchone()
    assert reply[1] is None  # still undecided: A's press did nothing to B's suggestion
    assert reply[0] not in bot.fake.texts() and not bot.fake.sent("editMessageReplyMarkup")
