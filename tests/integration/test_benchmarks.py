"""The bench/ scripts still run end to end (tiny sizes; the figures themselves are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_parse_bench_prints_the_ratio_to_whatstk_and_the_floor() -> None:
    out = run_bench("parse.py", "--lines", "3000", "--repeat", "1")
    assert "nudge vs whatstk auto:" in out
    assert "floor vs whatstk auto:" in out
    assert "parse + orjson (now)" in out and "CLI output now vs before:" in out


def test_import_bench_prints_both_anchors() -> None:
    out = run_bench("import.py", "--rows", "3000")
    assert "import / raw COPY" in out
    assert "import / no FTS index" in out


def test_search_bench_builds_a_database_then_reuses_it(tmp_path: Path) -> None:
    args = ("--rows", "3000", "--queries", "10", "--ef", "40", "--cache-dir", str(tmp_path),
            "--shared-buffers", "128MB", "--maintenance-work-mem", "64MB")
    fresh, cached = run_bench("search.py", *args), run_bench("search.py", *args)
    assert "HNSW build" in fresh and "cached database" in cached
    for out in (fresh, cached):
        assert "hybrid + chat filter" in out
        assert "exact top 10 of the chat" in out
