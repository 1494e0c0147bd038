"""LLM fixtures (the real tiny models through llm_service).

The embedding model is converted once into ~/.cache/nudge-test-models and reused by later runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nudge.config import load_settings
from nudge.llm import models
from nudge.llm.client import LLMClient

TEST_MODELS_DIR = Path.home() / ".cache" / "nudge-test-models"


@dataclass(frozen=True)
class LLMModels:
    chat: Path
    embed: Path


@pytest.fixture(scope="session")
def llm_models() -> LLMModels:
    """GGUF paths of the default chat model and the (cached) converted embedding model."""
    settings = load_settings({}, data_dir=TEST_MODELS_DIR.parent)
    return LLMModels(chat=models.chat_model_path(settings),
                     embed=models.prepare_default_embed_model(TEST_MODELS_DIR))


@pytest.fixture(scope="session")
def speech_model() -> Path:
    """The default Whisper base folder, joined once (as `nudge setup` does) into the test cache."""
    return models.prepare_default_speech_model(TEST_MODELS_DIR)


@pytest.fixture(scope="session")
def llm_base_url(llm_models: LLMModels, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llm_service on loopback, started once per session (the speech model loads only
    when a test transcribes)."""
    from nudge.llm.local import local_llm_service

    env = {"LLM_CHAT_MODEL": str(llm_models.chat), "LLM_EMBED_MODEL": str(llm_models.embed),
           "LLM_SPEECH_MODEL": str(TEST_MODELS_DIR / models.SPEECH_DIR)}
    settings = load_settings(env, data_dir=tmp_path_factory.mktemp("llm-data"))
    with local_llm_service(settings) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def llm_client(llm_base_url: str) -> Iterator[LLMClient]:
    with LLMClient(llm_base_url, timeout=120.0) as client:
        yield client
