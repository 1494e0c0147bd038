"""llm_service's POST /v1/audio/transcriptions (OpenAI's contract) with the real Whisper base, and
LLMClient.transcribe against the running service."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from llm_service.app import create_app
from llm_service.speech import SpeechEngine
from nudge.errors import AudioRejected
from nudge.llm.client import LLMClient

DATA = Path(__file__).resolve().parents[1] / "data" / "voice"
EN_NOTE = (DATA / "PTT-20241126-WA0001.opus").read_bytes()
ES_NOTE = (DATA / "PTT-20241126-WA0002.opus").read_bytes()


@pytest.fixture(scope="module")
def client(speech_model: Path) -> TestClient:
    """The app without its lifespan: the llama models never load, speech loads on first use."""
    app = create_app(Path("/nonexistent/chat.gguf"), Path("/nonexistent/embed.gguf"),
                     SpeechEngine(speech_model, max_seconds=60))
    return TestClient(app)


def _post(client: TestClient, audio: bytes, **form: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/audio/transcriptions", data=form,
                       files={"file": ("PTT-20241126-WA0001.opus", audio, "audio/ogg")})


def test_json_answer_is_the_text_only(client: TestClient) -> None:
    response = _post(client, EN_NOTE, model="whisper-1")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"text"} and "rehearsal" in body["text"].lower()


def test_text_answer_is_plain_text(client: TestClient) -> None:
    response = _post(client, EN_NOTE, response_format="text")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "thursday" in response.text.lower()


def test_verbose_json_has_language_duration_and_segments(client: TestClient) -> None:
    body = _post(client, ES_NOTE, response_format="verbose_json").json()
    assert body["task"] == "transcribe" and body["language"] == "es"
    assert 1.5 < body["duration"] < 4
    assert body["segments"] and body["segments"][0]["start"] >= 0
    assert "biblioteca" in body["text"].lower()


def test_a_given_language_is_used(client: TestClient) -> None:
    body = _post(client, ES_NOTE, response_format="verbose_json", language="es").json()
    assert body["language"] == "es"


@pytest.mark.parametrize(("audio", "form", "words"), [
    (b"definitely not audio", {}, "not a readable audio file"),
    (b"", {}, "empty"),
    (EN_NOTE[: len(EN_NOTE) // 8], {}, ""),  # cut short: damaged or too little audio
    (EN_NOTE, {"language": "xx"}, "unknown language"),
    (EN_NOTE, {"response_format": "srt"}, "response_format"),
])
def test_bad_requests_are_400_with_a_reason(client: TestClient, audio: bytes, form: dict,
                                            words: str) -> None:
    response = _post(client, audio, **form)
    assert response.status_code == 400
    assert words in response.json()["error"]


def test_missing_file_is_400(client: TestClient) -> None:
    response = client.post("/v1/audio/transcriptions", data={"model": "whisper-1"})
    assert response.status_code == 400 and "file" in response.json()["error"]


def test_recordings_over_the_cap_are_refused(speech_model: Path) -> None:
    app = create_app(Path("/x"), Path("/y"), SpeechEngine(speech_model, max_seconds=1))
    response = _post(TestClient(app), EN_NOTE)
    assert response.status_code == 400 and "long" in response.json()["error"]


def test_without_a_speech_model_the_endpoint_says_so() -> None:
    response = _post(TestClient(create_app(Path("/x"), Path("/y"))), EN_NOTE)
    assert response.status_code == 404 and "speech model" in response.json()["error"]


@pytest.mark.slow
def test_client_transcribes_through_the_running_service(speech_model: Path,
                                                        llm_client: LLMClient) -> None:
    text, language = llm_client.transcribe(ES_NOTE, "PTT-20241126-WA0002.opus")
    assert language == "es" and "biblioteca" in text.lower()
    with pytest.raises(AudioRejected, match="not a readable audio file"):
        llm_client.transcribe(b"not audio", "PTT-20241126-WA0009.opus")
