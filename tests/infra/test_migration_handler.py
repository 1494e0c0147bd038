"""Migration custom resource: Delete never touches the database (the URL: tests/unit/test_secrets.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _handler_module():
    spec = importlib.util.spec_from_file_location(
        "migration_handler", REPO_ROOT / "infra" / "migration" / "handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_delete_is_a_no_op_that_keeps_the_physical_id() -> None:
    handler = _handler_module()
    event = {"RequestType": "Delete", "PhysicalResourceId": "nudge-migrations"}
    assert handler.handler(event, None) == {"PhysicalResourceId": "nudge-migrations"}
