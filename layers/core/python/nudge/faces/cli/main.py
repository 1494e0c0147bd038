"""The `nudge` command: a thin face over the core. Only this module prints.

Each command is one function whose docstring is its --help (ending with an example); it opens the
core through bootstrap, calls one service and turns core errors into exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from nudge.config import Settings, load_settings
from nudge.errors import InputError, NudgeError
from nudge.faces.cli.assist import add_assist_commands
from nudge.faces.cli.controls import add_control_commands
from nudge.faces.cli.outbox import add_outbox_commands


def _json_line(obj: object) -> None:
    from nudge.faces.cli.jsonl import dumps_line

    sys.stdout.flush()
    sys.stdout.buffer.write(dumps_line(obj))
    sys.stdout.buffer.flush()


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    """Parse a WhatsApp export and print one JSON object per message (JSON Lines).

    FILE is a .txt export, a .zip holding one, or - for standard input.

    Example: nudge parse "WhatsApp Chat with Ana.txt" --stats
    """
    from nudge.whatsapp import parse_bytes, parse_path

    if args.file == "-":
        parsed = parse_bytes(sys.stdin.buffer.read(), source="<stdin>", date_order=args.date_order)
    else:
        parsed = parse_path(args.file, date_order=args.date_order)
    from nudge.faces.cli.jsonl import write_messages

    sys.stdout.flush()
    write_messages(parsed.messages, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    if args.stats:
        senders = sorted({m.sender for m in parsed.messages if m.sender})
        first, last = (parsed.messages[0].sent_at, parsed.messages[-1].sent_at) \
            if parsed.messages else (None, None)
        print(f"messages: {len(parsed.messages)}\nsenders: {len(senders)} ({', '.join(senders)})\n"
              f"first: {first}\nlast: {last}\nformat: {parsed.format}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import WhatsApp exports: parse and store (idempotent), then enrich them for search
    (transcripts of voice notes, embeddings, sentiment) while showing progress on stderr.
    --no-wait returns once they are stored; the enrichment then runs behind (`nudge serve`,
    `nudge enrich`, the schedules).

    Prints one JSON object per file: {"chat", "inserted", "duplicates", "skipped"}, plus
    "renamed_from" when the export continues a stored chat under a new name (the chat is renamed;
    its history is not stored twice). Re-importing the same or an overlapping export inserts only
    what is new. Files are done one at a time, each read in parts of about 8 MB and stored in one
    transaction (a crash leaves nothing of the file), and each printed line is committed. --me
    sets your name on your profile (your messages, also those already stored, are marked as
    yours).

    Example: nudge import "WhatsApp Chat with Ana.txt" --me Sam
    """
    from nudge.bootstrap import open_services
    from nudge.faces.cli.progress import enrich_with_progress
    from nudge.features.import_files import import_file

    if args.renamed_from and len(args.files) > 1:
        raise InputError("--renamed-from applies to one file at a time")
    with open_services(settings, me=args.me, with_llm=not args.no_wait) as services:
        for file in args.files:
            result = import_file(services.conn, file, user_id=services.user_id,
                                 chat_name=args.chat, me=services.me,
                                 renamed_from=args.renamed_from, keep_audio=settings.keep_audio)
            _json_line(result.to_json())
        sys.stdout.flush()
        if args.no_wait:
            _queue_enrichment(services.settings, services.user_id)
        else:
            enrich_with_progress(services)
    return 0


