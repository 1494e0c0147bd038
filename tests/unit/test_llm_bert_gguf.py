"""The WordPiece vocab in llama.cpp's phantom-space form, from a tiny tokenizer.json."""

from __future__ import annotations

import json
from pathlib import Path

import gguf

from nudge.llm.bert_gguf import wordpiece_vocab


def test_wordpiece_tokens_get_phantom_spaces_and_special_tokens_stay_control(
        tmp_path: Path) -> None:
    spec = {
        "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[CLS]": 1, "hello": 2, "##ing": 3}},
        "added_tokens": [{"id": 0, "content": "[PAD]", "special": True},
                         {"id": 1, "content": "[CLS]", "special": True}],
    }
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(spec))
    tokens, types = wordpiece_vocab(path, vocab_size=5)
    assert tokens == ["[PAD]", "[CLS]", "\u2581hello", "ing", "\u2581[PAD4]"]
    assert types == [gguf.TokenType.CONTROL, gguf.TokenType.CONTROL, gguf.TokenType.NORMAL,
                     gguf.TokenType.NORMAL, gguf.TokenType.UNUSED]
