"""The outbox commands of `nudge`: `reply` (a custom reply for WhatsApp) and `outbox` (turn it on or
off, list, cancel, send again). Same pattern as cli.main: docstring = --help, ending with an example."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime

from nudge.config import Settings
from nudge.errors import InputError


def _show(item: object, as_json: bool) -> None:
    data = item.to_json()  # type: ignore[attr-defined]
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    error = f"  ({data['error']})" if data["error"] else ""
    print(f"#{data['id']} {data['status']:<8} → {data['chat']}: {data['text']}{error}")


def cmd_reply(args: argparse.Namespace, settings: Settings) -> int:
    """Queue a reply of your own words for a WhatsApp chat. The collector (`nudge collect` with a
    sender, or the whatsapp-web.js collector) sends it on its next run, at most once; `nudge
    outbox` shows what became of it. Needs the outbox on (`nudge outbox on`).

    Example: nudge reply "Ana" "Running 10 minutes late, sorry!"
    """
    from nudge.bootstrap import open_services
    from nudge.features.outbox import queue_custom

    with open_services(settings, with_llm=False) as services:
        item = queue_custom(services.conn, user_id=services.user_id, chat=args.chat,
                            text=" ".join(args.text))
    _show(item, args.json)
    return 0


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """The outbox: replies on their way to WhatsApp. Off unless you turn it on; then approved
    suggestions (`nudge suggest --approve`) and `nudge reply` are queued per chat and a collector
    sends each at most once. A reply whose collector stopped between sending and reporting shows
    as "unknown": check WhatsApp; it is only sent again if you say so (`again ID`).
    Actions: on, off, list (default; --state queued|sending|sent|failed), cancel ID, again ID.

    Example: nudge outbox on
    """
    from nudge.bootstrap import open_services
    from nudge.features import outbox

    if args.action in ("cancel", "again") and args.id is None:
        raise InputError(f"outbox {args.action} needs the reply's ID (see `nudge outbox`)")
    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        if args.action in ("on", "off"):
            outbox.set_enabled(conn, user_id=user_id, enabled=args.action == "on")
        if args.action == "cancel":
            outbox.cancel(conn, user_id=user_id, outbox_id=args.id)
        if args.action == "again":
            _show(outbox.queue_again(conn, user_id=user_id, outbox_id=args.id), args.json)
            return 0
        enabled = outbox.is_enabled(conn, user_id=user_id)
        items = [] if args.action in ("on", "off") else outbox.list_items(
            conn, user_id=user_id, state=args.state, limit=args.limit, now=datetime.now(UTC))
    if args.json and args.action in ("on", "off"):
        print(json.dumps({"enabled": enabled}))
    elif args.json:
        print(json.dumps([i.to_json() for i in items], ensure_ascii=False, indent=2))
    else:
        print(f"outbox {'on' if enabled else 'off'}")
        for item in items:
            _show(item, False)
    return 0


def add_outbox_commands(add: Callable[[str, Callable], argparse.ArgumentParser]) -> None:
    """Register reply and outbox through cli.build_parser's `add`."""
    p = add("reply", cmd_reply)
    p.add_argument("chat")
    p.add_argument("text", nargs="+")
    p.add_argument("--json", action="store_true")

    p = add("outbox", cmd_outbox)
    p.add_argument("action", nargs="?", default="list", choices=["on", "off", "list", "cancel", "again"])
    p.add_argument("id", type=int, nargs="?", help="with cancel / again: the reply's id")
    p.add_argument("--state", choices=["queued", "sending", "sent", "failed"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
