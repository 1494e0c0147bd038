"""Shared fixtures live in tests/fixtures_*.py, one module per part, loaded here."""

pytest_plugins = ["tests.fixtures_db", "tests.fixtures_llm", "tests.fake_telegram"]
