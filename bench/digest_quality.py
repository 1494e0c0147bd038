"""Digest quality: how close each chat's gist in `nudge digest` comes to a human summary.

Each dialogue of SAMSum (CSV: id,summary,dialogue) or DialogSum (JSONL: fname,dialogue,summary)
becomes a one-day WhatsApp Android export, all on 2024-03-15. One `nudge import` stores them and
one `nudge digest --date 2024-03-15 --json` summarises them; every chat's gist (or its summary
while the gist field is not there yet) is scored against the reference by ROUGE-1/2/L F1 x100.
In the same run, on the same dialogues, two baselines that need no model are scored:
  Lead-3     the first three messages as "Name: text" lines (anchor: ~30.0 R1 on the first
             200 rows of SAMSum val);
  Longest-3  the three longest messages, in chat order, same format;
  direct     (--direct --chat-model) the same GGUF asked plainly "Summarize this dialogue:".
"Invented" is the share of chats whose text holds a name-like token found nowhere in the
dialogue (see name_like). s/chat is the wall time of the one digest run, start-up included,
divided by the chats. --long-day times one digest of 20 chats x 25 messages.
Nudge is driven only through its command line (NUDGE_DATA_DIR is a temp dir, so runs are fresh);
its LLM is the default model, --chat-model's GGUF, or the endpoint in LLM_BASE_URL when that is set.

Usage: .venv/bin/python bench/digest_quality.py /work/scratch/bench/samsum_val.csv [--limit 200]
       [--offset 0] [--chat-model PATH] [--direct] [--long-day] [--keep DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

DAY, LONG_DAY = "2024-03-15", "2024-03-16"
# DialogSum speakers are "#Person1#"...; made-up first names read like a real chat.
PERSONS = ["Alex", "Sam", "Robin", "Kim", "Jordan", "Casey", "Morgan", "Taylor"]
# Capitalised mid-sentence yet no name: not counted as invented even when absent from the chat.
NOT_NAMES = {"Ok", "Okay", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
             "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"}


@dataclass(slots=True)
class Dialogue:
    id: str
    reference: str
    messages: list[tuple[str, str]]  # (sender, text); text may hold line breaks

    def lines(self, messages: Sequence[tuple[str, str]] | None = None) -> str:
        return "\n".join(f"{who}: {text}" for who, text in (self.messages if messages is None
                                                             else messages))


@dataclass(slots=True)
class Row:
    name: str
    texts: list[str]  # one prediction per dialogue, in dialogue order
    seconds_per_chat: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    invented: list[tuple[str, list[str]]] = field(default_factory=list)  # (dialogue id, names)


def split_messages(raw: str) -> list[tuple[str, str]]:
    """ "Name: text" lines; a line without such a prefix continues the message before it."""
    messages: list[tuple[str, str]] = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        head = re.match(r"([^:]{1,40}): ?(.*)", line)
        if head and head[1].strip():
            messages.append((head[1].strip(), head[2].strip()))
        elif messages:
            messages[-1] = (messages[-1][0], messages[-1][1] + "\n" + line.strip())
    return [(who, text) for who, text in messages if text]


def load(path: Path) -> list[Dialogue]:
    """SAMSum CSV or DialogSum JSONL (by extension), in file order."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            return [Dialogue(r["id"], r["summary"].strip(), split_messages(r["dialogue"]))
                    for r in csv.DictReader(f)]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Dialogue(r["fname"], persons(r["summary"]).strip(), split_messages(persons(r["dialogue"])))
            for r in rows]


def persons(text: str) -> str:
    """#Person1# -> Alex, #Person2# -> Sam ... the same in dialogue and reference."""
    return re.sub(r"#Person(\d+)#", lambda m: PERSONS[(int(m[1]) - 1) % len(PERSONS)], text)


