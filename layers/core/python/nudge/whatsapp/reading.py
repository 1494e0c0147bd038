"""Bytes to chat text: zip archives, byte-order marks, UTF-16 without a BOM, legacy encodings, CRLF.

Kept apart from the header grammar so every way an export reaches us (file, upload, stdin) ends
up as one plain `\\n`-separated string, or as a ParseError that names the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from nudge.errors import ParseError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
MAX_CHAT_BYTES = 1 << 30  # a bigger "chat" inside a zip is a zip bomb, not a conversation
_IGNORED_MEMBERS = ("__MACOSX/", ".DS_Store")
_BINARY_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v\x1b")


@dataclass(frozen=True, slots=True)
class ExportText:
    """The chat text of one export and what else came with it."""

    text: str
    inner_name: str | None = None  # the chat .txt's name when it came out of a zip
    media_files: list[str] = field(default_factory=list)


def read_export(data: bytes, source: str) -> ExportText:
    """Decode a raw .txt export, or pick the chat out of a .zip export (detected by its header)."""
    if data.startswith(ZIP_MAGIC):
        chat, inner, media = _open_zip(data, source)
        return ExportText(decode_text(chat, f"{source}:{inner}"), inner, media)
    return ExportText(decode_text(data, source))


def decode_text(data: bytes, source: str) -> str:
    """Text with `\\n` line ends, whatever encoding and line-end convention the phone used."""
    text = _decode(data, source)
    if not text or text.isspace() or text == "\ufeff":
        raise ParseError("the file is empty", source=source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text[:4096]
    if "\x00" in head or sum(ch in _BINARY_CONTROLS for ch in head) > len(head) // 20:
        raise ParseError("this is a binary file, not a WhatsApp chat export", source=source)
    return text


def _decode(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", source)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", source)  # the codec reads and drops the BOM
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        return _strict(data, utf16, source)
    if b"\x00" in data[:4096]:
        raise ParseError("this is a binary file, not a WhatsApp chat export", source=source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # old Windows exports
    except UnicodeDecodeError:
        return data.decode("latin-1")  # cannot fail; the header check rejects what is not a chat


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 shows as NUL bytes on every other position when the text is mostly Latin."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    odd_nuls = head[1::2].count(0)
    even_nuls = head[0::2].count(0)
    if odd_nuls > pairs * 0.3 and even_nuls < pairs * 0.05:
        return "utf-16-le"
    if even_nuls > pairs * 0.3 and odd_nuls < pairs * 0.05:
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(f"the text is not valid {encoding}: {exc.reason}", source=source) from exc


def _open_zip(data: bytes, source: str) -> tuple[bytes, str, list[str]]:
    """The chat .txt inside a zip export, its name, and the names of the media next to it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [
                info for info in archive.infolist()
                if not info.is_dir() and not any(part in info.filename for part in _IGNORED_MEMBERS)
            ]
            chat = _chat_member(members)
            if chat is None:
                raise ParseError("the zip holds no WhatsApp chat (.txt)", source=source)
            if chat.file_size > MAX_CHAT_BYTES:
                raise ParseError("the chat inside the zip is too large", source=source)
            if chat.flag_bits & 0x1:
                raise ParseError("the zip is password protected", source=source)
            text = archive.read(chat)
    except ParseError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise ParseError(f"the zip file is damaged or unreadable ({exc})", source=source) from exc
    media = [PurePosixPath(m.filename).name for m in members if m is not chat]
    return text, PurePosixPath(chat.filename).name, media


def _chat_member(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """`_chat.txt` (iOS), else a `WhatsApp Chat….txt` (Android), else the only .txt there is."""
    texts = [m for m in members if m.filename.lower().endswith(".txt")]
    for member in texts:
        if PurePosixPath(member.filename).name == "_chat.txt":
            return member
    for member in texts:
        if "whatsapp" in PurePosixPath(member.filename).name.lower():
            return member
    return texts[0] if len(texts) == 1 else None
