"""Grammar selection for OpenAI response formats (no model needed)."""

from __future__ import annotations

import pytest

from llm_service.engine import BadRequest, grammar_for


def test_no_or_text_response_format_means_no_grammar() -> None:
    assert grammar_for(None) is None
    assert grammar_for({"type": "text"}) is None


def test_a_json_schema_becomes_a_grammar_whose_strings_exclude_raw_control_characters() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    grammar = grammar_for({"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    char_rules = [line for line in grammar._grammar.splitlines() if line.startswith("char ::=")]
    assert char_rules and all(r"\x00-\x1F" in rule for rule in char_rules)
    assert '"\\"a\\""' in grammar._grammar


def test_json_object_without_schema_uses_the_generic_json_grammar() -> None:
    assert "object" in grammar_for({"type": "json_object"})._grammar


@pytest.mark.parametrize("response_format", [
    {"type": "yaml"},
    {"type": "json_schema"},
    {"type": "json_schema", "json_schema": {"name": "x", "schema": "not an object"}},
])
def test_unusable_response_formats_are_bad_requests(response_format: dict) -> None:
    with pytest.raises(BadRequest):
        grammar_for(response_format)
