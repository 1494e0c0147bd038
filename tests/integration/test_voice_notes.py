"""Voice notes end to end: zip exports with audio -> transcript (real Whisper base, in process) ->
search by a spoken word -> the digest shows it; bad audio gets a status, never a failed import.

The two .opus files under tests/data/voice were made once with espeak-ng (2-3 s each):
WA0001 says "The rehearsal moved to Thursday evening." (en), WA0002 "Nos vemos mañana en la
biblioteca." (es).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from nudge.errors import LLMUnavailable
from nudge.features.digest import build_digest, format_digest
from nudge.features.importing import import_export
from nudge.features.search import search
from nudge.features.transcription import transcribe_pending
from nudge.llm.speech import LocalTranscriber
from nudge.store import voice
from nudge.whatsapp import parse_bytes
from nudge.whatsapp.voice import audio_members
from tests.integration.test_search import bag_of_words

DATA = Path(__file__).resolve().parents[1] / "data" / "voice"
EN_NOTE = (DATA / "PTT-20241126-WA0001.opus").read_bytes()
ES_NOTE = (DATA / "PTT-20241126-WA0002.opus").read_bytes()
DAY = date(2024, 11, 26)

ANDROID_CHAT = """26/11/2024, 09:58 - Sam: Are we still on for the rehearsal?
26/11/2024, 10:01 - Ana: PTT-20241126-WA0001.opus (file attached)
26/11/2024, 10:05 - Luis: PTT-20241126-WA0002.opus (Datei angehängt)
26/11/2024, 10:07 - Sam: ok
"""
IOS_CHAT = """[26/11/2024, 11:00:00] Ana: Hi
[26/11/2024, 11:01:10] Ana: \u200e<attached: 00000012-AUDIO-2024-11-26-11-01-10.opus>
"""


def export_zip(chat: str, media: dict[str, bytes], chat_file: str = "WhatsApp Chat with Band.txt") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(chat_file, chat)
        for name, data in media.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def import_zip(db: psycopg.Connection[Any], data: bytes, transcriber: Any, *, chat: str = "Band",
               keep_audio: bool = False) -> Any:
    parsed = parse_bytes(data, source=f"{chat}.zip")
    return import_export(db, parsed, user_id=1, chat_name=chat, me="Sam", embed=bag_of_words,
                         audio=audio_members(data, parsed.media_files), transcriber=transcriber,
                         keep_audio=keep_audio)


@pytest.fixture(scope="module")
def whisper(speech_model: Path) -> LocalTranscriber:
    return LocalTranscriber(speech_model)


def test_voice_notes_in_two_languages_are_transcribed_searchable_and_in_the_digest(
        db: psycopg.Connection[Any], whisper: LocalTranscriber) -> None:
    data = export_zip(ANDROID_CHAT, {"PTT-20241126-WA0001.opus": EN_NOTE,
                                     "PTT-20241126-WA0002.opus": ES_NOTE})
    result = import_zip(db, data, whisper)
    assert result.inserted == 4

    notes = {attachment: (status, text, lang)
             for _, attachment, status, text, lang in voice.transcripts(db, user_id=1)}
    status, text, lang = notes["PTT-20241126-WA0001.opus"]
    assert (status, lang) == ("done", "en") and "rehearsal" in text.lower()
    status, text, lang = notes["PTT-20241126-WA0002.opus"]
    assert (status, lang) == ("done", "es") and "biblioteca" in text.lower()
    assert voice.kept_audio_count(db, user_id=1) == 0  # privacy: audio gone once transcribed

    hits = search(db, user_id=1, query="biblioteca", query_embedding=None)
    assert hits and hits[0].sender == "Luis" and hits[0].text.startswith("🎤")
    assert db.execute("SELECT count(*) FROM messages WHERE transcript IS NOT NULL"
                      " AND embedding IS NOT NULL").fetchone()[0] == 2  # embedded too

    digest = build_digest(db, user_id=1, day=DAY, me="Sam", llm=None)
    shown = format_digest(digest)
    assert "🎤 Ana" in shown and "🎤 Luis" in shown
    assert "biblioteca" in shown.lower()


def test_ios_export_voice_note_is_transcribed_and_kept_when_asked(
        db: psycopg.Connection[Any], whisper: LocalTranscriber) -> None:
    name = "00000012-AUDIO-2024-11-26-11-01-10.opus"
    import_zip(db, export_zip(IOS_CHAT, {name: EN_NOTE}, "_chat.txt"), whisper, chat="Ana",
               keep_audio=True)
    [(_, attachment, status, text, lang)] = voice.transcripts(db, user_id=1)
    assert (attachment, status, lang) == (name, "done", "en") and "thursday" in text.lower()
    assert voice.kept_audio_count(db, user_id=1) == 1


def test_bad_audio_gets_a_clear_status_and_the_import_still_succeeds(
        db: psycopg.Connection[Any], speech_model: Path) -> None:
    short_limit = LocalTranscriber(speech_model, max_seconds=1.0)  # "an hour-long recording"
    chat = ANDROID_CHAT + "26/11/2024, 10:09 - Ana: PTT-20241126-WA0003.opus (file attached)\n"
    data = export_zip(chat, {"PTT-20241126-WA0001.opus": b"OggS\x00garbage" * 50,
                             "PTT-20241126-WA0002.opus": b"this is a text file, not audio\n",
                             "PTT-20241126-WA0003.opus": EN_NOTE})
    result = import_zip(db, data, short_limit)
    assert result.inserted == 5
    notes = {a: (s, t) for _, a, s, t, _ in voice.transcripts(db, user_id=1)}
    assert {s for s, _ in notes.values()} == {"failed"}
    assert all(t.startswith("could not transcribe: ") for _, t in notes.values())
    assert "not a readable audio file" in notes["PTT-20241126-WA0002.opus"][1]
    assert "long" in notes["PTT-20241126-WA0003.opus"][1]
    assert voice.kept_audio_count(db, user_id=1) == 0


class Away:
    def transcribe(self, audio: bytes, filename: str, language: str | None = None) -> tuple[str, str]:
        raise LLMUnavailable("llm_service is restarting")


def test_notes_wait_while_the_transcriber_is_away_then_the_backlog_transcribes_them(
        db: psycopg.Connection[Any], whisper: LocalTranscriber) -> None:
    data = export_zip(ANDROID_CHAT, {"PTT-20241126-WA0001.opus": EN_NOTE})
    assert import_zip(db, data, Away()).inserted == 4
    assert voice.count_pending(db, user_id=1) == 1
    assert voice.kept_audio_count(db, user_id=1) == 1

    assert transcribe_pending(db, whisper, user_id=1, limit=10) == 1
    assert voice.count_pending(db, user_id=1) == 0
    assert search(db, user_id=1, query="rehearsal thursday", query_embedding=None)


def test_reimporting_with_media_transcribes_notes_first_imported_without_it(
        db: psycopg.Connection[Any], whisper: LocalTranscriber) -> None:
    import_zip(db, export_zip(ANDROID_CHAT, {}), whisper)  # "without media" export
    assert voice.transcripts(db, user_id=1) == []
    again = import_zip(db, export_zip(ANDROID_CHAT, {"PTT-20241126-WA0002.opus": ES_NOTE}), whisper)
    assert again.inserted == 0 and again.duplicates == 4
    [(_, _, status, text, lang)] = voice.transcripts(db, user_id=1)
    assert (status, lang) == ("done", "es") and "biblioteca" in text.lower()


def test_a_collector_voice_note_is_stored_with_its_audio_and_transcribed_once(
        db: psycopg.Connection[Any], whisper: LocalTranscriber) -> None:
    from datetime import datetime

    from nudge.features.importing import IncomingMessage, ingest_batch

    note = IncomingMessage(sent_at=datetime(2024, 11, 26, 10, 5), sender="Luis", text="",
                           kind="media", id="wa-ptt-1", attachment="voice-note.ogg", audio=ES_NOTE)
    first = ingest_batch(db, user_id=1, chat_name="Luis", chat_type="one_to_one", messages=[note],
                         transcriber=whisper)
    again = ingest_batch(db, user_id=1, chat_name="Luis", chat_type="one_to_one", messages=[note],
                         transcriber=whisper)
    assert (first.inserted, again.duplicates) == (1, 1)
    [(_, attachment, status, text, lang)] = voice.transcripts(db, user_id=1)
    assert (attachment, status, lang) == ("voice-note.ogg", "done", "es")
    assert "biblioteca" in text.lower()
    assert voice.kept_audio_count(db, user_id=1) == 0


class Says:
    """A transcriber that heard a fixed sentence (the counting below does not depend on Whisper)."""

    def __init__(self, text: str, language: str) -> None:
        self.text, self.language = text, language

    def transcribe(self, audio: bytes, filename: str, language: str | None = None) -> tuple[str, str]:
        return self.text, self.language


def test_a_spoken_question_counts_as_open_for_the_digest_and_reminders(
        db: psycopg.Connection[Any]) -> None:
    from datetime import UTC, datetime

    from nudge.domain import Preferences
    from nudge.features.reminders import due_reminders

    chat = ("26/11/2024, 10:01 - Ana: PTT-20241126-WA0001.opus (file attached)\n"
            "26/11/2024, 10:02 - Ana: ok\n")
    import_zip(db, export_zip(chat, {"PTT-20241126-WA0001.opus": EN_NOTE}),
               Says("Sam, can you send me the invoice tonight?", "en"), chat="Ana")

    digest = build_digest(db, user_id=1, day=DAY, me="Sam", llm=None)
    [question] = digest.chats[0].needs_reply
    assert question.voice and question.text == "Sam, can you send me the invoice tonight?"
    assert "? 10:01 🎤 Ana: Sam, can you send me the invoice tonight?" in format_digest(digest)

    due = due_reminders(db, user_id=1, now=datetime(2024, 11, 26, 12, tzinfo=UTC),
                        prefs=Preferences(keywords=["invoice"]), me="Sam")
    assert [(d.reason, d.text) for d in due] == [
        ("question with keyword: invoice", "🎤 Sam, can you send me the invoice tonight?")]
