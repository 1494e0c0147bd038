"""Speech to text for llm_service: faster-whisper (CTranslate2) over audio decoded by PyAV.

PyAV bundles its own FFmpeg libraries (Opus included), so WhatsApp's `PTT-….opus` voice notes
decode without an ffmpeg binary. We decode ourselves rather than hand faster-whisper a file, so a
recording over the duration cap is refused after reading at most that much audio (an hour-long
note never becomes 230 MB of samples), and every decoding problem becomes one clear BadAudio.
The model loads on the first transcription, so services that never hear a voice note pay nothing.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLE_RATE = 16_000  # what Whisper listens at
THREADS = 2
DEFAULT_MAX_SECONDS = 600.0  # a 10-minute voice note; longer ones get a clear refusal
DEFAULT_BEAM = 1  # greedy: bench/transcribe.py measured it within the WER target, ~2x faster


class BadAudio(ValueError):
    """The file cannot be transcribed as sent (not audio, damaged, too long); HTTP 400."""


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str  # Whisper's code: "en", "de", "es", ...
    duration: float  # seconds of audio heard
    segments: list[Segment]


def max_seconds_from_env() -> float:
    """NUDGE_VOICE_MAX_SECONDS (default 600): the longest recording transcribed."""
    raw = os.environ.get("NUDGE_VOICE_MAX_SECONDS") or ""
    try:
        return float(raw) if raw else DEFAULT_MAX_SECONDS
    except ValueError:
        return DEFAULT_MAX_SECONDS


def decode(data: bytes, *, max_seconds: float) -> Any:
    """Mono float32 samples at 16 kHz, or BadAudio naming what is wrong with the file."""
    import av
    import numpy as np

    if not data:
        raise BadAudio("the file is empty")
    limit = int(max_seconds * SAMPLE_RATE)
    chunks: list[Any] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise BadAudio("the file has no audio stream")
            stream = container.streams.audio[0]
            declared = _declared_seconds(container, stream)
            if declared is not None and declared > max_seconds + 1:
                raise BadAudio(_too_long(declared, max_seconds))
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    chunks.append(samples)
                    total += samples.size
                if total > limit + SAMPLE_RATE:
                    raise BadAudio(_too_long(total / SAMPLE_RATE, max_seconds, at_least=True))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except BadAudio:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError) as exc:
        raise BadAudio(f"not a readable audio file ({_reason(exc)})") from exc
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    if audio.size < SAMPLE_RATE // 10:
        raise BadAudio("the file holds no audio")
    return audio.astype(np.float32) / 32768.0


def _declared_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _too_long(seconds: float, limit: float, *, at_least: bool = False) -> str:
    return (f"the recording is {'over ' if at_least else ''}{_clock(seconds)} long; "
            f"voice notes up to {_clock(limit)} are transcribed (NUDGE_VOICE_MAX_SECONDS)")


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d} min"


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.split(": '<")[0][:160]  # PyAV appends the (in-memory) file's repr


class SpeechEngine:
    """One CTranslate2 Whisper model, loaded on first use, serving one call at a time."""

    def __init__(self, model_dir: Path | Callable[[], Path], *, max_seconds: float | None = None,
                 beam_size: int = DEFAULT_BEAM, threads: int = THREADS) -> None:
        """`model_dir` may be a callable, so preparing the default model (joining its two parts)
        also waits for the first voice note."""
        self._model_dir = model_dir
        self.max_seconds = max_seconds_from_env() if max_seconds is None else max_seconds
        self.beam_size = beam_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        source = self._model_dir
        return Path(source() if callable(source) else source)

    @property
    def name(self) -> str:
        source = self._model_dir
        return "whisper" if callable(source) else Path(source).name

    def load(self) -> Any:
        """The model (loaded once; offline: a folder, never a hub name)."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from faster_whisper import WhisperModel

                folder = self.model_dir
                if not (folder / "model.bin").is_file():
                    raise FileNotFoundError(f"no CTranslate2 Whisper model in {folder}")
                self._model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                           cpu_threads=self.threads, num_workers=1)
            return self._model

    def transcribe(self, data: bytes, *, language: str | None = None) -> Transcript:
        """What was said and in which language; BadAudio for files that cannot be heard."""
        audio = decode(data, max_seconds=self.max_seconds)
        model = self.load()
        if language and language not in model.supported_languages:
            raise BadAudio(f"unknown language {language!r} (a Whisper code such as en, de, es)")
        with self._lock:
            segments, info = model.transcribe(
                audio, language=language or None, beam_size=self.beam_size,
                condition_on_previous_text=False, vad_filter=False)
            parts = [Segment(round(s.start, 2), round(s.end, 2), s.text.strip())
                     for s in segments]
        text = " ".join(p.text for p in parts if p.text).strip()
        return Transcript(text=text, language=info.language,
                          duration=round(audio.size / SAMPLE_RATE, 2), segments=parts)
