"""Parsing a large export in parts gives exactly the messages of one whole parse (with their
line numbers and the chat name), while holding one part at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.parse import generate_android_export
from nudge.whatsapp import parse_path
from nudge.whatsapp.streaming import parse_path_in_parts

SAMPLES = Path(__file__).resolve().parents[2] / "layers/core/python/nudge/samples"


def in_parts(path: Path, part_bytes: int) -> tuple[list, list[str | None], int]:
    parts = list(parse_path_in_parts(path, part_bytes=part_bytes))
    return [m for p in parts for m in p.messages], [p.chat_name for p in parts], len(parts)


@pytest.mark.parametrize("name", ["WhatsApp Chat with Ana.txt",
                                  "WhatsApp Chat with Trip to Lisbon.txt"])
def test_the_samples_in_small_parts_are_the_whole_parse(name: str) -> None:
    whole = parse_path(SAMPLES / name)

    messages, names, count = in_parts(SAMPLES / name, part_bytes=512)

    assert count > 1
    assert messages == whole.messages
    assert set(names) == {whole.chat_name}


def test_a_large_generated_export_in_parts_is_the_whole_parse(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Bench.txt"
    path.write_text(generate_android_export(20_000), encoding="utf-8")
    whole = parse_path(path)

    messages, _, count = in_parts(path, part_bytes=64 * 1024)

    assert count > 10
    assert messages == whole.messages


def test_crlf_a_bom_and_a_date_order_only_the_whole_file_decides_are_kept(tmp_path: Path) -> None:
    # Days stay <= 12 until the last line: only the whole file tells d/m/y from m/d/y.
    lines = [f"0{d}/0{m}/2024, 10:00 - Ana: day {d} month {m}" for m in (1, 2) for d in range(1, 10)]
    lines.append("25/03/2024, 10:00 - Ana: the 25th")
    path = tmp_path / "WhatsApp Chat with Ana.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines * 3).encode() + b"\r\n")
    whole = parse_path(path)

    messages, _, count = in_parts(path, part_bytes=256)

    assert count > 1 and whole.date_order == "dmy"
    assert messages == whole.messages


def test_what_cannot_be_streamed_is_parsed_whole(tmp_path: Path) -> None:
    utf16 = tmp_path / "WhatsApp Chat with Ana.txt"
    utf16.write_bytes("01/05/2024, 10:00 - Ana: hi\n".encode("utf-16") * 1)
    latin = tmp_path / "WhatsApp Chat with Ben.txt"
    latin.write_bytes(b"01/05/2024, 10:00 - Ben: caf\xe9\n" * 50)

    assert [p.messages for p in parse_path_in_parts(utf16, part_bytes=16)] == \
        [parse_path(utf16).messages]
    assert [p.messages for p in parse_path_in_parts(latin, part_bytes=64)] == \
        [parse_path(latin).messages]
