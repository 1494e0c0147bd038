"""Voice notes: their audio until transcribed (message_audio) and the transcript on the message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg


def messages_by_key(conn: psycopg.Connection[Any], *, user_id: int,
                    keys: Sequence[bytes]) -> list[tuple[int, bytes, str | None]]:
    """(id, source key, attachment) of the user's messages with these keys."""
    return [(int(i), bytes(k), a) for i, k, a in conn.execute(
        "SELECT id, source_key, attachment FROM messages WHERE user_profile_id = %s"
        " AND source_key = ANY(%s)", (user_id, list(keys)))]


def awaiting_audio(conn: psycopg.Connection[Any], *, user_id: int, chat_id: int,
                   names: Sequence[str]) -> list[tuple[int, str]]:
    """(id, attachment) of the chat's messages with these attachment names and no audio or
    transcript yet: new ones, and older ones imported from an export without media."""
    return [(int(i), a) for i, a in conn.execute(
        "SELECT id, attachment FROM messages WHERE user_profile_id = %s AND chat_id = %s"
        " AND attachment = ANY(%s) AND transcript_status IS NULL",
        (user_id, chat_id, list(names)))]


def store_audio(conn: psycopg.Connection[Any], *, user_id: int,
                items: Sequence[tuple[int, str, bytes]], keep: bool = False) -> int:
    """Keep (message id, file name, audio) for transcription and mark those messages pending."""
    if not items:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO message_audio (message_id, user_profile_id, file_name, audio, keep)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
            [(i, user_id, name, data, keep) for i, name, data in items])
        cur.execute(
            "UPDATE messages SET transcript_status = 'pending' WHERE user_profile_id = %s"
            " AND id = ANY(%s) AND transcript_status IS NULL",
            (user_id, [i for i, _, _ in items]))
    return len(items)


def pending_audio(conn: psycopg.Connection[Any], *, user_id: int, after_id: int,
                  limit: int) -> list[tuple[int, str, bytes]]:
    """Next (message id, file name, audio) waiting for a transcript, by id."""
    return [(int(i), n, bytes(a)) for i, n, a in conn.execute(
        "SELECT m.id, a.file_name, a.audio FROM messages m"
        " JOIN message_audio a ON a.message_id = m.id"
        " WHERE m.user_profile_id = %s AND m.transcript_status = 'pending' AND m.id > %s"
        " ORDER BY m.id LIMIT %s", (user_id, after_id, limit))]


def count_pending(conn: psycopg.Connection[Any], *, user_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM messages WHERE user_profile_id = %s"
                       " AND transcript_status = 'pending'", (user_id,)).fetchone()
    return int(row[0]) if row else 0


def store_transcript(conn: psycopg.Connection[Any], *, user_id: int, message_id: int, text: str,
                     language: str | None) -> None:
    """The transcript, done; the embedding is cleared so the next enrichment embeds what was
    said; the audio goes unless it was kept on purpose."""
    with conn.transaction():
        conn.execute(
            "UPDATE messages SET transcript = %s, transcript_language = %s,"
            " transcript_status = 'done', transcript_error = NULL, embedding = NULL,"
            " enriched_at = NULL"
            " WHERE id = %s AND user_profile_id = %s",
            (text, language or None, message_id, user_id))
        _drop_audio(conn, user_id=user_id, message_id=message_id)


def transcript_failed(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                      error: str) -> None:
    """Mark the voice note as not transcribable (the message itself stays as imported)."""
    with conn.transaction():
        conn.execute(
            "UPDATE messages SET transcript_status = 'failed', transcript_error = %s"
            " WHERE id = %s AND user_profile_id = %s", (error[:500], message_id, user_id))
        _drop_audio(conn, user_id=user_id, message_id=message_id)


def _drop_audio(conn: psycopg.Connection[Any], *, user_id: int, message_id: int) -> None:
    conn.execute("DELETE FROM message_audio WHERE message_id = %s AND user_profile_id = %s"
                 " AND NOT keep", (message_id, user_id))


def transcripts(conn: psycopg.Connection[Any], *, user_id: int,
                chat_id: int | None = None) -> list[tuple[int, str | None, str | None, str | None,
                                                          str | None]]:
    """(id, attachment, status, transcript or error, language) of the user's voice notes."""
    return [(int(i), a, s, t, lang) for i, a, s, t, lang in conn.execute(
        "SELECT id, attachment, transcript_status, coalesce(transcript, transcript_error),"
        " transcript_language FROM messages WHERE user_profile_id = %s"
        " AND transcript_status IS NOT NULL AND (%s::bigint IS NULL OR chat_id = %s)"
        " ORDER BY sent_at, id", (user_id, chat_id, chat_id))]


def kept_audio_count(conn: psycopg.Connection[Any], *, user_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM message_audio WHERE user_profile_id = %s",
                       (user_id,)).fetchone()
    return int(row[0]) if row else 0
