"""`nudge serve` runs the schedules as EventBridge does on AWS (the same nudge.faces.schedules
code), on a ticker whose interval a test can shorten, and its queue workers run queued jobs.

GIVEN a chat with messages from yesterday, the owner's digest time passed and the fake Bot API,
WHEN the local stack runs with a short schedule interval,
THEN the digest reaches the owner, once, however many ticks follow.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from nudge.config import load_settings
from nudge.faces.serve import local_stack
from nudge.features.importing import import_export
from nudge.store.preferences import save_preferences, user_preferences
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import FakeTelegram, telegram_env


def yesterdays_chat() -> bytes:
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%d/%m/%Y")
    return (f"{day}, 09:15 - Sam: Hi Ana!\n"
            f"{day}, 09:20 - Ana: Are you coming to the dinner on Friday?\n").encode()


def test_the_local_stack_sends_the_digest_on_its_schedule_once(db, db_url, fake_telegram: FakeTelegram,
                                                               tmp_path) -> None:
    import_export(db, parse_bytes(yesterdays_chat(), source="WhatsApp Chat with Ana.txt"),
                  user_id=1, me="Sam")
    save_preferences(db, user_id=1, prefs=replace(user_preferences(db, user_id=1),
                                                  daily_time=clock(0, 0)))
    settings = load_settings(telegram_env(db_url, fake_telegram, INGEST_API_TOKEN="t"),
                             data_dir=tmp_path)
    with local_stack(settings, schedule_every=0.3):
        fake_telegram.wait_for("sendMessage", timeout=60)
        time.sleep(1.5)  # a few more ticks: the digest is claimed per user and day
    digests = [t for t in fake_telegram.texts() if t.startswith("Digest for")]
    assert len(digests) == 1 and "Ana" in digests[0]


def test_without_a_schedule_interval_the_local_stack_sends_nothing(db_url, fake_telegram, tmp_path):
    settings = load_settings(telegram_env(db_url, fake_telegram, INGEST_API_TOKEN="t"),
                             data_dir=tmp_path)
    with local_stack(settings):
        time.sleep(0.5)
    assert fake_telegram.texts() == []


def test_messages_pushed_to_the_local_stack_become_searchable_by_its_enrichment_worker(
        db, db_url, llm_base_url, tmp_path) -> None:
    import httpx

    from nudge.features.enrichment import backlog

    settings = load_settings({"DATABASE_URL": db_url, "INGEST_API_TOKEN": "t",
                              "LLM_BASE_URL": llm_base_url}, data_dir=tmp_path)
    batch = {"chat": {"name": "Ana", "type": "one_to_one"},
             "messages": [{"sent_at": f"2024-05-13T09:{i:02d}:00", "sender": "Ana",
                           "text": f"shall we meet at the harbour at {i}?"} for i in range(40)]}
    with local_stack(settings) as stack:
        answer = httpx.post(f"{stack.base_url}/ingest", json=batch,
                            headers={"Authorization": "Bearer t"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["inserted"] == 40
        deadline = time.monotonic() + 60
        while backlog(db, user_id=1)[0] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert backlog(db, user_id=1)[0] == 0
    row = db.execute("SELECT count(*) FROM messages WHERE embedding IS NOT NULL").fetchone()
    assert row is not None and row[0] == 40
