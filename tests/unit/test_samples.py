"""The bundled samples parse to what the demo and the other tests rely on."""

from __future__ import annotations

from collections import Counter

import pytest

from nudge.samples import make_family_zip, sample_paths
from nudge.whatsapp import parse_path

EXPECTED = {
    "WhatsApp Chat with Trip to Lisbon.txt": (
        "android dmy 24h", "Trip to Lisbon", 188,
        {"text": 166, "media": 13, "system": 5, "location": 2, "deleted": 1, "poll": 1},
    ),
    "WhatsApp Chat with Ana.txt": (
        "ios dmy 24h", "Ana", 63,
        {"text": 52, "media": 7, "system": 1, "deleted": 1, "call": 1, "location": 1},
    ),
    "WhatsApp Chat - Family.zip": (
        "ios mdy 12h", "Family", 40,
        {"text": 29, "media": 3, "system": 3, "call": 2, "deleted": 1, "location": 1,
         "contact": 1},
    ),
}


@pytest.fixture(scope="module")
def exports():
    return {path.name: parse_path(path) for path in sample_paths()}


def test_every_sample_exists_and_is_listed():
    assert [p.name for p in sample_paths()] == list(EXPECTED)
    assert all(p.is_file() for p in sample_paths())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_sample_parses_with_expected_counts_and_kinds(exports, name):
    fmt, chat, count, kinds = EXPECTED[name]
    export = exports[name]
    assert (export.format, export.chat_name, len(export.messages)) == (fmt, chat, count)
    assert Counter(m.kind for m in export.messages) == kinds
    assert sum(m.edited for m in export.messages) == 1
    assert all(m.sender is None for m in export.messages if m.kind == "system")


def test_the_group_sample_has_its_people_and_a_busiest_day(exports):
    messages = exports["WhatsApp Chat with Trip to Lisbon.txt"].messages
    senders = {m.sender for m in messages} - {None}
    assert senders == {"Sam", "Emre", "Ana", "Ben", "Lia", "+351 912 345 678"}
    per_day = Counter(m.sent_at.date().isoformat() for m in messages)
    assert per_day.most_common(1)[0] == ("2024-11-26", 76)
    assert min(per_day) == "2024-11-24" and max(per_day) == "2024-11-28"
    assert any("@Sam are you coming Friday" in m.text for m in messages)
    assert any("\n" in m.text for m in messages if m.kind == "text")


def test_ana_asks_sam_a_question_on_26_november_that_stays_unanswered(exports):
    messages = exports["WhatsApp Chat with Ana.txt"].messages
    day = [m for m in messages if m.sent_at.date().isoformat() == "2024-11-26"]
    assert day[-1].sender == "Ana" and day[-1].text.rstrip().endswith("volvamos")
    assert "?" in day[-1].text


def test_the_family_zip_holds_its_photos_and_names_them_in_messages(exports):
    export = exports["WhatsApp Chat - Family.zip"]
    attached = [m.attachment for m in export.messages if m.attachment]
    assert attached == export.media_files == list(make_family_zip.PHOTOS)


def test_the_family_zip_regenerates_byte_for_byte(tmp_path):
    fresh = make_family_zip.write(tmp_path / make_family_zip.ZIP_NAME)
    bundled = sample_paths()[2]
    assert fresh.read_bytes() == bundled.read_bytes()
