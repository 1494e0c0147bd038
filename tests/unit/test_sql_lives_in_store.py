"""All SQL lives in nudge.store, and every store function over user data is scoped by user_id.

Two static guards for the layering (README: rules pure, features without SQL, store owns SQL):
- no module of the core outside nudge/store/ holds a SQL statement or runs one;
- every public store function taking `conn` takes `user_id` as a required keyword-only argument,
  except the few system functions listed below (they work across users by design).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import nudge
import nudge.store

CORE = Path(nudge.__file__).resolve().parent
STORE = CORE / "store"

# Upper-case keywords only: SQL here is written in capitals, prose in docstrings is not.
_SQL = [
    ("SELECT … FROM", re.compile(r"\bSELECT\b[^;]{0,300}?\bFROM\b", re.DOTALL)),
    ("INSERT INTO", re.compile(r"\bINSERT\s+INTO\b")),
    ("UPDATE … SET", re.compile(r"\bUPDATE\s+\w+(?:\s+\w+)?\s+SET\b")),
    ("DELETE FROM", re.compile(r"\bDELETE\s+FROM\b")),
    ("CREATE TABLE", re.compile(r"\bCREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\b")),
    (".execute(", re.compile(r"\.execute\(")),
    (".executemany(", re.compile(r"\.executemany\(")),
    ("cursor.copy(", re.compile(r"\.copy\(\s*f?[\"']")),  # COPY statements, not dict.copy()
]

# Store functions that take a connection but no user: they serve every user, or find the user.
SYSTEM_FUNCTIONS = {
    "nudge.store.users.all_user_ids",  # the embedding backlog walks every user
    "nudge.store.users.linked_users",  # the schedules' recipients
    "nudge.store.users.user_for_telegram",  # finds the user of a Telegram id
    "nudge.store.users.ensure_user",  # creates a user (user_id has a default: the CLI's profile)
}
SYSTEM_MODULES = {"nudge.store.db", "nudge.store.migrate"}


def sql_outside_store() -> list[str]:
    """'path:line: what' for every SQL statement or execute call in the core outside store/."""
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if STORE in path.parents:
            continue
        source = path.read_text("utf-8")
        for what, pattern in _SQL:
            for match in pattern.finditer(source):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(CORE.parent)}:{line}: {what}")
    return found


def store_functions() -> list[tuple[str, inspect.Signature]]:
    """(qualified name, signature) of every public function defined in a nudge.store module."""
    functions = []
    for info in pkgutil.iter_modules(nudge.store.__path__, "nudge.store."):
        module = importlib.import_module(info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ == module.__name__ and not name.startswith("_"):
                functions.append((f"{module.__name__}.{name}", inspect.signature(func)))
    return functions


def test_the_sql_detector_sees_statements_and_calls_but_not_prose(tmp_path):
    source = ('"""Select the chats from the list; update the user."""\n'
              'rows = conn.execute("SELECT coalesce(name, \'?\')\\n FROM chats")\n'
              'cur.executemany("UPDATE chats SET name = %s", rows)\n'
              'with cur.copy(f"COPY {table} FROM STDIN"): ...\n'
              'conn.execute("DELETE FROM digests"); plan = settings.copy()\n')
    hits = {what for what, pattern in _SQL if pattern.search(source)}
    assert hits == {"SELECT … FROM", "UPDATE … SET", "DELETE FROM", ".execute(", ".executemany(",
                    "cursor.copy("}
    assert not any(pattern.search("Select the chats from the list; update the user.")
                   for _, pattern in _SQL)


def test_no_module_outside_the_store_contains_sql():
    found = sql_outside_store()
    assert not found, ("SQL belongs in nudge/store/ (a function there taking user_id); found "
                       "outside it:\n  " + "\n  ".join(found))


def test_every_store_function_over_user_data_takes_user_id_as_a_required_keyword():
    offenders = []
    for name, signature in store_functions():
        params = signature.parameters
        if "conn" not in params or name in SYSTEM_FUNCTIONS or name.rpartition(".")[0] in SYSTEM_MODULES:
            continue
        user_id = params.get("user_id")
        if user_id is None:
            offenders.append(f"{name}{signature}: no user_id")
        elif user_id.kind is not inspect.Parameter.KEYWORD_ONLY:
            offenders.append(f"{name}{signature}: user_id is not keyword-only (put it after *)")
        elif user_id.default is not inspect.Parameter.empty:
            offenders.append(f"{name}{signature}: user_id has a default")
    assert not offenders, ("store functions over user data must take a required keyword-only "
                           "user_id (or be listed in SYSTEM_FUNCTIONS with a reason):\n  "
                           + "\n  ".join(offenders))


def test_the_allow_list_names_functions_that_exist_and_really_take_a_connection():
    known = dict(store_functions())
    for name in SYSTEM_FUNCTIONS:
        assert name in known, f"{name} is allowed but is no public store function (stale entry?)"
        assert "conn" in known[name].parameters, f"{name} takes no conn: drop it from the list"
