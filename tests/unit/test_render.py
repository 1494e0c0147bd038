"""HTML rendering: chat text is escaped everywhere, and long answers split into valid parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from nudge.domain import ImportResult
from nudge.faces.telegram.render import (
    MAX_MESSAGE,
    esc,
    render_digest,
    render_import,
    render_search,
    render_suggestions,
    split_message,
    utf16_len,
)
from nudge.features.digest import ChatDigest, Digest, DigestItem

NOON = datetime(2024, 5, 8, 12, 0)


def _balanced(part: str) -> bool:
    """Every tag opened in the part is closed in it, in order (what Telegram's parser wants)."""
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", part):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_digest_escapes_markup_in_chat_names_senders_and_texts():
    chat = ChatDigest("<Team & Co>", "group", 2, {"A<b>": 2}, gist="x < y & z",
                      needs_reply=[DigestItem("A<b>", NOON, "is 3 > 2 & <i>ok</i>?")])
    text = render_digest(Digest(date(2024, 5, 8), "unavailable", [chat])).html
    assert "&lt;Team &amp; Co&gt;" in text
    assert "x &lt; y &amp; z" in text
    assert "is 3 &gt; 2 &amp; &lt;i&gt;ok&lt;/i&gt;?" in text
    assert "extractive summaries" in text
    assert _balanced(text)


def test_a_digest_plan_gets_an_add_to_calendar_button():
    from zoneinfo import ZoneInfo

    from nudge.rules.plans import find_plans

    said = datetime(2024, 5, 8, 9, 0)
    [plan] = find_plans("Party Thursday 20:00 at Rui's", said_at=said, tz=ZoneInfo("Europe/Lisbon"),
                        sender="Ana", message_id=42)
    chat = ChatDigest("Trip", "group", 1, {"Ana": 1}, gist="Ana plans a party.", plans=[plan])
    reply = render_digest(Digest(date(2024, 5, 8), "ok", [chat]))
    assert "📅 Thu 09 May 20:00" in reply.html and _balanced(reply.html)
    [[(label, data)]] = reply.buttons
    assert label.startswith("📅 Add:") and data == "ics:42"


def test_empty_digest_says_so():
    assert "No messages that day." in render_digest(Digest(date(2024, 5, 8), "ok", [])).html


@dataclass
class Hit:
    chat: str
    sender: str | None
    sent_at: datetime
    text: str
    score: float = 1.0
    message_id: int = 1


def test_search_shows_chat_sender_time_and_the_grounded_answer():
    text = render_search("party", [Hit("Trip", "Emre", NOON, "Party at <8>")], "Emre said 8 & more.")
    assert "<b>Trip</b> · <i>Emre</i> · 2024-05-08 12:00" in text
    assert "Party at &lt;8&gt;" in text
    assert "Emre said 8 &amp; more." in text
    assert "Nothing found" in render_search("x<y", [], None)
    assert "x&lt;y" in render_search("x<y", [], None)


@dataclass
class Sugg:
    chat: str
    replying_to: list
    replies: list
    ids: list
    sources: list
    message: str = ""


def test_suggestions_say_where_each_came_from_and_get_approve_and_copy_buttons():
    reply = render_suggestions(Sugg("Ana", [DigestItem("Ana", NOON, "Dinner?")], ["Yes!", "No <3"],
                                    [7, 8], ["yours", "template"]))
    assert "1. Yes! · <i>your words</i>" in reply.html and "2. No &lt;3 · <i>template</i>" in reply.html
    assert "/approve 7 your words" in reply.html and "1 = 7, 2 = 8" in reply.html
    assert reply.buttons == [[("✅ 1", "approve:7"), ("📋 1", "copy:7")],
                             [("✅ 2", "approve:8"), ("📋 2", "copy:8")]]


def test_import_answer_names_new_and_known_counts():
    assert render_import(ImportResult("Trip", 412, 3, 0)) == \
        "412 new messages in <b>'Trip'</b>, 3 already known."


def test_import_answer_says_when_the_export_continued_a_renamed_chat():
    text = render_import(ImportResult("Trip 2025", 5, 40, 0, renamed_from="Trip"))
    assert text.startswith("5 new messages in <b>'Trip 2025'</b>, 40 already known.\n")
    assert "<b>'Trip'</b>, renamed" in text


def test_long_text_splits_on_line_boundaries_under_the_limit():
    lines = [f"line {i} " + "x" * 90 for i in range(200)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert "\n".join(parts).split("\n") == lines


def test_a_single_overlong_line_is_cut_without_breaking_tags_or_entities():
    line = "<b>" + esc("a<b & c " * 1500) + "</b>"
    parts = split_message(line)
    assert len(parts) > 1
    assert all(utf16_len(p) <= MAX_MESSAGE and _balanced(p) for p in parts)
    assert all(not re.search(r"&\w*$", p.removesuffix("</b>")) for p in parts)
    assert "".join(p.removeprefix("<b>").removesuffix("</b>") for p in parts) == esc("a<b & c " * 1500)


def test_emoji_count_twice_towards_the_limit():
    parts = split_message("😀" * 3000)
    assert len(parts) == 2 and all(utf16_len(p) <= MAX_MESSAGE for p in parts)


def test_voice_notes_show_a_microphone_before_the_sender():
    spoken = DigestItem("Ana", datetime(2024, 5, 8, 10, 1), "Rehearsal moved to Thursday", voice=True)
    later = DigestItem("Luis", datetime(2024, 5, 8, 10, 5), "Nos vemos <mañana>", voice=True)
    chat = ChatDigest("Band", "group", 2, {"Ana": 1, "Luis": 1}, gist="Rehearsal news.",
                      key_points=[spoken], voice_notes=[later])
    html = render_digest(Digest(date(2024, 5, 8), "ok", [chat])).html
    assert "• 10:01 <i>🎤 Ana</i>: Rehearsal moved to Thursday" in html
    assert "🎤 <i>Luis</i> 10:05: Nos vemos &lt;mañana&gt;" in html
    assert chat.to_json()["voice_notes"][0]["voice"] is True
def test_a_busy_digest_numbers_its_items_and_keeps_the_keyboard_within_telegrams_limits():
    items = [DigestItem("Ana", NOON, f"question {n}?", message_id=10**12 + n) for n in range(30)]
    chats = [ChatDigest(f"Chat {n} with a very long name indeed", "group", 3, {"Ana": 3},
                        chat_id=10**12 + n, needs_reply=items[:3]) for n in range(20)]
    reply = render_digest(Digest(date(2024, 5, 8), "ok", chats))
    assert "❓ 1. 12:00 <i>Ana</i>: question 0?" in reply.html
    assert sum(len(row) for row in reply.buttons) <= 100 and all(len(row) <= 8 for row in reply.buttons)
    assert all(len(data.encode()) <= 64 for row in reply.buttons for _, data in row)
    assert reply.buttons[0] == [("❗ 1", f"crit:{10**12}"), ("🙈 1", f"ign:{10**12}"),
                                ("⏰ 1", f"later:{10**12}")]
    assert reply.buttons[-1][0][1] == f"sug:{10**12 + 7}"  # eight chat rows at most
