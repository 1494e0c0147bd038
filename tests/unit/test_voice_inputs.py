"""Where voice notes come from, before any model: export lines in several languages, audio
members of a zip, the collector's `media` field, the client's request and error mapping."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from nudge.config import load_settings
from nudge.errors import AudioRejected, InputError, LLMUnavailable
from nudge.faces.http.batch import parse_batch
from nudge.faces.http.errors import ApiError
from nudge.llm.client import LLMClient, language_code
from nudge.whatsapp import parse_text
from nudge.whatsapp.voice import audio_members, is_audio

NOTE = (Path(__file__).resolve().parents[1] / "data" / "voice" / "PTT-20241126-WA0001.opus").read_bytes()


@pytest.mark.parametrize("line", [
    "26/11/2024, 10:01 - Ana: PTT-20241126-WA0001.opus (file attached)",
    "26/11/2024, 10:01 - Ana: PTT-20241126-WA0001.opus (Datei angehängt)",
    "26/11/2024, 10:01 - Ana: \u200ePTT-20241126-WA0001.opus (archivo adjunto)",
    "[26/11/2024, 10:01:00] Ana: \u200e<attached: PTT-20241126-WA0001.opus>",
    "[26/11/2024, 10:01:00] Ana: \u200e<adjunto: PTT-20241126-WA0001.opus>",
])
def test_voice_note_lines_become_media_with_the_audio_file_as_attachment(line: str) -> None:
    [message] = parse_text(line + "\n", source="chat.txt").messages
    assert message.kind == "media" and message.attachment == "PTT-20241126-WA0001.opus"
    assert is_audio(message.attachment)


def test_only_audio_attachments_count_as_voice_notes() -> None:
    assert is_audio("00000012-AUDIO-2024-11-26-11-01-10.opus") and is_audio("memo.M4A")
    assert not is_audio("IMG-20241126-WA0001.jpg") and not is_audio(None) and not is_audio("opus")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_audio_members_are_read_by_base_name_and_nothing_else() -> None:
    data = _zip({"_chat.txt": "x", "media/PTT-1.opus": NOTE, "IMG-1.jpg": b"jpeg"})
    assert audio_members(data, ["PTT-1.opus", "IMG-1.jpg", "PTT-2.opus"]) == {"PTT-1.opus": NOTE}
    assert audio_members(b"plain text export", ["PTT-1.opus"]) == {}
    assert audio_members(data[:40], ["PTT-1.opus"]) == {}  # a damaged zip loses only the audio


def test_a_collector_voice_note_carries_its_audio() -> None:
    body = {"chat": {"name": "Ana"}, "messages": [
        {"sent_at": "2024-11-26T10:01:00", "sender": "Ana", "text": "", "kind": "media", "id": "a",
         "media": {"mimetype": "audio/ogg; codecs=opus", "data": base64.b64encode(NOTE).decode()}},
        {"sent_at": "2024-11-26T10:02:00", "sender": "Ana", "text": "look", "kind": "media",
         "media": {"mimetype": "image/jpeg", "data": "AAAA", "filename": "cat.jpg"}},
    ]}
    voice, photo = parse_batch(body, tz=ZoneInfo("UTC")).messages
    assert voice.audio == NOTE and voice.attachment == "voice-note.ogg"
    assert photo.audio is None and photo.attachment == "cat.jpg"


@pytest.mark.parametrize(("media", "field"), [
    ("x", "messages[0].media"),
    ({"mimetype": "audio/ogg"}, "messages[0].media.data"),
    ({"mimetype": "audio/ogg", "data": "not base64!"}, "messages[0].media.data"),
    ({"data": "AAAA"}, "messages[0].media.mimetype"),
])
def test_a_malformed_media_field_names_itself(media: object, field: str) -> None:
    body = {"chat": {"name": "Ana"}, "messages": [
        {"sent_at": "2024-11-26T10:01:00", "text": "", "kind": "media", "media": media}]}
    with pytest.raises(ApiError) as error:
        parse_batch(body, tz=ZoneInfo("UTC"))
    assert error.value.status == 400 and field in str(error.value)


def _client(handler) -> LLMClient:  # type: ignore[no-untyped-def]
    return LLMClient("http://llm.test/", transport=httpx.MockTransport(handler))


def test_client_posts_multipart_verbose_json_and_returns_text_and_language() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/audio/transcriptions"
        assert request.headers["content-type"].startswith("multipart/form-data")
        seen.append(request.read())
        return httpx.Response(200, json={"text": " Hallo Ana ", "language": "german"})

    assert _client(handler).transcribe(b"OggS...", "PTT-1.opus", language="de") == ("Hallo Ana", "de")
    assert b'name="response_format"\r\n\r\nverbose_json' in seen[0]
    assert b'name="language"\r\n\r\nde' in seen[0] and b'filename="PTT-1.opus"' in seen[0]


@pytest.mark.parametrize(("status", "error"), [(400, AudioRejected), (413, AudioRejected),
                                               (500, LLMUnavailable), (503, LLMUnavailable)])
def test_client_tells_refused_files_from_an_unavailable_service(status: int, error: type) -> None:
    client = _client(lambda _: httpx.Response(status, json={"error": "nope"}))
    with pytest.raises(error, match="nope"):
        client.transcribe(b"x", "a.opus")


def test_language_names_and_codes_become_codes() -> None:
    assert [language_code(x) for x in ("English", "es", " DE ", "")] == ["en", "es", "de", ""]


def test_voice_settings_are_read_and_checked() -> None:
    settings = load_settings({"NUDGE_VOICE_MAX_SECONDS": "90", "NUDGE_KEEP_AUDIO": "yes",
                              "LLM_SPEECH_MODEL": "/models/whisper-small"})
    assert (settings.voice_max_seconds, settings.keep_audio) == (90.0, True)
    assert settings.llm_speech_model == "/models/whisper-small"
    assert load_settings({}).keep_audio is False
    with pytest.raises(InputError, match="NUDGE_VOICE_MAX_SECONDS"):
        load_settings({"NUDGE_VOICE_MAX_SECONDS": "ten"})
