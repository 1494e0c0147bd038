"""`nudge import` of export files: one file at a time, each read in parts of bounded size
(nudge.whatsapp.streaming) and stored in one transaction, so a 1 GB export needs neither 1 GB of
text nor its lists of messages in memory, and a crash mid-file leaves nothing of that file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from nudge.domain import ImportResult
from nudge.features.importing import import_export
from nudge.whatsapp.streaming import PART_BYTES, parse_path_in_parts


def import_file(conn: psycopg.Connection[Any], path: str | Path, *, user_id: int,
                chat_name: str | None = None, me: str | None = None,
                renamed_from: str | None = None, part_bytes: int = PART_BYTES) -> ImportResult:
    """Parse and store one export file part by part, all parts in one transaction; the answer
    counts the whole file. Embeddings are left to the caller (features.importing.embed_pending)."""
    total: ImportResult | None = None
    with conn.transaction():
        for part in parse_path_in_parts(path, part_bytes=part_bytes):
            chat_name = chat_name or part.chat_name
            result = import_export(conn, part, user_id=user_id, chat_name=chat_name, me=me,
                                   renamed_from=renamed_from if total is None else None)
            total = result if total is None else ImportResult(
                chat=result.chat, inserted=total.inserted + result.inserted,
                duplicates=total.duplicates + result.duplicates,
                skipped=total.skipped + result.skipped,
                renamed_from=total.renamed_from or result.renamed_from)
            del part
    assert total is not None  # a file yields at least one part (or raises ParseError)
    return total
