"""Regenerates `WhatsApp Chat - Family.zip`: an iOS (US English, 12-hour) group export.

Run: .venv/bin/python layers/core/python/nudge/samples/make_family_zip.py
The zip holds `_chat.txt` and two tiny but valid JPEG photos, built here with the standard
library only, so the sample stays reproducible byte for byte.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP_NAME = "WhatsApp Chat - Family.zip"
LRM = "\u200e"
NNBSP = "\u202f"  # iOS puts a narrow no-break space before AM/PM
PHOTOS = ("00000003-PHOTO-2024-11-26-18-02-11.jpg", "00000031-PHOTO-2024-11-28-10-15-40.jpg")
FIXED_TIME = (2024, 11, 29, 9, 0, 0)  # zip member timestamps, so reruns give the same bytes

# (date m/d/yy, time, sender, text); "@" at the start of a text stands for iOS's U+200E.
CHAT = [
    ("11/24/24", "9:01:15 AM", "Family",
     "@Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
     "WhatsApp, can read or listen to them."),
    ("11/24/24", "9:01:15 AM", "Family", "@Mom created group “Family”"),
    ("11/24/24", "9:01:16 AM", "Family", "@Mom added Dad and Sam"),
    ("11/24/24", "9:03:40 AM", "Mom", "Now we have a family group 😊"),
    ("11/24/24", "9:10:02 AM", "Dad", "Very modern"),
    ("11/24/24", "9:12:55 AM", "Sam", "Welcome to 2024 haha"),
    ("11/24/24", "6:45:20 PM", "Mom", "Sam, did you pack the warm jacket?"),
    ("11/24/24", "7:02:11 PM", "Sam", "Yes mom"),
    ("11/24/24", "7:03:30 PM", "Mom", "And your charger?"),
    ("11/24/24", "7:05:00 PM", "Sam", "Yes 🙄"),
    ("11/25/24", "8:15:33 AM", "Dad", "Don't forget to send us a message when you land"),
    ("11/25/24", "8:30:02 AM", "Sam", "Will do"),
    ("11/25/24", "12:20:45 PM", "Mom", "@Missed voice call"),
    ("11/25/24", "12:40:10 PM", "Sam", "Sorry was in a meeting, call you tonight"),
    ("11/25/24", "8:12:00 PM", "Mom", "@Voice call, @14 min"),
    ("11/26/24", "10:52:31 AM", "Sam", "Landed in Lisbon! All good"),
    ("11/26/24", "10:53:02 AM", "Mom", "❤️❤️❤️"),
    ("11/26/24", "11:01:45 AM", "Dad", "Enjoy! Drive carefully"),
    ("11/26/24", "6:02:11 PM", "Sam", "@<attached: 00000003-PHOTO-2024-11-26-18-02-11.jpg>"),
    ("11/26/24", "6:02:30 PM", "Sam", "View from our flat"),
    ("11/26/24", "6:10:12 PM", "Mom", "Beautiful!! Is it safe there at night?"),
    ("11/26/24", "6:15:40 PM", "Dad", "Of course it is, Lisbon is lovely"),
    ("11/26/24", "6:16:05 PM", "Mom", "I was asking Sam"),
    ("11/26/24", "9:30:18 PM", "Mom", "Sam are you eating well? Call grandma tomorrow, it's her birthday"),
    ("11/27/24", "9:05:44 AM", "Dad", "@image omitted"),
    ("11/27/24", "9:06:02 AM", "Dad", "The new fence is done"),
    ("11/27/24", "9:40:13 AM", "Mom", "@This message was deleted."),
    ("11/27/24", "10:12:27 AM", "Sam", "Looks great dad! @<This message was edited>"),
    ("11/27/24", "1:20:00 PM", "Mom", "Did you call grandma?"),
    ("11/27/24", "3:45:51 PM", "Sam", "Yes! She was so happy"),
    ("11/27/24", "3:46:30 PM", "Mom", "🥰"),
    ("11/27/24", "8:00:09 PM", "Dad", "@Location: https://maps.google.com/?q=51.507400,-0.127800"),
    ("11/27/24", "8:00:30 PM", "Dad", "Dinner at the usual place, we'll toast to you"),
    ("11/28/24", "10:15:40 AM", "Mom", "@<attached: 00000031-PHOTO-2024-11-28-10-15-40.jpg>"),
    ("11/28/24", "10:15:55 AM", "Mom", "Found your old photo album\nLook at little Sam!"),
    ("11/28/24", "10:30:21 AM", "Sam", "Mom nooo 😂"),
    ("11/28/24", "12:02:02 PM", "Dad", "@Contact card omitted"),
    ("11/28/24", "12:02:40 PM", "Dad", "That's the plumber, save it for when you're back"),
    ("11/28/24", "7:15:00 PM", "Mom", "Have fun at the party tonight! Send pictures"),
    ("11/28/24", "11:58:12 PM", "Sam", "It was great, going to sleep now. Love you"),
]


def chat_text() -> str:
    """The `_chat.txt` iOS would write: CRLF line ends, U+200E before placeholders."""
    lines = []
    for day, clock, sender, text in CHAT:
        clock = clock.replace(" ", NNBSP)
        body = text.replace("@", LRM)
        lead = LRM if body.startswith(LRM) else ""  # iOS also marks the line itself
        lines.append(f"{lead}[{day}, {clock}] {sender}: {body}")
    return "\r\n".join(lines) + "\r\n"


def tiny_jpeg(gray: int) -> bytes:
    """A valid 8x8 grayscale baseline JPEG of one flat shade (only the DC coefficient is set)."""
    dc = 8 * (gray - 128)  # DCT of a flat block with an all-ones quantisation table
    size = max(dc, -dc).bit_length()
    bits = f"{dc if dc >= 0 else dc + (1 << size) - 1:0{size}b}" if size else ""
    scan = "0" + bits + "0"  # DC category (1-bit code), its bits, then end-of-block (1-bit code)
    scan += "1" * (-len(scan) % 8)
    data = bytes(int(scan[i:i + 8], 2) for i in range(0, len(scan), 8)).replace(b"\xff", b"\xff\x00")

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15)  # one Huffman code of length 1
    return b"".join([
        b"\xff\xd8",
        segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xFFDB, b"\x00" + b"\x01" * 64),
        segment(0xFFC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"),
        segment(0xFFC4, b"\x00" + one_code + bytes([size])),
        segment(0xFFC4, b"\x10" + one_code + b"\x00"),
        segment(0xFFDA, b"\x01\x01\x00\x00\x3f\x00"),
        data,
        b"\xff\xd9",
    ])


def write(target: Path = HERE / ZIP_NAME) -> Path:
    """Write the zip (deterministic: fixed member order and timestamps)."""
    members = [("_chat.txt", chat_text().encode("utf-8"))]
    members += [(name, tiny_jpeg(gray)) for name, gray in zip(PHOTOS, (176, 96), strict=True)]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return target


if __name__ == "__main__":
    print(write())
