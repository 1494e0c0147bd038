"""Voice notes in exports: which attachments are audio, and their bytes out of a zip export.

Android names them `PTT-YYYYMMDD-WANNNN.opus`, iOS `NNNNNNNN-AUDIO-YYYY-MM-DD-HH-MM-SS.opus`;
shared audio files (.m4a, .mp3, …) are transcribed too. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import PurePosixPath

from nudge.whatsapp.reading import ZIP_MAGIC

AUDIO_EXTENSIONS = frozenset({".opus", ".ogg", ".oga", ".m4a", ".mp3", ".aac", ".amr", ".wav",
                              ".weba", ".webm", ".3gp", ".flac"})
MAX_AUDIO_BYTES = 25 * 1024 * 1024  # a bigger member is not a voice note (and not unzipped)


def is_audio(name: str | None) -> bool:
    """Does this attachment name look like audio (by its extension)?"""
    return bool(name) and PurePosixPath(name.lower()).suffix in AUDIO_EXTENSIONS


def audio_members(data: bytes, names: Iterable[str]) -> dict[str, bytes]:
    """The bytes of the named audio files inside a zip export (matched by base name). A member
    that is missing, damaged, encrypted or too large is left out: its message stays a plain
    attachment, and the import goes on."""
    wanted = {n for n in names if is_audio(n)}
    if not wanted or not data.startswith(ZIP_MAGIC):
        return {}
    found: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename).name
                if (name not in wanted or name in found or info.is_dir()
                        or info.file_size > MAX_AUDIO_BYTES or info.flag_bits & 0x1):
                    continue
                try:
                    found[name] = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                        NotImplementedError, ValueError):
                    continue
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}
    return found
