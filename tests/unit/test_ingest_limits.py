"""Zip limits and batch validation as plain functions (no HTTP, no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nudge.faces.http.batch import parse_batch
from nudge.faces.http.errors import ApiError
from nudge.faces.http.zipcheck import check_zip, looks_like_zip, unsafe_name


@pytest.mark.parametrize(("name", "unsafe"), [
    ("_chat.txt", False), ("media/IMG-1.jpg", False), ("a..b.txt", False),
    ("../x", True), ("a/../../x", True), ("/etc/passwd", True), ("\\\\server\\x", True),
    ("C:/x.txt", True), ("a\\..\\x", True),
])
def test_names_that_could_leave_a_folder_are_unsafe(name, unsafe):
    assert unsafe_name(name) is unsafe


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_normal_export_zip_passes_and_is_recognised_as_a_zip():
    data = _zip({"WhatsApp Chat with Ana.txt": b"x" * 1000, "IMG-1.jpg": b"y"})

    check_zip(data)

    assert looks_like_zip(data) and not looks_like_zip(b"01/05/2024, 10:00 - Ana: hi")


def test_limits_are_checked_from_declared_sizes_and_counts():
    with pytest.raises(ApiError) as too_big:
        check_zip(_zip({"a.txt": b"0" * 5000}), max_uncompressed=4999)
    with pytest.raises(ApiError) as too_many:
        check_zip(_zip({"a.txt": b"", "b.txt": b""}), max_entries=1)

    assert too_big.value.status == 413 and too_many.value.status == 413


def test_a_batch_becomes_core_messages_with_defaults_for_optional_fields():
    batch = parse_batch({"chat": {"name": " Ana "}, "messages": [
        {"sent_at": "2024-05-01T10:00:00", "text": "hi"},
        {"sent_at": "2024-05-01T08:00:00+00:00", "sender": "Ana", "text": "yo", "kind": "media",
         "from_me": True, "id": "x"},
    ]}, tz=ZoneInfo("Europe/Istanbul"))

    first, second = batch.messages
    assert (batch.chat_name, batch.chat_type) == ("Ana", None)
    assert (first.sender, first.kind, first.from_me, first.id) == (None, "text", False, None)
    assert second.sent_at == datetime(2024, 5, 1, 11, 0)  # UTC+3, stored as wall-clock time
    assert (second.kind, second.from_me, second.id) == ("media", True, "x")


def test_a_batch_over_the_message_limit_is_413():
    from nudge.faces.http.batch import MAX_BATCH_MESSAGES

    messages = [{"sent_at": "2024-05-01T10:00:00", "text": "x"}] * (MAX_BATCH_MESSAGES + 1)

    with pytest.raises(ApiError) as refused:
        parse_batch({"chat": {"name": "Ana"}, "messages": messages}, tz=ZoneInfo("UTC"))

    assert refused.value.status == 413
