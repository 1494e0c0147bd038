"""Fit one of the user's past replies to the message now being answered: swap a name or a time,
nothing else. Pure functions, no I/O.

A retrieved reply ("sure Ana, see you at 7") answered another message ("Ana: dinner at 7?"). When
the new message comes from Ben and says 8, the reply becomes "sure Ben, see you at 8". Only
words that appear in the new message (its sender, its time) are ever put in: a reply is adapted
or left alone, never rewritten, so a tiny model has nothing to invent.
"""

from __future__ import annotations

import re

# A clock time: 7:30, 19.30, 7pm, 7 pm, 19h, 8 uhr; or a bare hour after "at", "um", "a las" ...
_CLOCK = r"(?:[01]?\d|2[0-3])(?:(?:[:.h])[0-5]\d\s?(?:[ap]\.?m\.?)?|\s?(?:[ap]\.?m\.?|h|uhr)\b)"
_AFTER_AT = (r"(?:(?<=\bat )|(?<=\bum )|(?<=\ba las )|(?<=\ba la )|(?<=\bà )|(?<=\bàs )|(?<=\balle )"
             r"|(?<=\bsaat ))(?:[01]?\d|2[0-3])\b")
_TIME_RE = re.compile(rf"\b{_CLOCK}|{_AFTER_AT}", re.IGNORECASE)
_WEEKDAYS = (
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"),
    ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    ("pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar"),
)
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted({d for week in _WEEKDAYS for d in week}, key=len,
                                                  reverse=True)) + r")\b", re.IGNORECASE)


def times_in(text: str) -> list[str]:
    """The clock times the text mentions, as written ("7pm", "19:30", "8" after "at")."""
    return [m.group(0).strip() for m in _TIME_RE.finditer(text)]


def weekdays_in(text: str) -> list[str]:
    return [m.group(0) for m in _WEEKDAY_RE.finditer(text)]


def first_name(sender: str | None) -> str:
    """"Ana Lopez" -> "Ana"; phone numbers and "~ Lia" style prefixes give "" or the name."""
    word = (sender or "").strip().lstrip("~ ").split(" ")[0] if sender else ""
    return word if word[:1].isalpha() else ""


def _swap(text: str, old: str, new: str, *, pattern: str | None = None) -> str:
    """Every whole-word `old` (case-insensitive) in the text replaced by `new`."""
    found = re.compile(pattern or rf"(?<!\w){re.escape(old)}(?!\w)", re.IGNORECASE)
    return found.sub(lambda m: new, text)


def _swap_one_kind(reply: str, old_message: str, new_message: str, find: object) -> str:
    """Swap the single item of a kind (a time, a weekday) the old message and the reply share for
    the single one the new message has; anything less clear-cut is left as it was."""
    in_reply = find(reply)  # type: ignore[operator]
    in_new = find(new_message)  # type: ignore[operator]
    if len(in_reply) != 1 or len(set(x.casefold() for x in in_new)) != 1:
        return reply
    shared = [x for x in find(old_message) if x.casefold() == in_reply[0].casefold()]  # type: ignore[operator]
    if not shared or in_new[0].casefold() == in_reply[0].casefold():
        return reply
    return _swap(reply, in_reply[0], in_new[0])


def adapt_reply(reply: str, *, old_sender: str | None, old_message: str, new_sender: str | None,
                new_message: str) -> str:
    """The reply with the old sender's first name replaced by the new one's, and a time or a
    weekday it repeated from the old message replaced by the one the new message gives."""
    adapted = reply
    old_name, new_name = first_name(old_sender), first_name(new_sender)
    if old_name and old_name.casefold() != new_name.casefold():
        adapted = _swap(adapted, old_name, new_name) if new_name else _drop_name(adapted, old_name)
    adapted = _swap_one_kind(adapted, old_message, new_message, times_in)
    return _swap_one_kind(adapted, old_message, new_message, weekdays_in)


def _drop_name(text: str, name: str) -> str:
    """"thanks Ana!" -> "thanks!" when the new sender has no usable name."""
    dropped = re.sub(rf",?\s*(?<!\w){re.escape(name)}(?!\w)\s*,?", " ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+([!?.,])", r"\1", re.sub(r"\s{2,}", " ", dropped)).strip()

