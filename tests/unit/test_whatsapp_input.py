"""Input handling: encodings, line ends, zips, file names, and everything that is not an export."""

from __future__ import annotations

import io
import zipfile

import pytest

from nudge.errors import InputError, ParseError
from nudge.whatsapp import chat_name_from_filename, parse_bytes, parse_path

CHAT = "26/11/2024, 12:32 - Emre: Olá\n26/11/2024, 12:33 - Ana: two\nlines\n"
EXPECTED = [("Emre", "Olá", 1), ("Ana", "two\nlines", 2)]


def summary(data: bytes, source: str = "chat.txt") -> list[tuple]:
    return [(m.sender, m.text, m.line) for m in parse_bytes(data, source=source).messages]


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(CHAT.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + CHAT.encode("utf-8"), id="utf-8-bom"),
        pytest.param(CHAT.encode("utf-16"), id="utf-16-bom-native"),
        pytest.param(b"\xff\xfe" + CHAT.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(b"\xfe\xff" + CHAT.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(CHAT.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(CHAT.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(CHAT.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(CHAT.replace("\n", "\r").encode("utf-8"), id="old-mac-cr"),
        pytest.param(CHAT.encode("cp1252"), id="cp1252"),
    ],
)
def test_encodings_and_line_ends_give_the_same_messages(data):
    assert summary(data) == EXPECTED


def test_a_zip_export_yields_its_chat_media_and_name():
    data = zipped({"_chat.txt": CHAT.encode(), "00000003-PHOTO.jpg": b"\xff\xd8\xff\xd9"})
    export = parse_bytes(data, source="/tmp/WhatsApp Chat - Family.zip")
    assert [(m.sender, m.text, m.line) for m in export.messages] == EXPECTED
    assert export.chat_name == "Family"
    assert export.media_files == ["00000003-PHOTO.jpg"]


def test_an_android_zip_is_named_after_the_txt_inside_when_the_zip_is_not():
    data = zipped({"WhatsApp Chat with Ana.txt": CHAT.encode(), "IMG-1.jpg": b"x"})
    export = parse_bytes(data, source="upload.zip")
    assert export.chat_name == "Ana"
    assert export.media_files == ["IMG-1.jpg"]


def test_parse_path_reads_txt_and_zip_files(tmp_path):
    txt = tmp_path / "WhatsApp Chat with Ana.txt"
    txt.write_text(CHAT, encoding="utf-8")
    archive = tmp_path / "WhatsApp Chat - Ana.zip"
    archive.write_bytes(zipped({"_chat.txt": CHAT.encode()}))
    for path in (txt, archive):
        export = parse_path(path)
        assert (export.chat_name, len(export.messages), export.source) == ("Ana", 2, str(path))


def test_a_few_leading_lines_before_the_first_header_are_tolerated():
    data = ("cut-off end of an earlier message\n" + CHAT).encode()
    assert summary(data) == [("Emre", "Olá", 2), ("Ana", "two\nlines", 3)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"  \n\n", "empty", id="blank"),
        pytest.param(bytes(range(256)) * 8, "binary", id="binary"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary", id="png"),
        pytest.param(b"Dear diary,\ntoday was a good day.\n", "header", id="random-text"),
        pytest.param(("just some words\n" * 20 + CHAT).encode(), "header", id="long-preamble"),
        pytest.param(zipped({"photo.jpg": b"\xff\xd8"}), "no WhatsApp chat", id="zip-without-chat"),
        pytest.param(zipped({"_chat.txt": CHAT.encode()})[:60], "damaged", id="corrupt-zip"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, "damaged", id="zip-header-only"),
    ],
)
def test_bad_input_is_a_parse_error_naming_the_file(data, message):
    with pytest.raises(ParseError, match=message) as caught:
        parse_bytes(data, source="upload.txt")
    assert str(caught.value).startswith("upload.txt")


def test_a_missing_file_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="cannot read"):
        parse_path(tmp_path / "nope.txt")


def test_an_unknown_date_order_is_an_input_error():
    with pytest.raises(InputError):
        parse_bytes(CHAT.encode(), source="chat.txt", date_order="dym")


@pytest.mark.parametrize(
    ("name", "chat"),
    [
        ("WhatsApp Chat with Trip to Lisbon.txt", "Trip to Lisbon"),
        ("/home/sam/Downloads/WhatsApp Chat with Ana.txt", "Ana"),
        ("C:\\Users\\sam\\WhatsApp Chat with Ana (1).txt", "Ana"),
        ("WhatsApp Chat - Family.zip", "Family"),
        ("WhatsApp-Chat mit Oma.txt", "Oma"),
        ("Chat de WhatsApp con Ana.txt", "Ana"),
        ("_chat.txt", None),
        ("export.txt", None),
        ("<stdin>", None),
    ],
)
def test_chat_names_come_from_export_file_names(name, chat):
    assert chat_name_from_filename(name) == chat


def test_parsing_leaves_the_garbage_collector_as_it_found_it():
    """The parser pauses the cyclic GC while it builds messages, and leaves a disabled GC disabled."""
    import gc

    data = (CHAT * 3).encode()
    assert gc.isenabled()
    assert summary(data)[:2] == EXPECTED and gc.isenabled()
    gc.disable()
    try:
        assert summary(data)[:2] == EXPECTED and not gc.isenabled()
    finally:
        gc.enable()
