"""bench/suggest_quality.py runs end to end on made-up dialogues: held-out pairs are chosen, every
method answers every pair and the table has every row with numbers in range (the figures
themselves are not checked). A made-up model (fixed drafts, hashed-word embeddings) keeps it fast;
the benchmark itself runs the real models."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import math
import re
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "suggest_quality.py"

DIALOGUES = [
    ("d1", "", "Nora: are we still going to the lake on saturday?\r\nFelix: yes! I'll buy the food\r\n"
               "Nora: great, I'll bring the tent\r\nFelix: perfect, see you at 8"),
    ("d2", "", "Omar: my train is late\r\nLena: no worries, I'll take notes\r\nOmar: thanks a lot\r\n"
               "Lena: anytime"),
    ("d3", "", "Ivy: have you seen my keys?\r\nPaul: let me check the car\r\nIvy: thanks\r\n"
               "Paul: found them under the seat!"),
    ("d4", "", "Tom: lunch on friday?\r\nMia: yes, works for me\r\nTom: same place?\r\nMia: sure"),
    ("d5", "", "not a dialogue line"),
]
PERSONAS = {"Ben": ("Ben", [("lunch on thursday?", "works for me, same place?"),
                            ("did you get the tickets?", "yep got them this morning"),
                            ("lunch on friday?", "works for me!")])}


class MadeUpModel:
    def chat_json(self, messages: list[dict], *, schema: dict, max_tokens: int = 256) -> dict:
        return {"replies": ["sounds good", "not sure yet", "ok"]}

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            vector = [0.0] * 384
            for word in re.findall(r"\w+", text.casefold()):
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            vectors.append([x / norm for x in vector])
        return vectors


def load_script() -> Any:  # bench/ is not a package
    spec = importlib.util.spec_from_file_location("suggest_quality", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["suggest_quality"] = module
    spec.loader.exec_module(module)
    return module


def test_the_suggestion_benchmark_scores_every_method_on_the_same_pairs(db, tmp_path, capsys) -> None:
    data = tmp_path / "tiny.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "summary", "dialogue"])
        writer.writerows(DIALOGUES)
    bench = load_script()
    dialogues = bench.read_samsum(data)
    assert len(dialogues) == 4 and dialogues[0].me == "Nora" and dialogues[0].hidden == 2
    test, history_chats = bench.split(dialogues, 2)
    assert len(test) == 2 and len(history_chats) == 2
    cases = bench.evaluate(db, llm=MadeUpModel(), capable=True, test=test, history_chats=history_chats,
                           personas=PERSONAS, held_back=1, n=3)
    assert len(cases) == 3 and all(set(c.suggestions) == set(bench.METHODS) for c in cases)
    assert all(len(c.suggestions["nudge"]) == 3 and c.labels for c in cases)
    report = bench.print_table(cases, MadeUpModel().embed)
    table = report["all"]["table"]
    assert set(table) == set(bench.METHODS) and report["all"]["pairs"] == 3
    for row in table.values():
        assert -1 <= row["cos_mean"] <= row["cos_best"] <= 1 and 0 <= row["chrf_best"] <= 100
        assert 0 <= row["wrong_lang"] <= 1 and 0 <= row["style"] <= 1
    assert "| nudge |" in capsys.readouterr().out


def test_each_pair_reaches_the_sink_when_done_and_reads_back_for_rescoring(db, tmp_path) -> None:
    data = tmp_path / "tiny.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "summary", "dialogue"])
        writer.writerows(DIALOGUES)
    bench = load_script()
    test, history_chats = bench.split(bench.read_samsum(data), 2)
    seen: list[Any] = []
    cases = bench.evaluate(db, llm=MadeUpModel(), capable=True, test=test, history_chats=history_chats,
                           personas=PERSONAS, held_back=1, n=3, sink=seen.append, personas_last=True)
    assert seen == cases and [c.source for c in cases] == ["samsum", "samsum", "persona"]
    assert [bench.Case.from_json(c.to_json()) for c in cases] == cases
