"""A capable model's gist of a chat-day: prompt, JSON schema and map-reduce over long days.

The model object is injected (anything with `chat_json`), so this stays pure and testable. A day that
does not fit the context is summarised in chunks and the chunk summaries are then merged. The answer
is only used when it is prose and grounded (no invented names or numbers); otherwise the caller keeps
the extractive gist. LLMUnavailable propagates so the caller can fall back for the chat.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nudge.errors import LLMBadOutput
from nudge.llm import ChatModel
from nudge.rules.gist import DayMessage
from nudge.rules.grounding import is_grounded
from nudge.rules.third_person import clean

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"gist": {"type": "string"}},
    "required": ["gist"],
    "additionalProperties": False,
}
SYSTEM = (
    "You summarize chat conversations. Write 1 or 2 short sentences (at most 30 words) in the third "
    "person, using the people's names, with the key facts: what happened, what was decided or planned, "
    "who will do what and when. Do not quote the messages. Use only facts from the chat. "
    'Answer in JSON: {"gist": "<summary>"}.'
)
EXAMPLE = (
    "Amanda: I baked cookies. Do you want some?\nJerry: Sure!\nAmanda: I'll bring you tomorrow :-)",
    "Amanda baked cookies and will bring Jerry some tomorrow.",
)
REDUCE = (
    "Below are summaries of consecutive parts of one chat, in order. Merge them into one summary of 1 to "
    "3 short sentences (at most 40 words) in the third person, using the people's names and keeping the "
    'key facts. Use only facts from the summaries. Answer in JSON: {"gist": "<summary>"}.'
)
CHARS_PER_TOKEN = 3.5
_MARGIN_TOKENS = 48
_MEDIA = {"media": "[media]", "poll": "[poll]", "location": "[location]", "contact": "[contact]",
          "call": "[call]"}
_NOT_PROSE = re.compile(r"[{}<>\[\]|`#*•]|^\s*[\w .'-]{1,30}:\s|^\s*-|\n\s*[-\d]|\b(?:I|me|my)\b|https?://")


def tokens(text: str) -> int:
    """A cheap token estimate (about 3.5 characters per token for chat English)."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def transcript_lines(messages: Sequence[DayMessage]) -> list[str]:
    """One "Name: text" line per message; media as a bracketed word, deleted messages left out."""
    lines = []
    for m in messages:
        if m.kind == "deleted":
            continue
        if m.kind == "system":
            lines.append(f"({clean(m.text)})")
            continue
        text = " ".join(m.text.split()) if m.kind == "text" else _MEDIA.get(m.kind, "[media]")
        if m.kind == "poll" and m.text.strip():
            text = f"[poll] {' '.join(m.text.split())}"
        lines.append(f"{m.sender}: {text}")
    return lines


def _prompt(chat: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Chat:\n{EXAMPLE[0]}"},
        {"role": "assistant", "content": f'{{"gist": "{EXAMPLE[1]}"}}'},
        {"role": "user", "content": f"Chat:\n{chat}"},
    ]


def _reduce_prompt(summaries: Sequence[str]) -> list[dict[str, Any]]:
    parts = "\n".join(f"Part {k}: {s}" for k, s in enumerate(summaries, 1))
    return [{"role": "system", "content": REDUCE}, {"role": "user", "content": parts}]


def chunks(lines: Sequence[str], budget: int, *, longest: int | None = None,
           overhead: int = 1) -> list[list[str]]:
    """Consecutive lines packed into chunks of at most `budget` estimated tokens; a line longer than
    `longest` tokens (default: the budget) is cut; `overhead` is what each line adds (newline, label)."""
    limit = int((longest or budget) * CHARS_PER_TOKEN) - 8
    out: list[list[str]] = []
    current: list[str] = []
    used = 0
    for line in lines:
        line = line[:limit]
        cost = tokens(line) + overhead
        if current and used + cost > budget:
            out.append(current)
            current, used = [], 0
        current.append(line)
        used += cost
    return [*out, current] if current else out


def _ask(llm: ChatModel, prompt: list[dict[str, Any]], max_tokens: int) -> str:
    """The model's gist text; LLMBadOutput when the answer is not {"gist": string}."""
    answer = llm.chat_json(prompt, schema=SCHEMA, max_tokens=max_tokens)
    gist = answer.get("gist") if isinstance(answer, dict) else None
    if not isinstance(gist, str):
        raise LLMBadOutput("the answer has no gist")
    return gist.strip().strip('"').strip()


def _budget(prompt: list[dict[str, Any]], context_tokens: int, max_tokens: int) -> int:
    """Tokens left for the chat text once the prompt's fixed part and the answer are counted."""
    fixed = sum(tokens(p["content"]) + 4 for p in prompt)
    return context_tokens - fixed - max_tokens - _MARGIN_TOKENS


def _summarise(lines: Sequence[str], llm: ChatModel, context_tokens: int, max_tokens: int) -> str:
    """Map: one gist per chunk; reduce: merge the gists, in groups while they do not fit at once."""
    budget = _budget(_prompt(""), context_tokens, max_tokens)
    reduce_budget = _budget(_reduce_prompt([]), context_tokens, max_tokens)
    if min(budget, reduce_budget) < 32:
        raise ValueError(f"context_tokens={context_tokens} leaves no room for the chat")
    parts = chunks(lines, budget)
    summaries = [_ask(llm, _prompt("\n".join(part)), max_tokens) for part in parts]
    while len(summaries) > 1:
        # Each summary is cut to half the budget (plus "Part N: "), so every group merges two or more.
        groups = chunks(summaries, reduce_budget, longest=reduce_budget // 2 - 8, overhead=4)
        summaries = [_ask(llm, _reduce_prompt(group), max_tokens) for group in groups]
    return summaries[0]


def is_prose(text: str) -> bool:
    """A few plain sentences: no transcript lines, markup, lists, links or first person."""
    words = text.split()
    letters = sum(c.isalpha() for c in text)
    return 3 <= len(words) <= 120 and not _NOT_PROSE.search(text) and letters > len(text) / 2


def _first_sentences(text: str, limit: int = 3) -> str:
    """At most `limit` sentences, ending with a stop: the digest promises 1-3 sentences."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    joined = " ".join(sentences[:limit]).strip()
    return joined if joined[-1:] in ".!?" else joined + "."


def abstractive_gist(messages: Sequence[DayMessage], llm: ChatModel, *, context_tokens: int = 2048,
                     max_tokens: int = 120) -> str | None:
    """1-3 third-person sentences over all the day's messages, or None when the model's answer is
    malformed, not prose or not grounded. LLMUnavailable (model unreachable) propagates."""
    lines = transcript_lines(messages)
    if not lines:
        return None
    try:
        gist = _summarise(lines, llm, context_tokens, max_tokens)
    except LLMBadOutput:
        return None
    if not gist or not is_prose(gist):
        return None
    gist = _first_sentences(" ".join(gist.split()))
    return gist if is_grounded(gist, messages) else None
