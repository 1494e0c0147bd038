"""Header layouts: every variant the issue lists parses to the same kind of record."""

from __future__ import annotations

import pytest

from nudge.whatsapp import parse_bytes


def parse_one(line: str, **options: str) -> dict:
    export = parse_bytes(line.encode("utf-8"), source="chat.txt", **options)
    assert len(export.messages) == 1, export.messages
    return export.messages[0].to_json()


@pytest.mark.parametrize(
    ("line", "sent_at", "sender", "text"),
    [
        pytest.param("26/11/2024, 12:32 - Emre: hello", "2024-11-26T12:32:00", "Emre", "hello",
                     id="android"),
        pytest.param("[26.11.24, 12:32:35] Emre: hello", "2024-11-26T12:32:35", "Emre", "hello",
                     id="ios"),
        pytest.param("26.11.14, 12:32:35: Emre: hello", "2014-11-26T12:32:35", "Emre", "hello",
                     id="old-ios"),
        pytest.param("11/26/24, 12:32 PM - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="mdy-12h"),
        pytest.param("2024-11-26 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="ymd-dashes-no-comma"),
        pytest.param("2024.11.26, 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="ymd-dots"),
        pytest.param("2024. 11. 26. 12:32 - Emre: szia", "2024-11-26T12:32:00", "Emre", "szia",
                     id="hungarian"),
        pytest.param("26/11/2024 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="no-comma"),
        pytest.param("6/1/2024, 9:05 - Emre: hi", "2024-01-06T09:05:00", "Emre", "hi",
                     id="unpadded-defaults-to-dmy"),
        pytest.param("26/11/2024 à 12:32 - Emre: salut", "2024-11-26T12:32:00", "Emre", "salut",
                     id="french-a"),
        pytest.param("26.11.2024 klo 12.32 - Emre: moi", "2024-11-26T12:32:00", "Emre", "moi",
                     id="finnish-klo-dotted-time"),
        pytest.param("12:32, 26/11/2024 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="time-before-date"),
        pytest.param("26/11/2024, 12:05 am - Emre: hi", "2024-11-26T00:05:00", "Emre", "hi",
                     id="lowercase-am-midnight"),
        pytest.param("[26/11/2024, 3:45:10\u202fPM] Emre: hi", "2024-11-26T15:45:10", "Emre", "hi",
                     id="narrow-nbsp-pm"),
        pytest.param("26/11/2024, 3:45\u00a0p.m. - Emre: hi", "2024-11-26T15:45:00", "Emre", "hi",
                     id="nbsp-dotted-pm"),
        pytest.param("26/11/2024, 9:15 a. m. - Emre: hola", "2024-11-26T09:15:00", "Emre", "hola",
                     id="spanish-a-m"),
        pytest.param("26/11/2024, 9:15 p. m. - Emre: hola", "2024-11-26T21:15:00", "Emre", "hola",
                     id="spanish-p-m"),
        pytest.param("26.11.24, 3:45 nachm. - Emre: hallo", "2024-11-26T15:45:00", "Emre", "hallo",
                     id="german-nachm"),
        pytest.param("26.11.24, 9:45 vorm. - Emre: hallo", "2024-11-26T09:45:00", "Emre", "hallo",
                     id="german-vorm"),
        pytest.param("2024/11/26 下午3:45 - Emre: 你好", "2024-11-26T15:45:00", "Emre", "你好",
                     id="chinese-period-before-time"),
        pytest.param("\u200f26\u200f/11\u200f/2024\u060c 12:32 - Emre: hi", "2024-11-26T12:32:00",
                     "Emre", "hi", id="marks-inside-date-arabic-comma"),
        pytest.param("26/11/2024، 3:45 م - Emre: hi", "2024-11-26T15:45:00", "Emre", "hi",
                     id="arabic-pm"),
        pytest.param("26/11/2567 BE, 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="buddhist-era-marked"),
        pytest.param("26/11/2567, 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="buddhist-era-year"),
        pytest.param("26/11/2024, 12:32 - \u202a+44 7700 900123\u202c: hi", "2024-11-26T12:32:00",
                     "+44 7700 900123", "hi", id="phone-number-in-marks"),
        pytest.param("26/11/2024, 12:32 - ~\u202fLia: hi", "2024-11-26T12:32:00", "Lia", "hi",
                     id="unsaved-contact-narrow-space"),
        pytest.param("26/11/2024, 12:32 - ~ Lia: hi", "2024-11-26T12:32:00", "Lia", "hi",
                     id="unsaved-contact"),
        pytest.param("26/11/2024, 12:32 - Ana\u00a0María: hi", "2024-11-26T12:32:00", "Ana María",
                     "hi", id="odd-space-in-name"),
        pytest.param("\ufeff26/11/2024, 12:32 - Emre: hi", "2024-11-26T12:32:00", "Emre", "hi",
                     id="bom"),
        pytest.param("26/11/2024, 12:32 - Emre: null", "2024-11-26T12:32:00", "Emre", "",
                     id="null-body"),
    ],
)
def test_header_variants_give_time_sender_and_text(line, sent_at, sender, text):
    record = parse_one(line)
    assert (record["sent_at"], record["sender"], record["text"]) == (sent_at, sender, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26/11/2024, 12:32 - Emre: hi\n", "android dmy 24h"),
        ("[26/11/24, 12:32:35] Emre: hi\n", "ios dmy 24h"),
        ("26.11.14, 12:32:35: Emre: hi\n", "ios-old dmy 24h"),
        ("[11/26/24, 3:45:10\u202fPM] Emre: hi\n", "ios mdy 12h"),
        ("2024-11-26, 12:32 - Emre: hi\n", "android ymd 24h"),
    ],
)
def test_format_names_layout_order_and_clock(text, expected):
    assert parse_bytes(text.encode(), source="chat.txt").format == expected


def test_multi_line_messages_keep_their_line_breaks_and_start_lines():
    text = (
        "26/11/2024, 12:32 - Emre: Party list:\n"
        "Ana: cake\n"
        "\n"
        "Ben: drinks\n"
        "26/11/2024, 12:33 - Ana: ok\n"
    )
    messages = parse_bytes(text.encode(), source="chat.txt").messages
    assert [m.text for m in messages] == ["Party list:\nAna: cake\n\nBen: drinks", "ok"]
    assert [m.line for m in messages] == [1, 5]


def test_a_line_with_a_date_that_is_not_a_header_stays_in_the_body():
    text = "26/11/2024, 12:32 - Emre: see you\n26/11/2024 is the day\n"
    (message,) = parse_bytes(text.encode(), source="chat.txt").messages
    assert message.text == "see you\n26/11/2024 is the day"


def test_ios_lines_may_start_with_a_direction_mark():
    text = (
        "[26/11/2024, 12:32:35] Emre: hi\n"
        "\u200e[26/11/2024, 12:33:00] Emre: \u200eimage omitted\n"
    )
    messages = parse_bytes(text.encode(), source="chat.txt").messages
    assert [(m.kind, m.text) for m in messages] == [("text", "hi"), ("media", "")]


def test_a_phone_switched_to_a_12_hour_clock_late_in_the_chat_is_still_read():
    early = [f"26/11/2024, 10:{m:02d} - Emre: early {m}" for m in range(60)] * 40
    late = [f"27/11/2024, 3:{m:02d} PM - Emre: late {m}" for m in range(60)] * 40
    text = "\n".join(early + late) + "\n"
    export = parse_bytes(text.encode(), source="chat.txt")
    assert len(export.messages) == 4800
    assert export.messages[-1].to_json()["sent_at"] == "2024-11-27T15:59:00"
