"""The control commands of `nudge`: ignore a message, mute and unmute chats, settings (the digest
frequency). `nudge critical` (assist.py) marks single messages too. Same pattern as cli.py: the
docstring is the --help, ending with an example; core errors become exit code 2."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from nudge.config import Settings
from nudge.errors import InputError


def _print(obj: Any, as_json: bool, text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2) if as_json else text)


def message_line(message: Any) -> str:
    """'#12 2024-05-13 09:20 [Ana] Ana: Are you coming…  (critical)'"""
    who = "me" if message.from_me else (message.sender or "?")
    flags = [f for f, on in (("critical", message.critical), ("ignored", message.ignored),
                             ("chat muted", message.chat_muted)) if on]
    tail = f"  ({', '.join(flags)})" if flags else ""
    return (f"#{message.id} {message.sent_at:%Y-%m-%d %H:%M} [{message.chat}] {who}: "
            f"{message.text[:120]}{tail}")


def message_id(value: str) -> int:
    """'123' or '#123' -> 123 (what the digest prints after each item)."""
    text = value.strip().lstrip("#")
    if not text.isdigit():
        raise InputError(f"not a message id: {value!r} (the digest prints them as #123)")
    return int(text)


def cmd_ignore(args: argparse.Namespace, settings: Settings) -> int:
    """Ignore a message: it leaves the digest (no line, no open question), its reminders are
    cleared and no automatic reminder or reply suggestion answers it. --undo stops ignoring it.
    Without an id: the ignored messages. Message ids: `nudge digest` prints them as #123.

    Example: nudge ignore 123
    """
    from nudge.bootstrap import open_services
    from nudge.features.controls import flagged_messages, ignore_message

    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        if args.id is None:
            found = flagged_messages(conn, user_id=user_id, ignored=True)
            _print([m.to_json() for m in found], args.json,
                   "\n".join(message_line(m) for m in found) or "No ignored messages.")
            return 0
        message = ignore_message(conn, user_id=user_id, message_id=message_id(args.id),
                                 ignored=not args.undo)
    _print(message.to_json(), args.json,
           ("ignored: " if message.ignored else "no longer ignored: ") + message_line(message))
    return 0


def _mute(args: argparse.Namespace, settings: Settings, *, muted: bool) -> int:
    from nudge.bootstrap import open_services
    from nudge.features.controls import mute_chat, muted_chats

    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        if args.chat:
            state = mute_chat(conn, user_id=user_id, chat=args.chat, muted=muted)
            _print(state.to_json(), args.json,
                   f"{'muted' if muted else 'unmuted'}: {state.chat}")
            return 0
        found = muted_chats(conn, user_id=user_id)
    _print([c.to_json() for c in found], args.json,
           "\n".join(c.chat for c in found) or "No muted chats.")
    return 0


def cmd_mute(args: argparse.Namespace, settings: Settings) -> int:
    """Mute a chat: no digest section and no reminders for it until you unmute it. Without a
    chat: the muted chats.

    Example: nudge mute "Office party"
    """
    return _mute(args, settings, muted=True)


def cmd_unmute(args: argparse.Namespace, settings: Settings) -> int:
    """Unmute a chat: it is back in the digest and its reminders come again.

    Example: nudge unmute "Office party"
    """
    return _mute(args, settings, muted=False)


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Show or change your settings (the same as /settings in Telegram). KEY VALUE is one of:
      digest daily [HH:MM] | weekly [DAY] [HH:MM] | times HH:MM,HH:MM,... | manual | off
      time HH:MM          the daily and weekly digest time
      tz ZONE             your time zone (e.g. Europe/Berlin): digests and reminders follow it
      chats TYPES         group, one_to_one (which chats the digest covers)
      remind MINUTES      how often a reminder repeats until you reply
    A weekly digest covers the seven days before its day; "times" sends what came since the
    previous time; manual: only `nudge digest` and /digest; off: nothing is sent.

    Example: nudge settings digest weekly sunday 18:00
    """
    from nudge.bootstrap import open_services
    from nudge.features.settings import change_setting, user_settings

    with open_services(settings, with_llm=False) as services:
        conn, user_id = services.conn, services.user_id
        if args.key:
            shown = change_setting(conn, user_id=user_id, key=args.key, value=" ".join(args.value))
        else:
            shown = user_settings(conn, user_id=user_id)
    _print(shown.to_json(), args.json, "\n".join(shown.lines()))
    return 0


def add_control_commands(add: Callable[[str, Callable], argparse.ArgumentParser]) -> None:
    """Register ignore, mute, unmute and settings through cli.build_parser's `add`."""
    p = add("ignore", cmd_ignore)
    p.add_argument("id", nargs="?", metavar="MESSAGE_ID")
    p.add_argument("--undo", action="store_true", help="stop ignoring it")
    p.add_argument("--json", action="store_true")
    for name, func in (("mute", cmd_mute), ("unmute", cmd_unmute)):
        p = add(name, func)
        p.add_argument("chat", nargs="?", metavar="CHAT")
        p.add_argument("--json", action="store_true")
    p = add("settings", cmd_settings)
    p.add_argument("key", nargs="?", metavar="KEY", choices=[
        "digest", "frequency", "time", "tz", "timezone", "chats", "remind"])
    p.add_argument("value", nargs="*", metavar="VALUE")
    p.add_argument("--json", action="store_true")