def write_export(folder: Path, chat: str, messages: Sequence[tuple[str, str]], day: str) -> Path:
    """An Android export of one day, a minute between messages (continuation lines as WhatsApp)."""
    at = datetime.fromisoformat(day).replace(hour=9)
    lines = []
    for i, (who, text) in enumerate(messages):
        lines.append(f"{at + timedelta(minutes=i):%d/%m/%Y, %H:%M} - {who}: {text}")
    path = folder / f"WhatsApp Chat with {chat}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def nudge(env: dict[str, str], *args: str) -> tuple[str, float]:
    """Run the CLI (env NUDGE_CLI, set from --nudge); its stdout and wall seconds."""
    started = time.perf_counter()
    done = subprocess.run([env["NUDGE_CLI"], *args], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"nudge {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout, time.perf_counter() - started


def lead3(d: Dialogue) -> str:
    return d.lines(d.messages[:3])


def longest3(d: Dialogue) -> str:
    keep = sorted(sorted(range(len(d.messages)), key=lambda i: -len(d.messages[i][1]))[:3])
    return d.lines([d.messages[i] for i in keep])


def name_like(text: str) -> list[str]:
    """Capitalised words (Xxx: an ASCII capital, then lower case) that do not start a sentence
    (neither first in the text nor after . ! ? : or a line break) and are not in NOT_NAMES
    (a plural too: "Tuesdays")."""
    found = []
    for m in re.finditer(r"(?<![\w'])[A-Z][a-z]+(?![\w])", text):
        before = text[:m.start()].rstrip(" \t\"'(")
        if before and before[-1] not in ".!?:\n" and m[0].removesuffix("s") not in NOT_NAMES:
            found.append(m[0])
    return found


def invented_names(text: str, d: Dialogue) -> list[str]:
    """Name-like tokens of `text` that appear nowhere in the dialogue, senders included."""
    words = set(re.findall(r"\w+", d.lines().lower()))
    return sorted({n for n in name_like(text) if n.lower() not in words})


def score(row: Row, dialogues: Sequence[Dialogue]) -> None:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    per = [scorer.score(d.reference, text) for d, text in zip(dialogues, row.texts, strict=True)]
    row.scores = {k: 100 * statistics.fmean(s[k].fmeasure for s in per)
                  for k in ("rouge1", "rouge2", "rougeL")}
    row.invented = [(d.id, names) for d, text in zip(dialogues, row.texts, strict=True)
                    if (names := invented_names(text, d))]


def run_nudge(dialogues: Sequence[Dialogue], env: dict[str, str], work: Path) -> tuple[Row, dict]:
    """Import all dialogues as chats of one day, digest that day once; ours row + timings."""
    exports = work / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    files = [str(write_export(exports, d.id, d.messages, DAY)) for d in dialogues]
    nudge(env, "setup")  # models and database first, so neither timing below includes them
    out, import_s = nudge(env, "import", *files)
    skipped = sum(json.loads(line).get("skipped", 0) for line in out.splitlines() if line.strip())
    out, digest_s = nudge(env, "digest", "--date", DAY, "--json")
    (work / "digest.json").write_text(out, encoding="utf-8")
    digest = json.loads(out)
    chats = {c["chat"]: c for c in digest["chats"]}
    texts = [chats.get(d.id, {}).get("gist") or chats.get(d.id, {}).get("summary", "")
             for d in dialogues]  # "gist" is new; older digests only have "summary"
    by = Counter(c.get("by", "?") for c in digest["chats"])
    row = Row("ours", texts, digest_s / len(dialogues))
    return row, {"import_s": import_s, "digest_s": digest_s, "llm": digest.get("llm"),
                 "by": by, "skipped": skipped, "missing": len(dialogues) - len(chats)}


def run_direct(dialogues: Sequence[Dialogue], model: str) -> Row:
    """The issue's plain baseline: the whole dialogue in one prompt to the same GGUF."""
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=model, n_ctx=4096, n_threads=2, verbose=False)
    texts = []
    for d in dialogues:
        answer = llm.create_chat_completion(
            [{"role": "user", "content": "Summarize this dialogue:\n" + d.lines()}],
            temperature=0, max_tokens=120)
        texts.append((answer["choices"][0]["message"]["content"] or "").strip())
    return Row("direct prompt", texts, (time.perf_counter() - started) / len(dialogues))


