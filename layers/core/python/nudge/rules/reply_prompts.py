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


def draft_chars(profile: StyleProfile) -> int:
    """How long a drafted reply may be: the user's length, but room for a whole short sentence
    (a reply cut mid-sentence says less than a slightly long one)."""
    return max(profile.max_chars, 60)


def reply_schema(n: int, profile: StyleProfile) -> dict[str, Any]:
    """JSON {"replies": [n strings]}; each string plain text bounded near the user's length."""
    return {
        "type": "object",
        "properties": {"replies": {
            "type": "array", "minItems": n, "maxItems": n,
            "items": {"type": "string", "pattern": _REPLY_PATTERN % (draft_chars(profile) + 10)},
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


# What kinds of reply to offer for each act: n options that differ in what they say (yes / no /
# a question), so one of them is likely what the user means; none needs facts the chat lacks.
_ACT_KINDS = {
    "thanks": "a warm short answer to the thanks, a 'you're welcome', and a friendly follow-up",
    "apology": "accepting the apology, reassuring, and a short light reply",
    "greeting": "a greeting back, a 'how are you', and a short reply to what they said",
    "plan": "a yes, a no or not sure, and a question about a detail of the plan",
    "question": "a yes, a no, and an honest 'not sure' or a short question back",
    "open_question": "a direct answer using what the chat says, a 'not sure', and a question back",
    "news": "a reaction to what they said, a question about it, and a short acknowledgement",
}
MAX_WORDS = 12  # chat replies are short; the user's length is applied by code afterwards


def _line(sender: str, text: str, *, name: str, limit: int = 200) -> str:
    body = " ".join(strip_emoji(text).split())[:limit] or "(emoji)"
    return f"{name} (me): {body}" if sender == "me" else f"{sender}: {body}"


def capable_prompt(profile: StyleProfile, *, me: str | None, chat: str,
                   context: list[tuple[str, str]], examples: list[Example],
                   n: int, act: str = "news") -> list[dict[str, str]]:
    """System rules, then one user turn: the user's past replies to similar messages (for their
    tone), the recent conversation (sender, text; "me" marks the user's own lines, "{name} (me)"
    in the transcript) and the request for n short replies of different kinds."""
    name = me or "the user"
    language = LANGUAGES.get(profile.language, "English")
    system = (
        f"You write WhatsApp replies for {name}. Read the conversation and write {n} different "
        f"replies {name} could send next, in {language}. Each reply answers the latest message, "
        f"fits the whole conversation and has at most {MAX_WORDS} words. Write like {name}: "
        f"{describe_style(profile)}. Be specific: each reply says what it is about, with words "
        "from the conversation, not a bare 'yes'. Use only what the conversation says: no new "
        "places, times, people or plans. Sound like a friend texting, not an assistant."
    )
    parts = []
    shown = [e for e in examples if strip_emoji(e.reply) and e.message.strip()]
    if shown:
        parts.append(f"How {name} replied to similar messages in other chats (tone only, not facts):")
        parts += [f"- {e.sender}: {' '.join(e.message.split())[:160]} -> {name}: "
                  f"{' '.join(strip_emoji(e.reply).split())[:160]}" for e in shown]
        parts.append("")
    parts.append(f"The conversation '{chat}' (latest last):")
    parts += [_line(sender, text, name=name) for sender, text in context]
    parts.append("")
    kinds = _ACT_KINDS.get(act, _ACT_KINDS["news"])
    parts.append(f"Write {n} replies {name} would send now, each of a different kind ({kinds}), "
                 f"at most {MAX_WORDS} words each, in {language}.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(parts)}]
