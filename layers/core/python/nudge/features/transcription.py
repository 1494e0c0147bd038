"""Voice notes become text: the enrichment step that transcribes stored audio.

Audio reaches the store with its message (a zip export's `PTT-….opus`, a collector's `ptt`
push), in the same transaction, marked `pending`. `transcribe_pending` then asks the
transcriber (llm_service's /v1/audio/transcriptions, or in process) for each note, stores text
and language on the message and drops the audio unless the user keeps it. A file the model
refuses (not audio, damaged, over NUDGE_VOICE_MAX_SECONDS) gets a "could not transcribe: …"
status; a transcriber that is away leaves the rest pending for the next run. An import never
fails because of a voice note.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg

from nudge.errors import AudioRejected, LLMUnavailable
from nudge.llm import Transcriber
from nudge.store import voice as store

log = logging.getLogger(__name__)

FAILED_PREFIX = "could not transcribe: "


def attach_export_audio(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                        audio: Mapping[str, bytes], keep: bool = False) -> int:
    """Keep the audio of the chat's voice notes named in `audio` (file name -> bytes) that have
    none yet; returns how many. Call in the import's transaction."""
    if not audio:
        return 0
    rows = store.awaiting_audio(conn, user_id=user_id, chat_id=chat_id, names=list(audio))
    return store.store_audio(conn, user_id=user_id, keep=keep,
                             items=[(i, name, audio[name]) for i, name in rows])


def attach_keyed_audio(conn: psycopg.Connection[Any], *, user_id: int,
                       audio: Mapping[bytes, tuple[str, bytes]], keep: bool = False) -> int:
    """The same for collector messages, by source key -> (file name, bytes)."""
    if not audio:
        return 0
    rows = store.messages_by_key(conn, user_id=user_id, keys=list(audio))
    return store.store_audio(conn, user_id=user_id, keep=keep,
                             items=[(i, *audio[key]) for i, key, _ in rows])


def transcribe_pending(conn: psycopg.Connection[Any], transcriber: Transcriber, *, user_id: int,
                       limit: int = 50) -> int:
    """Transcribe up to `limit` waiting voice notes, oldest first; return how many were stored
    (refused files are marked and not counted). Stops, without raising, when the transcriber is
    unavailable: those notes stay pending."""
    done = 0
    after = 0
    handled = 0
    while handled < limit:
        batch = store.pending_audio(conn, user_id=user_id, after_id=after, limit=min(8, limit - handled))
        if not batch:
            break
        for message_id, file_name, audio in batch:
            after = message_id
            handled += 1
            try:
                text, language = transcriber.transcribe(audio, file_name)
            except AudioRejected as exc:
                log.info("voice note %s not transcribed: %s", message_id, exc)
                store.transcript_failed(conn, user_id=user_id, message_id=message_id,
                                        error=FAILED_PREFIX + str(exc))
                continue
            except LLMUnavailable as exc:
                log.warning("transcription postponed, service unavailable: %s", exc)
                return done
            store.store_transcript(conn, user_id=user_id, message_id=message_id, text=text,
                                   language=language)
            done += 1
    return done
