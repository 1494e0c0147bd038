"""`nudge import` of export files: one file at a time, each read in parts of bounded size
(nudge.whatsapp.streaming) and stored in one transaction, so a 1 GB export needs neither 1 GB of
text nor its lists of messages in memory, and a crash mid-file leaves nothing of that file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from nudge.domain import ImportResult, ParsedExport
from nudge.features.importing import import_export
from nudge.whatsapp.streaming import PART_BYTES, parse_path_in_parts
from nudge.whatsapp.voice import audio_members, is_audio


def import_file(conn: psycopg.Connection[Any], path: str | Path, *, user_id: int,
                chat_name: str | None = None, me: str | None = None,
                renamed_from: str | None = None, keep_audio: bool = False,
                part_bytes: int = PART_BYTES) -> ImportResult:
    """Parse and store one export file part by part, all parts in one transaction; the answer
    counts the whole file. A zip's voice notes are stored with their messages. The enrichment
    (transcripts, embeddings) is left to the caller (nudge.features.enrichment)."""
    total: ImportResult | None = None
    with conn.transaction():
        for part in parse_path_in_parts(path, part_bytes=part_bytes):
            chat_name = chat_name or part.chat_name
            result = import_export(conn, part, user_id=user_id, chat_name=chat_name, me=me,
                                   renamed_from=renamed_from if total is None else None,
                                   audio=_voice_notes(path, part), keep_audio=keep_audio)
            total = result if total is None else ImportResult(
                chat=result.chat, inserted=total.inserted + result.inserted,
                duplicates=total.duplicates + result.duplicates,
                skipped=total.skipped + result.skipped,
                renamed_from=total.renamed_from or result.renamed_from)
            del part
    assert total is not None  # a file yields at least one part (or raises ParseError)
    return total


def _voice_notes(path: str | Path, part: ParsedExport) -> dict[str, bytes]:
    """The audio of the voice notes a zip export carries (file name -> bytes); {} for a .txt."""
    if not any(is_audio(name) for name in part.media_files):
        return {}
    return audio_members(Path(path).read_bytes(), part.media_files)
