"""Migration custom resource: URL from the RDS secret, and Delete never touches the database."""

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


def test_database_url_quotes_the_generated_password() -> None:
    handler = _handler_module()
    secret = {"username": "nudge", "password": "p@ss/w:rd?", "host": "db.internal", "port": 5432}
    url = handler.database_url(secret, {"DB_NAME": "nudge"})
    assert url == "postgresql://nudge:p%40ss%2Fw%3Ard%3F@db.internal:5432/nudge?sslmode=require"


def test_database_url_falls_back_to_the_environment_for_the_host() -> None:
    handler = _handler_module()
    url = handler.database_url({"username": "u", "password": "p"},
                               {"DB_HOST": "h", "DB_PORT": "6543", "DB_NAME": "n"})  # fmt: skip
    assert url == "postgresql://u:p@h:6543/n?sslmode=require"


def test_delete_is_a_no_op_that_keeps_the_physical_id() -> None:
    handler = _handler_module()
    event = {"RequestType": "Delete", "PhysicalResourceId": "nudge-migrations"}
    assert handler.handler(event, None) == {"PhysicalResourceId": "nudge-migrations"}
