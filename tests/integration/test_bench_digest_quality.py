"""bench/digest_quality.py runs end to end on three made-up dialogues (the figures are not checked,
only that every row is there and every number is a percentage).

The LLM is a closed port, so the digest is written by code alone (the benchmark itself runs the
real model; on two busy cores it needs ~10 s a chat, too slow for a smoke test)."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "digest_quality.py"

DIALOGUES = [
    ("d1", "Nora will bring the tent to the lake on Saturday; Felix buys the food.",
     "Nora: are we still going to the lake on saturday?\r\nFelix: yes! I'll buy the food\r\n"
     "Nora: great, I'll bring the tent\r\nFelix: perfect, see you at 8"),
    ("d2", "Omar's train is late, so he will miss the start of the meeting. Lena will take notes.",
     "Omar: my train is 40 minutes late\r\nOmar: I'll miss the start of the meeting\r\n"
     "Lena: no worries, I'll take notes for you\r\nOmar: thanks a lot\r\nthe slides are in the drive"),
    ("d3", "Ivy lost her keys. Paul found them in his car and will drop them off tonight.",
     "Ivy: have you seen my keys? I can't find them anywhere\r\nPaul: hm let me check the car\r\n"
     "Paul: found them under the seat!\r\nIvy: phew\r\nPaul: I'll drop them off tonight"),
]


def load_script():  # bench/ is not a package
    spec = importlib.util.spec_from_file_location("digest_quality", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["digest_quality"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_digest_quality_prints_every_row_with_percentages(tmp_path, llm_models, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.setenv("LLM_EMBED_MODEL", str(llm_models.embed))  # converted once per machine
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9")  # nothing listens: no LLM
    data = tmp_path / "tiny.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "summary", "dialogue"])
        writer.writerows(DIALOGUES)
    bench = load_script()
    assert [m for _, m in bench.split_messages(DIALOGUES[1][2])][-1].endswith("the slides are in the drive")

    rows = bench.run([str(data), "--limit", "3", "--keep", str(tmp_path / "work"), "--verbose"])

    out = capsys.readouterr().out
    assert "N = 3 dialogues" in out
    assert [row.name.split(":")[0] for row in rows] == ["ours", "Lead-3", "Longest-3"]
    table = [line for line in out.splitlines() if line.startswith("| ") and "R1" not in line]
    assert [line.split("|")[1].strip().split(":")[0] for line in table] == ["ours", "Lead-3", "Longest-3"]
    for line in table:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 6  # name, R1, R2, RL, invented names %, s/chat
        assert all(0 <= float(cell) <= 100 for cell in cells[1:5])
        assert re.fullmatch(r"\d+\.\d\d|-", cells[5])
    for row in rows:
        assert all(0 <= v <= 100 for v in row.scores.values())
    assert rows[1].invented == []  # Lead-3 quotes the chat: it cannot invent a name


def test_a_name_absent_from_the_chat_counts_as_invented_a_sentence_start_does_not() -> None:
    bench = load_script()
    chat = bench.Dialogue("d3", "", bench.split_messages(DIALOGUES[2][2]))
    assert bench.invented_names("Paul found the keys. Later he told Bob on Monday.", chat) == ["Bob"]