def _queue_enrichment(settings: Settings, user_id: int) -> None:
    """With a job queue configured (JOBS_QUEUE_URL), ask its worker to enrich now; otherwise
    the backlog waits in the database for `nudge serve`'s schedule or `nudge enrich`."""
    from nudge.features import jobs

    try:
        jobs.submit("enrich", {"user_id": user_id}, settings=settings)
    except Exception as exc:  # stored already: the schedules' catch-up finds the messages
        print(f"nudge: warning: enrichment not queued ({exc}); the schedules will catch up",
              file=sys.stderr)


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    """Enrich the messages still waiting (embeddings for search by meaning, sentiment) now,
    showing progress on stderr: what `nudge import --no-wait` or an LLM outage left behind.

    Example: nudge enrich --limit 10000
    """
    from nudge.bootstrap import open_services
    from nudge.faces.cli.progress import enrich_with_progress

    with open_services(settings) as services:
        left = enrich_with_progress(services, limit=args.limit)
    print(json.dumps({"user": services.user_id, "pending": left}))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """The enrichment backlog per user: how many messages wait, and since when.

    Example: nudge status --json
    """
    from nudge.bootstrap import open_services
    from nudge.features.enrichment import backlogs

    with open_services(settings, with_llm=False) as services:
        found = backlogs(services.conn)
    now = datetime.now().astimezone()
    rows = [{"user": user_id, "pending": pending,
             "oldest_pending_seconds": round((now - oldest).total_seconds()) if oldest else None}
            for user_id, pending, oldest in found]
    if args.json:
        print(json.dumps({"users": rows}))
        return 0
    for row in rows:
        waiting = f"{row['pending']:,} messages waiting for enrichment"
        if row["oldest_pending_seconds"] is not None:
            waiting += f", the oldest stored {_age(row['oldest_pending_seconds'])} ago"
        print(f"user {row['user']}: {waiting if row['pending'] else 'all messages enriched'}")
    return 0


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def default_digest_day(settings: Settings) -> date:
    """Yesterday in the user's time zone (NUDGE_TIMEZONE)."""
    return (datetime.now(settings.tz) - timedelta(days=1)).date()


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Digest of one day: per chat a gist of the whole day, key points, plans, tone and topics,
    then open questions to you and important messages. The gist is extractive with the tiny
    default model; a capable model (LLM_CHAT_TIER=capable) writes it, checked against the chat.

    Example: nudge digest --date 2024-11-26 --json
    """
    from nudge.bootstrap import open_services
    from nudge.features.digest import digest_of_day, format_digest

    day = _parse_date(args.date) if args.date else default_digest_day(settings)
    with open_services(settings) as services:
        digest = digest_of_day(services.conn, user_id=services.user_id, day=day, me=services.me,
                               llm=services.chat_model(), capable=services.capable)
    print(json.dumps(digest.to_json(), ensure_ascii=False, indent=2) if args.json
          else format_digest(digest))
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search all messages by meaning and by words (hybrid: pgvector + full text).

    Example: nudge search "what did Emre say about the party" --chat "Trip to Lisbon"
    """
    from nudge.bootstrap import open_services
    from nudge.features.search import search

    with open_services(settings) as services:
        hits = search(services.conn, user_id=services.user_id, query=args.query,
                      query_embedding=services.embed_query(args.query), chat=args.chat,
                      sender=args.sender,
                      since=_parse_date(args.since) if args.since else None,
                      until=_parse_date(args.until) if args.until else None, limit=args.limit,
                      sentiment=args.sentiment)
    if args.json:
        print(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=2))
    else:
        for hit in hits:
            print(f"{hit.sent_at:%Y-%m-%d %H:%M}  [{hit.chat}] {hit.sender or '-'}: {hit.text}")
        if not hits:
            print("No matching messages.")
    return 0


def cmd_plans(args: argparse.Namespace, settings: Settings) -> int:
    """Plans made in the chats on one day (a date, time or place fixed in a message), resolved
    in your time zone; --ics writes them as a calendar file to import.

    Example: nudge plans --date 2024-11-26 --ics plans.ics
    """
    from nudge.bootstrap import open_services
    from nudge.features.digest import format_when, plan_json
    from nudge.features.plans import calendar_of, plans_said_on
    from nudge.store.users import user_zone

    day = _parse_date(args.date) if args.date else default_digest_day(settings)
    with open_services(settings, with_llm=False) as services:
        found = plans_said_on(services.conn, user_id=services.user_id, day=day, me=services.me,
                              tz=user_zone(services.conn, user_id=services.user_id))
    if args.ics:
        args.ics.write_bytes(calendar_of(found))
    if args.json:
        print(json.dumps([{"chat": p.chat, **plan_json(p.plan)} for p in found], ensure_ascii=False,
                         indent=2))
        return 0
    for p in found:
        place = f" @ {p.plan.place}" if p.plan.place else ""
        print(f"{format_when(p.plan)}  [{p.chat}] {p.plan.title}{place}  ({p.plan.sender})")
    if not found:
        print(f"No plans made on {day}.")
    elif args.ics:
        print(f"wrote {len(found)} event{'s' if len(found) > 1 else ''} to {args.ics}")
    return 0


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    """What each chat talked about on the digested days (topics kept by `nudge digest`).

    Example: nudge topics --chat "Trip to Lisbon" --days 7
    """
    from nudge.bootstrap import open_services
    from nudge.features.topics import recent_topics

    with open_services(settings, with_llm=False) as services:
        days = recent_topics(services.conn, user_id=services.user_id, chat=args.chat,
                             until=default_digest_day(settings) + timedelta(days=1), days=args.days)
    if args.json:
        print(json.dumps([d.to_json() for d in days], ensure_ascii=False, indent=2))
        return 0
    for d in days:
        print(f"{d.day}  [{d.chat}] {'; '.join(d.labels) or '-'}  ({d.tone or 'tone unknown'})")
    if not days:
        print("No digested days yet: run `nudge digest` first.")
    return 0


def cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    """Prepare the default models offline (convert all-MiniLM-L6-v2 to GGUF once) and the
    embedded Postgres. Safe to run again: nothing is done twice.

    Example: nudge setup
    """
    import time

    from nudge.llm.models import chat_model_path, embed_model_path, speech_model_dir
    from nudge.store.db import open_database

    started = time.perf_counter()
    print("==> chat model:", chat_model_path(settings), flush=True)
    print("==> embedding model (converted once, then cached) ...", flush=True)
    print("    ", embed_model_path(settings), flush=True)
    print("==> speech model for voice notes (Whisper base, joined once) ...", flush=True)
    try:
        print("    ", speech_model_dir(settings), flush=True)
    except NudgeError as exc:  # voice notes then wait untranscribed; nothing else needs it
        print(f"    skipped: {exc}", flush=True)
    print("==> database (embedded Postgres + pgvector, migrations) ...", flush=True)
    with open_database(settings):
        pass
    print(f"==> ready in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Import the bundled sample exports and show what Nudge does with them: the digest of the
    busiest day, open questions and a search.

    Example: nudge demo
    """
    from nudge.faces.cli.demo import run_demo

    return run_demo(settings, me=args.me or settings.me or "Sam")


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot locally by long polling: the same handlers as the webhook Lambda.

    Needs TELEGRAM_BOT_TOKEN and TELEGRAM_ALLOWED_USER_IDS (your numeric Telegram id; others are
    ignored). TELEGRAM_API_BASE_URL points it at another Bot API server. Polling deletes the bot's
    webhook, so use a different bot token than the deployed one. Ctrl-C stops it.

    Example: TELEGRAM_BOT_TOKEN=123:abc TELEGRAM_ALLOWED_USER_IDS=42 nudge bot
    """
    from nudge.faces.telegram.polling import run_polling

    if not settings.telegram_bot_token:
        raise InputError("TELEGRAM_BOT_TOKEN is not set (create a bot with @BotFather)")
    if not settings.telegram_allowed_user_ids:
        raise InputError("TELEGRAM_ALLOWED_USER_IDS is not set: the bot would answer nobody")
    print(f"nudge: polling {settings.telegram_api_base_url} as the bot; Ctrl-C stops",
          file=sys.stderr, flush=True)
    run_polling(settings)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local stack on loopback: the ingest, lock, Telegram webhook and API apps at the same
    paths as API Gateway (API docs at /docs), moto for DynamoDB, SQS and S3, worker threads for
    the queued jobs (enrichment, upload imports, summarizations), the schedules every 15 minutes
    (digest, reminders, enrichment catch-up), the embedded Postgres and llm_service. Prints the
    base URL; Ctrl-C stops everything it started.

    Example: INGEST_API_TOKEN=secret nudge serve --port 8787
    """
    from nudge.faces.serve import run_local_stack

    if args.schedule_minutes <= 0:
        raise InputError(f"--schedule-minutes must be positive, got {args.schedule_minutes}")
    run_local_stack(settings, host=args.host, port=args.port,
                    schedule_every=args.schedule_minutes * 60)
    return 0


def cmd_collect(args: argparse.Namespace, settings: Settings) -> int:
    """Upload new or changed WhatsApp exports (.txt, .zip) in DIR to POST /ingest while holding the
    collector lock. Prints one line per upload and a summary; exits 0 when another collector
    holds the lock. The token comes from INGEST_API_TOKEN. With --sender module:function (called
    with each queued reply: id, chat, chat_type, text; returns WhatsApp's message id), the same run
    sends your outbox, each reply at most once.

    Example: INGEST_API_TOKEN=secret nudge collect ~/exports --api http://127.0.0.1:8787
    """
    from nudge.faces.collector import collect, load_sender

    if not settings.ingest_api_token:
        raise InputError("INGEST_API_TOKEN is not set")
    report = collect(args.dir, api_url=args.api, token=settings.ingest_api_token,
                     state_path=args.state or settings.data_dir / "collector-state.json",
                     ttl_seconds=args.ttl, sender=load_sender(args.sender) if args.sender else None)
    for line in report.lines():
        print(line)
    return 0


Command = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(
        prog="nudge", description="Nudge: a private assistant for your WhatsApp messages.")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="embedded Postgres and prepared models (env NUDGE_DATA_DIR, "
                             "default ~/.local/share/nudge)")
    parser.add_argument("--user", type=int, default=None, metavar="ID",
                        help="act for this user profile (env NUDGE_USER, default 1)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, Command] = {}

    def add(name: str, func: Command) -> argparse.ArgumentParser:
        doc = func.__doc__ or ""
        commands[name] = func
        summary = " ".join(doc.split("\n\n")[0].split())
        return sub.add_parser(name, help=summary, description=doc,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = add("parse", cmd_parse)
    p.add_argument("file")
    p.add_argument("--date-order", choices=["auto", "dmy", "mdy", "ymd"], default="auto")
    p.add_argument("--stats", action="store_true", help="summary on stderr")

    p = add("import", cmd_import)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--chat", help="chat name (default: from the export's file name)")
    p.add_argument("--me", help="your display name in the exports (env NUDGE_ME); kept on your "
                                "profile")
    p.add_argument("--renamed-from", metavar="OLD",
                   help="the chat's earlier name: store into that chat and record the rename "
                        "(found by itself when the export overlaps the stored chat)")
    p.add_argument("--no-wait", action="store_true",
                   help="return once stored; enrichment runs behind (nudge serve / nudge enrich)")

    p = add("enrich", cmd_enrich)
    p.add_argument("--limit", type=int, default=None, help="at most this many messages")

    p = add("status", cmd_status)
    p.add_argument("--json", action="store_true")

    p = add("digest", cmd_digest)
    p.add_argument("--date", help="YYYY-MM-DD (default: yesterday in NUDGE_TIMEZONE)")
    p.add_argument("--json", action="store_true")

    p = add("search", cmd_search)
    p.add_argument("query")
    p.add_argument("--chat")
    p.add_argument("--sender")
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--until", help="YYYY-MM-DD")
    p.add_argument("--sentiment", choices=["positive", "neutral", "negative"])
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")

    p = add("plans", cmd_plans)
    p.add_argument("--date", help="YYYY-MM-DD (default: yesterday)")
    p.add_argument("--ics", type=Path, metavar="FILE", help="also write them as a calendar file")
    p.add_argument("--json", action="store_true")

    p = add("topics", cmd_topics)
    p.add_argument("--chat")
    p.add_argument("--days", type=int, default=7, help="how many days back (default 7)")
    p.add_argument("--json", action="store_true")

    add_assist_commands(add)
    add_control_commands(add)
    add_outbox_commands(add)

    add("setup", cmd_setup)
    add("bot", cmd_bot)

    p = add("serve", cmd_serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8787)
    p.add_argument("--schedule-minutes", type=float, default=15,
                   help="run the digest, reminder and enrichment schedules this often (default 15)")

    p = add("collect", cmd_collect)
    p.add_argument("dir", type=Path)
    p.add_argument("--api", required=True, help="base URL of the API (API Gateway or nudge serve)")
    p.add_argument("--state", type=Path, help="what was sent (default DATA_DIR/collector-state.json)")
    p.add_argument("--ttl", type=int, default=300, help="lease seconds, renewed while working")
    p.add_argument("--sender", metavar="MODULE:FUNCTION",
                   help="send the outbox with this callable (see `nudge outbox`)")
    p = add("demo", cmd_demo)
    p.add_argument("--me", help="your name in the sample exports (default Sam)")
    return parser, commands


def main(argv: list[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(data_dir=args.data_dir)
        if args.user is not None:
            if args.user < 1:
                raise InputError(f"--user must be a positive number, got {args.user}")
            settings = replace(settings, user_id=args.user)
        return commands[args.command](args, settings)
    except NudgeError as exc:
        print(f"nudge: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a database or LLM failure: one line, never a traceback
        line = _failure_line(exc)
        if line is None:
            raise
        print(f"nudge: error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _failure_line(exc: Exception) -> str | None:
    """One line for a failure outside Nudge's control (the database or the LLM service went away
    mid-command): what failed and the first line the library gave. None: a bug, let it show."""
    import psycopg

    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, psycopg.Error):
        return (f"the database failed ({detail}); nothing of the failed step was stored, "
                "run the command again once it is back")
    import httpx

    if isinstance(exc, httpx.HTTPError):
        return f"the LLM service failed ({detail}); run the command again once it is back"
    return None


if __name__ == "__main__":
    sys.exit(main())
