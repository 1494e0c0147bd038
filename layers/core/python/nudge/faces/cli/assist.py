"""The personal-assistant commands of `nudge`: reply suggestions, reminders, critical contacts.

Split from cli.py to keep each file short; same pattern: the docstring is the --help, ending
with an example, and core errors become exit code 2 in cli.main.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime

from nudge.config import Settings
from nudge.errors import InputError

LABELS = {"yours": "your words", "llm": "model", "template": "template"}


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """Reply suggestions for the latest unanswered message(s) in a chat, in your style.

    Your own past replies to similar messages (in any chat) come first, with a name or a time
    swapped to fit; a capable model (LLM_CHAT_TIER=capable, or a GGUF of 0.5 GB and up as
    LLM_CHAT_MODEL) also drafts from the recent conversation; templates for what the message asks
    fill up. Each reply is labelled: your words, model, template. --approve ID marks a suggestion
    you used (--text "..." stores your edited version instead), so later suggestions learn from it.
    --json prints {"chat", "replying_to", "replies": [{"id", "text", "from"}], ...}.

    Example: nudge suggest --chat "Ana" --n 3
    """
    from nudge.bootstrap import open_services
    from nudge.features.suggest import approve_suggestion, suggest_replies

    if args.text is not None and args.approve is None:
        raise InputError("--text goes with --approve ID (the edited reply to store)")
    with open_services(settings, with_llm=args.approve is None) as services:
        if args.approve is not None:
            text = approve_suggestion(services.conn, user_id=services.user_id,
                                      suggestion_id=args.approve, edited_text=args.text)
            print(json.dumps({"approved": args.approve, "text": text}, ensure_ascii=False)
                  if args.json else f"approved: {text}")
            return 0
        if not args.chat:
            raise InputError("--chat NAME is required (or --approve ID)")
        result = suggest_replies(services.conn, user_id=services.user_id, chat=args.chat,
                                 llm=services.llm, n=args.n, me=services.me, embed=services.embed,
                                 capable=services.capable)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    if not result.replying_to:
        print(result.message)
        return 0
    for item in result.replying_to:
        print(f"  {item.sent_at:%Y-%m-%d %H:%M} {item.sender}: {item.text}")
    if result.message:
        print(f"({result.message})", file=sys.stderr)
    for sid, reply, source in zip(result.ids, result.replies, result.sources, strict=True):
        print(f"[{sid}] {reply}  ({LABELS.get(source, source)})")
    return 0


def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    """Reminders for messages that still need your reply.

    Without an action: the reminders due now (yours, and automatic ones for critical messages:
    from critical contacts, marked critical, or questions to you with one of your keywords),
    marked as sent so they repeat only every reminder interval until you reply or clear them.
    Actions: add CHAT WHEN... (WHEN: tonight, tomorrow 9am, in 2 hours, at 18:00, morgen,
    esta noche ...), list, snooze ID WHEN..., clear [ID] (no ID: all).

    Example: nudge remind add Ben tonight --note "answer about the flat"
    """
    from nudge.bootstrap import open_services
    from nudge.features.reminders import (
        add_reminder,
        clear,
        due_reminders,
        format_reminder,
        list_reminders,
        mark_sent,
        snooze,
    )
    from nudge.rules.timewords import parse_when
    from nudge.store.preferences import user_preferences
    from nudge.store.users import user_zone

    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        tz = user_zone(conn, user_id=user_id)
        now = datetime.now(tz)
        if args.action == "add":
            shown = [add_reminder(conn, user_id=user_id, chat=args.chat,
                                  due_at=parse_when(" ".join(args.when), now=now, tz=tz),
                                  note=args.note, interval_minutes=args.every)]
        elif args.action == "snooze":
            shown = [snooze(conn, user_id=user_id, reminder_id=args.id,
                            until=parse_when(" ".join(args.when), now=now, tz=tz))]
        elif args.action == "clear":
            count = clear(conn, user_id=user_id, reminder_id=args.id)
            print(json.dumps({"cleared": count}) if args.json else f"cleared {count}")
            return 0
        elif args.action == "list":
            shown = list_reminders(conn, user_id=user_id, include_closed=args.all)
        else:
            shown = due_reminders(conn, user_id=user_id, now=now,
                                  prefs=user_preferences(conn, user_id=user_id), me=services.me)
            if not args.peek:
                mark_sent(conn, shown, now, user_id=user_id)
    if args.json:
        print(json.dumps([r.to_json() for r in shown], ensure_ascii=False, indent=2))
    else:
        for reminder in shown:
            print(format_reminder(reminder, tz))
        if not shown:
            print("No reminders due." if args.action is None else "No reminders.")
    return 0


def cmd_critical(args: argparse.Namespace, settings: Settings) -> int:
    """Mark contacts critical (or not), or list them; or mark one message critical by its id
    (`nudge digest` prints ids as #123; --off unmarks it). Unanswered messages from critical
    contacts, and critical messages, get automatic reminders until you reply.

    Example: nudge critical add "Ben"   ·   nudge critical 123
    """
    from nudge.bootstrap import open_services
    from nudge.errors import NotFound
    from nudge.faces.cli.controls import message_id, message_line
    from nudge.features.controls import mark_critical
    from nudge.store.contacts import critical_contacts, set_contact_critical

    if args.action not in ("add", "remove", "list"):
        if args.name:
            raise InputError("critical MESSAGE_ID takes no name (use --off to unmark it)")
        with open_services(settings, with_llm=False) as services:
            message = mark_critical(services.conn, user_id=services.user_id,
                                    message_id=message_id(args.action), critical=not args.off)
        print(json.dumps(message.to_json(), ensure_ascii=False) if args.json else
              ("critical: " if message.critical else "no longer critical: ") + message_line(message))
        return 0
    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        if args.action in ("add", "remove"):
            if not args.name:
                raise InputError(f"critical {args.action} needs a contact NAME")
            if not set_contact_critical(conn, user_id=user_id, name=args.name, critical=args.action == "add"):
                raise NotFound(f"no contact named {args.name!r} (import a chat with them first)")
        names = critical_contacts(conn, user_id=user_id)
    if args.json:
        print(json.dumps(names, ensure_ascii=False))
    else:
        print("\n".join(names) if names else "No critical contacts.")
    return 0


def add_assist_commands(add: Callable[[str, Callable], argparse.ArgumentParser]) -> None:
    """Register suggest, remind and critical through cli.build_parser's `add`."""
    p = add("suggest", cmd_suggest)
    p.add_argument("--chat", help="chat name (case-insensitive)")
    p.add_argument("--n", type=int, default=3, help="how many suggestions (1-6, default 3)")
    p.add_argument("--approve", type=int, metavar="ID", help="mark suggestion ID as used")
    p.add_argument("--text", metavar="EDITED", help="with --approve: the reply as you edited it")
    p.add_argument("--json", action="store_true", help="print JSON (replies with id, text, from)")

    p = add("remind", cmd_remind)
    p.add_argument("--json", action="store_true")
    p.add_argument("--peek", action="store_true", help="show due reminders without marking them sent")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser("add", help="remind me about a chat at a time")
    a.add_argument("chat")
    a.add_argument("when", nargs="+", help="tonight, tomorrow 9am, in 2 hours, at 18:00, morgen ...")
    a.add_argument("--note")
    a.add_argument("--every", type=int, metavar="MINUTES",
                   help="repeat interval (default: your reminder interval)")
    actions.add_parser("list", help="open reminders").add_argument(
        "--all", action="store_true", help="include done and cleared ones")
    a = actions.add_parser("snooze", help="silence a reminder until a time")
    a.add_argument("id", type=int)
    a.add_argument("when", nargs="+")
    actions.add_parser("clear", help="clear one reminder, or all").add_argument(
        "id", type=int, nargs="?")

    p = add("critical", cmd_critical)
    p.add_argument("action", metavar="add|remove|list|MESSAGE_ID")
    p.add_argument("name", nargs="?", help="the contact, for add and remove")
    p.add_argument("--off", action="store_true", help="with MESSAGE_ID: no longer critical")
    p.add_argument("--json", action="store_true")
