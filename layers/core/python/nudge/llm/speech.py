"""Transcription in this process (no HTTP): the same engine llm_service serves, for tests, the
benchmark and a CLI without a running service. Imports faster-whisper on first use only."""

from __future__ import annotations

from pathlib import Path

from nudge.config import Settings
from nudge.errors import AudioRejected
from nudge.llm import models


class LocalTranscriber:
    """nudge.llm.Transcriber over llm_service.speech.SpeechEngine."""

    def __init__(self, model_dir: Path, *, max_seconds: float = 600.0, beam_size: int = 1,
                 threads: int = 2) -> None:
        from llm_service.speech import SpeechEngine

        self.engine = SpeechEngine(model_dir, max_seconds=max_seconds, beam_size=beam_size,
                                   threads=threads)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalTranscriber:
        """LLM_SPEECH_MODEL, else Whisper base joined once into the data dir (as `nudge setup`)."""
        return cls(models.speech_model_dir(settings), max_seconds=settings.voice_max_seconds)

    def transcribe(self, audio: bytes, filename: str,
                   language: str | None = None) -> tuple[str, str]:
        from llm_service.speech import BadAudio

        try:
            result = self.engine.transcribe(audio, language=language)
        except BadAudio as exc:
            raise AudioRejected(f"{filename or 'file'}: {exc}") from exc
        return result.text, result.language
