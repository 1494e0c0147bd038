"""`python -m llm_service`: serve LLM_CHAT_MODEL / LLM_EMBED_MODEL (and LLM_SPEECH_MODEL) on HOST:PORT
(127.0.0.1:8080)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path


def _model_paths() -> tuple[Path, Path]:
    """The env paths; when unset and the Nudge core is installed, its defaults (local use)."""
    chat, embed = os.environ.get("LLM_CHAT_MODEL"), os.environ.get("LLM_EMBED_MODEL")
    if chat and embed:
        return Path(chat), Path(embed)
    try:
        from nudge.config import load_settings
        from nudge.llm import models
    except ImportError:
        sys.exit("llm_service: set LLM_CHAT_MODEL and LLM_EMBED_MODEL to GGUF files")
    settings = load_settings()
    return models.chat_model_path(settings), models.embed_model_path(settings)


def _speech_engine() -> object | None:
    """LLM_SPEECH_MODEL (a CTranslate2 Whisper folder); unset and the core installed: the default
    Whisper base, joined on the first voice note; else no transcription endpoint."""
    from llm_service.speech import SpeechEngine

    folder = os.environ.get("LLM_SPEECH_MODEL")
    if folder:
        return SpeechEngine(Path(folder))
    try:
        from nudge.config import load_settings
        from nudge.llm import models
    except ImportError:
        return None
    settings = load_settings()
    return SpeechEngine(lambda: models.speech_model_dir(settings))


def main() -> None:
    import uvicorn

    from llm_service.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    chat, embed = _model_paths()
    uvicorn.run(create_app(chat, embed, _speech_engine()), host=os.environ.get("HOST", "127.0.0.1"),
                port=int(os.environ.get("PORT", "8080")), log_level="info")


if __name__ == "__main__":
    main()
