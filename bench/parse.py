"""Parse speed: nudge's WhatsApp parser against whatstk and chat-miner on the same generated export.

Run: .venv/bin/python bench/parse.py [--lines 100000] [--repeat 3]
Every parser gets the best of `--repeat` runs in process CPU time (noisy shared machines), and
each ratio line reads "nudge vs <parser>: N×". The target is >= 20× whatstk with its auto header.

"floor" times only the two C-level passes every message must go through (decoding the bytes and
one `re.split` on the headers), with no message built: no pure-Python parser of this design can
beat it, so its ratio to whatstk bounds what nudge's parser can reach.

"nudge parse" lines: the CLI's JSON Lines output of the same export, in process: parse alone,
then parse + output the way the CLI wrote it before (json.dumps of Message.to_json with
strftime, per line) and the way it writes it now (orjson, nudge.faces.cli.jsonl, to /dev/null),
plus the CPU time (user + system: wall time on a shared machine mostly measures the neighbours)
of a real `nudge parse FILE > /dev/null` process, interpreter start included, and of an older
checkout's (`--before-src CHECKOUT/layers/core/python`, e.g. the main branch) on the same file.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

SENDERS = ("Sam", "Emre", "Ana", "Ben", "~ Lia", "\u202a+44 7700 900123\u202c")
_VOCABULARY = (
    "ok sure party tonight tomorrow where when bring drinks car booked train ticket lisbon "
    "beach dinner 8pm sounds good 👍 haha no way really? see you at the station I'll check "
    "can someone send the address please thanks 🙏 who is coming on Friday: 10:30 (maybe)"
)
WORDS = tuple(_VOCABULARY.split(" "))
SYSTEM = (
    "Emre added Ana",
    "Ben left",
    'Ana changed the group description',
    "~ Lia joined using this group's invite link",
)


def generate_android_export(lines: int, *, seed: int = 7) -> str:
    """A realistic Android group export (d/m/y, 24h) of exactly `lines` lines."""
    rng = random.Random(seed)
    out: list[str] = [
        "26/11/2024, 09:00 - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them. Tap to learn more."
    ]
    at = datetime(2024, 1, 1, 8, 0)
    while len(out) < lines:
        at += timedelta(minutes=rng.choice((0, 0, 1, 1, 2, 5, 17, 60)))
        head = at.strftime("%d/%m/%Y, %H:%M - ")
        roll = rng.random()
        sender = rng.choice(SENDERS)
        if roll < 0.01:
            out.append(head + rng.choice(SYSTEM))
        elif roll < 0.05:
            out.append(head + sender + ": <Media omitted>")
        elif roll < 0.06:
            out.append(head + sender + ": This message was deleted")
        elif roll < 0.07:
            out.append(head + sender + ": " + _sentence(rng) + " <This message was edited>")
        elif roll < 0.08:
            out.append(head + sender + ": IMG-20241126-WA0012.jpg (file attached)")
            out.append(_sentence(rng))
        elif roll < 0.16:
            out.append(head + sender + ": " + _sentence(rng))
            out.extend(_sentence(rng) for _ in range(rng.randint(1, 3)))
        else:
            out.append(head + sender + ": " + _sentence(rng))
    return "\n".join(out[:lines]) + "\n"


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14)))


def _time_best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        count = fn()
        best = min(best, time.process_time() - start)
    return best, count


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--lines", type=int, default=100_000)
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--before-src", type=Path, metavar="DIR",
                      help="an older checkout's layers/core/python: time its `nudge parse` too")
    opts = args.parse_args(argv)
    logging.disable(logging.CRITICAL)  # chat-miner logs and draws a progress bar per message
    os.environ["TQDM_DISABLE"] = "1"

    from nudge.whatsapp import parse_path
    from nudge.whatsapp.headers import detect_layout
    from nudge.whatsapp.reading import read_export

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "WhatsApp Chat with Bench.txt"
        path.write_text(generate_android_export(opts.lines), encoding="utf-8")
        results: dict[str, tuple[float, int]] = {
            "nudge": _time_best(lambda: len(parse_path(path).messages), opts.repeat),
        }
        splitter = detect_layout(path.read_text(encoding="utf-8")).splitter()

        def floor() -> int:
            text = read_export(path.read_bytes(), str(path)).text
            return len(splitter.split("\n" + text)) // 4

        results["floor"] = _time_best(floor, opts.repeat)
        try:
            from whatstk import WhatsAppChat

            results["whatstk"] = _time_best(
                lambda: len(WhatsAppChat.from_source(str(path), auto_header=True).df), opts.repeat
            )
        except ImportError:
            print("whatstk not installed; skipped", file=sys.stderr)
        try:
            from chatminer.chatparsers import WhatsAppParser

            def chatminer() -> int:
                parser = WhatsAppParser(str(path))
                parser.parse_file()
                return len(parser.parsed_messages._parsed_messages)

            results["chat-miner"] = _time_best(chatminer, opts.repeat)
        except ImportError:
            print("chat-miner not installed; skipped", file=sys.stderr)

        cli = _cli_times(path, opts.repeat, opts.before_src)

    print(f"{opts.lines:,} lines, best of {opts.repeat} runs (process CPU time) for every parser")
    for name, (seconds, count) in results.items():
        rate = opts.lines / seconds
        print(f"{name:>13}: {seconds * 1000:8.1f} ms {rate:12,.0f} lines/s {count:7,} msgs")
    ours = results["nudge"][0]
    labels = {"whatstk": "whatstk auto", "chat-miner": "chat-miner"}
    for name, label in labels.items():
        if name in results:
            print(f"nudge vs {label}: {results[name][0] / ours:.1f}×")
    if "whatstk" in results:
        print(f"floor vs whatstk auto: {results['whatstk'][0] / results['floor'][0]:.1f}×"
              " (decode + header split only; the most any parser of this design can reach)")
    print("nudge parse (JSON Lines), same export:")
    alone = cli["parse alone"]
    for name, seconds in cli.items():
        extra = "" if name == "parse alone" else f"  ({seconds / alone:.1f}× parse alone)"
        print(f"{name:>34}: {seconds * 1000:8.1f} ms{extra}")
    speedup = cli["parse + json.dumps (before)"] / cli["parse + orjson (now)"]
    print(f"CLI output now vs before: {speedup:.1f}× faster in process")
    if "`nudge parse` process (before)" in cli:
        whole = cli["`nudge parse` process (before)"] / cli["`nudge parse` process (now)"]
        print(f"`nudge parse` process now vs before: {whole:.1f}× less CPU")
    return 0


def _cli_times(path: Path, repeat: int, before_src: Path | None) -> dict[str, float]:
    """Parse alone vs the CLI's output before (json.dumps per line) and now (orjson); then a real
    `nudge parse` process, wall clock including interpreter start and imports."""
    from nudge.faces.cli.jsonl import write_messages
    from nudge.whatsapp import parse_path

    def before() -> int:
        out = io.StringIO()
        messages = parse_path(path).messages
        for message in messages:  # what cmd_parse did before orjson
            out.write(json.dumps(message.to_json(), ensure_ascii=False) + "\n")
        return len(messages)

    def now() -> int:
        with open(os.devnull, "wb") as sink:
            return write_messages(parse_path(path).messages, sink)

    times = {
        "parse alone": _time_best(lambda: len(parse_path(path).messages), repeat)[0],
        "parse + json.dumps (before)": _time_best(before, repeat)[0],
        "parse + orjson (now)": _time_best(now, repeat)[0],
    }
    times["`nudge parse` process (now)"] = _cli_process(path, repeat, None)
    if before_src is not None:
        times["`nudge parse` process (before)"] = _cli_process(path, repeat, before_src)
    return times


def _cli_process(path: Path, repeat: int, source: Path | None) -> float:
    """Best CPU time (user + system) of a `nudge parse` process over `repeat` runs."""
    import resource

    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(os.devnull, "wb") as sink:
            subprocess.run([sys.executable, "-m", "nudge.faces.cli.main", "parse", str(path)],
                           stdout=sink, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


if __name__ == "__main__":
    sys.exit(main())
