"""The prompt and JSON schema for a capable chat model drafting replies. Pure functions, no I/O.

A capable model (about 1B parameters and up) reads the whole recent conversation, how the user
answered similar messages before, and their habits in words; it writes n different replies
under a JSON schema. The tiny default model is not asked to write (see features.suggest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nudge.rules.style import LANGUAGES, StyleProfile, strip_emoji

# Letters (Latin, accented, Turkish), digits and plain punctuation only: emoji are added by code
# at the user's rate, and the bound keeps replies near the user's length.
_LETTER = "A-Za-z0-9À-ÖØ-öø-ſ"
_REPLY_PATTERN = "^[" + _LETTER + "¿¡][ " + _LETTER + ",.?!¿¡'():;-]{0,%d}$"


@dataclass(frozen=True, slots=True)
class Example:
    """A message from someone else and the user's reply to it."""

    sender: str
    message: str
    reply: str


def reply_schema(n: int, profile: StyleProfile) -> dict[str, Any]:
    """JSON {"replies": [n strings]}; each string plain text bounded near the user's length."""
    return {
        "type": "object",
        "properties": {"replies": {
            "type": "array", "minItems": n, "maxItems": n,
            "items": {"type": "string", "pattern": _REPLY_PATTERN % (profile.max_chars + 10)},
        }},
        "required": ["replies"],
    }


def max_tokens(schema: dict[str, Any]) -> int:
    """Room for n strings of the pattern's length (about 2 characters a token, worst case)."""
    replies = schema["properties"]["replies"]
    length = int(replies["items"]["pattern"].rsplit("{0,", 1)[1].split("}")[0])
    return 40 + replies["maxItems"] * (length // 2 + 8)


def describe_style(profile: StyleProfile) -> str:
    """The user's habits in one sentence the model can follow."""
    habits = [f"about {profile.median_words} words per message"]
    if profile.capital_rate < 0.3:
        habits.append("all lower case")
    if profile.exclamation_rate >= 0.3:
        habits.append("often with '!'")
    if profile.period_rate >= 0.6:
        habits.append("full sentences ending with a period")
    if profile.greeting_rate >= 0.5 and profile.greetings:
        habits.append(f"often starting with '{profile.greetings[0]}'")
    return ", ".join(habits)


_ACT_HINTS = {
    "thanks": "The last message thanks {name}: answer it warmly.",
    "apology": "The last message apologises: accept it or reassure.",
    "greeting": "The last message greets {name}: greet back.",
    "plan": "The last messages propose a plan: say yes, say no, or propose something else.",
    "question": "The last messages ask {name} something: answer it, or ask what is unclear.",
    "open_question": "The last messages ask {name} something: answer it, or ask what is unclear.",
    "news": "The last messages tell news: react to them as a friend would.",
}


def capable_prompt(profile: StyleProfile, *, me: str | None, chat: str,
                   context: list[tuple[str, str]], examples: list[Example],
                   n: int, act: str = "news") -> list[dict[str, str]]:
    """System rules, then one user turn: the user's past replies to similar messages, the recent
    conversation (sender, text; "me" marks the user's own lines) and the request."""
    name = me or "the user"
    language = LANGUAGES.get(profile.language, "English")
    system = (
        f"You are {name}, writing in the WhatsApp chat '{chat}'. Write {n} different replies {name} "
        f"could send next, in {language}. Each reply answers the last messages: a question gets an "
        "answer or a clarifying question, a plan or invitation gets yes, no or another proposal, "
        f"thanks get a fitting reply. Write like {name}: {describe_style(profile)}. Never repeat "
        "the message; never invent facts the conversation does not support."
    )
    parts = []
    shown = [e for e in examples if strip_emoji(e.reply) and e.message.strip()]
    if shown:
        parts.append(f"How {name} answered similar messages before:")
        parts += [f"- {e.sender}: {e.message[:200]} -> {name}: {strip_emoji(e.reply)[:200]}"
                  for e in shown]
        parts.append("")
    parts.append("The conversation (latest last):")
    parts += [f"{name if sender == 'me' else sender}: {strip_emoji(text)[:300]}" for sender, text in context]
    parts.append("")
    parts.append(_ACT_HINTS.get(act, _ACT_HINTS["news"]).format(name=name))
    parts.append(f"Write {n} different replies {name} would send now, as a friend in the chat "
                 f"(not an assistant), in {language}.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(parts)}]