def long_day(dialogues: Sequence[Dialogue], env: dict[str, str], work: Path) -> str:
    """500 messages in 20 chats of 25 (dialogues concatenated), imported, then one digest timed."""
    pool = [m for d in dialogues for m in d.messages]
    if not pool:
        return "long day: no messages"
    pool = (pool * (500 // len(pool) + 1))[:500]
    folder = work / "long-day"
    folder.mkdir(parents=True, exist_ok=True)
    files = [str(write_export(folder, f"Long day {i + 1:02d}", pool[25 * i:25 * i + 25], LONG_DAY))
             for i in range(20)]
    _, import_s = nudge(env, "import", *files)
    out, digest_s = nudge(env, "digest", "--date", LONG_DAY, "--json")
    chats = len(json.loads(out)["chats"])
    return (f"long day: {chats} chats, 500 messages: import {import_s:.1f} s,"
            f" digest {digest_s:.1f} s (target <= 60 s default model, <= 300 s with a 1.5B)")


def table(rows: Sequence[Row]) -> str:
    lines = ["| | R1 | R2 | RL | invented names % | s/chat |", "|---|---|---|---|---|---|"]
    for r in rows:
        s = r.scores
        per_chat = "-" if r.seconds_per_chat is None else f"{r.seconds_per_chat:.2f}"
        lines.append(f"| {r.name} | {s['rouge1']:.1f} | {s['rouge2']:.1f} | {s['rougeL']:.1f} |"
                     f" {100 * len(r.invented) / len(r.texts):.1f} | {per_chat} |")
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> list[Row]:
    """Everything main does; returns the scored rows (ours first) for tests."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="SAMSum .csv or DialogSum .jsonl")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--chat-model", help="GGUF for the digest (LLM_CHAT_MODEL); default model")
    parser.add_argument("--direct", action="store_true", help="also the plain prompt (--chat-model)")
    parser.add_argument("--long-day", action="store_true", help="also time a 500-message day")
    parser.add_argument("--keep", type=Path,
                        help="keep exports, data dir, digest.json and predictions.jsonl here")
    parser.add_argument("--verbose", action="store_true", help="list the invented names")
    parser.add_argument("--nudge", default=os.environ.get("NUDGE_CLI")
                        or str(Path(sys.executable).parent / "nudge"),
                        help="the nudge command to drive (env NUDGE_CLI; default: the one beside"
                             " this Python)")
    args = parser.parse_args(argv)
    if args.direct and not args.chat_model:
        parser.error("--direct needs --chat-model")

    everything = load(args.data)
    dialogues = [d for d in everything[args.offset:args.offset + args.limit] if d.messages]
    work = args.keep or Path(tempfile.mkdtemp(prefix="nudge-digest-quality-"))
    shutil.rmtree(work / "data", ignore_errors=True)  # a kept dir from an earlier run: start fresh
    env = {k: v for k, v in os.environ.items() if k not in ("NUDGE_ME", "DATABASE_URL")}
    env["NUDGE_DATA_DIR"], env["NUDGE_CLI"] = str(work / "data"), args.nudge
    model = "default model" if "LLM_BASE_URL" not in env else "LLM_BASE_URL " + env["LLM_BASE_URL"]
    if args.chat_model:  # a local GGUF, so not the endpoint LLM_BASE_URL may name
        env.pop("LLM_BASE_URL", None)
        env["LLM_CHAT_MODEL"] = str(Path(args.chat_model).resolve())
        model = Path(args.chat_model).name
    try:
        ours, info = run_nudge(dialogues, env, work)
        by = ", ".join(f"{k} {v}" for k, v in sorted(info["by"].items()) if k != "?") or "not reported"
        ours.name = f"ours: gist ({model}; by: {by})"
        rows = [ours, Row("Lead-3", [lead3(d) for d in dialogues]),
                Row("Longest-3", [longest3(d) for d in dialogues])]
        if args.direct:
            rows.append(run_direct(dialogues, args.chat_model))
        for row in rows:
            score(row, dialogues)
        print(f"data: {args.data}  slice: [{args.offset}:{args.offset + args.limit}]  N = "
              f"{len(dialogues)} dialogues, {sum(len(d.messages) for d in dialogues)} messages")
        print(f"import {info['import_s']:.1f} s ({info['skipped']} lines skipped); digest "
              f"{info['digest_s']:.1f} s in one run (llm: {info['llm']}; chats missing from the "
              f"digest: {info['missing']})\n")
        print(table(rows))
        human = Row("reference", [d.reference for d in dialogues])
        score(human, dialogues)
        print(f"\ninvented names by the same rule in the human references, for scale:"
              f" {100 * len(human.invented) / len(dialogues):.1f} %")
        if args.keep:
            with (work / "predictions.jsonl").open("w", encoding="utf-8") as f:
                for i, d in enumerate(dialogues):
                    f.write(json.dumps({"id": d.id, "reference": d.reference}
                                       | {r.name: r.texts[i] for r in rows}, ensure_ascii=False) + "\n")
        if args.verbose:
            for row in rows:
                for chat, names in row.invented:
                    print(f"invented by {row.name} in {chat}: {', '.join(names)}")
        if args.long_day:
            print("\n" + long_day(everything[args.offset:], env, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> None:
    run()


if __name__ == "__main__":
    main()
