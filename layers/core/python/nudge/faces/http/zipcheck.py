"""Limits on uploaded zip exports, checked from the central directory before anything is inflated.

Python's zipfile never inflates more than an entry's declared size, so bounding the declared sizes
bounds the work even when a header lies.
"""

from __future__ import annotations

import io
import zipfile

from nudge.faces.http.errors import ApiError
from nudge.whatsapp.reading import ZIP_MAGIC

MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED_BYTES = 100 * 1024 * 1024


def looks_like_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters and `..` components: names that could escape a directory."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return True
    return any(part == ".." for part in normalised.split("/"))


def check_zip(data: bytes, *, max_entries: int = MAX_ZIP_ENTRIES,
              max_uncompressed: int = MAX_ZIP_UNCOMPRESSED_BYTES) -> None:
    """400 for unreadable archives and traversal names, 413 for too many or too large entries."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ApiError(400, "body: not a readable zip archive") from None
    if len(entries) > max_entries:
        raise ApiError(413, f"zip: {len(entries)} entries, more than the limit of {max_entries}")
    total = sum(entry.file_size for entry in entries)
    if total > max_uncompressed:
        raise ApiError(413, f"zip: {total} bytes uncompressed, more than the limit of "
                            f"{max_uncompressed}")
    for entry in entries:
        if unsafe_name(entry.filename):
            raise ApiError(400, f"zip: entry {entry.filename[:100]!r} has an unsafe path")
