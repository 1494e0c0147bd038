"""`nudge demo`: the bundled sample exports through the whole flow, on the embedded default."""

from __future__ import annotations

import sys
import time

from nudge.bootstrap import Services
from nudge.config import Settings


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run_demo(settings: Settings, *, me: str) -> int:
    from nudge.bootstrap import open_services
    from nudge.features.digest import build_digest, format_digest
    from nudge.features.importing import import_export
    from nudge.features.search import search
    from nudge.samples import sample_paths
    from nudge.store.history import busiest_day
    from nudge.store.preferences import user_preferences
    from nudge.store.users import user_zone
    from nudge.whatsapp import parse_path

    started = time.perf_counter()
    _step("starting the embedded Postgres and the local LLM service")
    with open_services(settings) as services:
        conn = services.conn
        if services.llm is None:
            print("    (no LLM: digest facts only, full-text search only)", file=sys.stderr)
        for path in sample_paths():
            parsed = parse_path(path)
            result = import_export(conn, parsed, user_id=services.user_id, me=me, embed=services.embed)
            _step(f"imported {path.name}: {result.inserted} new, {result.duplicates} already known")
        busiest = busiest_day(conn, user_id=services.user_id)
        if busiest is None:
            print("nothing imported", file=sys.stderr)
            return 1
        day = busiest[0]
        _step(f"digest of the busiest sample day, {day} ({busiest[1]} messages)")
        prefs = user_preferences(conn, user_id=services.user_id)
        digest = build_digest(conn, user_id=services.user_id, day=day, me=me,
                              llm=services.chat_model(), keywords=prefs.keywords or ["party"],
                              chat_types=prefs.chat_types, capable=services.capable,
                              tz=user_zone(conn, user_id=services.user_id))
        print(format_digest(digest))
        _show_suggestions(services, me=me, chat="Trip to Lisbon")
        _show_reminders(services, me=me)
        query = "what did Emre say about the party?"
        _step(f"search: {query}")
        for hit in search(conn, user_id=services.user_id, query=query,
                          query_embedding=services.embed_query(query), sender="Emre", limit=5):
            print(f"  {hit.sent_at:%Y-%m-%d %H:%M} [{hit.chat}] {hit.sender}: {hit.text}")
    _step(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _show_suggestions(services: Services, *, me: str, chat: str) -> None:
    conn = services.conn
    from nudge.features.suggest import suggest_replies

    _step(f"reply suggestions for the latest unanswered messages in '{chat}'")
    result = suggest_replies(conn, user_id=services.user_id, chat=chat, llm=services.llm, n=3, me=me,
                             embed=services.embed, capable=services.capable)
    for item in result.replying_to[-3:]:
        print(f"  {item.sent_at:%H:%M} {item.sender}: {item.text}")
    labels = {"yours": "your words", "llm": "model", "template": "template"}
    for reply, source in zip(result.replies, result.sources, strict=True):
        print(f"  -> {reply}  ({labels[source]})")


DEMO_NOTE = "send Ana the dentist's number (demo)"


def _show_reminders(services: Services, *, me: str) -> None:
    """A reminder set the way the bot sets one ("remind me to answer Ana tonight"), then due."""
    conn = services.conn
    from datetime import datetime, timedelta

    from nudge.features.reminders import add_reminder, due_reminders, format_reminder, list_reminders
    from nudge.store.preferences import user_preferences
    from nudge.store.users import user_zone

    tz = user_zone(conn, user_id=services.user_id)
    now = datetime.now(tz)
    if not any(r.note == DEMO_NOTE for r in list_reminders(conn, user_id=services.user_id)):
        add_reminder(conn, user_id=services.user_id, chat="Ana", due_at=now - timedelta(minutes=1),
                     note=DEMO_NOTE)
    _step("reminders due now")
    for reminder in due_reminders(conn, user_id=services.user_id, now=now,
                                  prefs=user_preferences(conn, user_id=services.user_id), me=me):
        print("  " + format_reminder(reminder, tz))
