"""Body kinds: placeholders, markers and system lines in the languages exports use."""

from __future__ import annotations

import pytest

from nudge.whatsapp import parse_bytes

ANDROID = "26/11/2024, 12:32 - "
IOS = "[26/11/2024, 12:32:35] "
LRM = "\u200e"


def records(text: str) -> list[dict]:
    export = parse_bytes(text.encode("utf-8"), source="chat.txt")
    return [m.to_json() for m in export.messages]


@pytest.mark.parametrize(
    ("line", "kind", "text", "edited", "attachment"),
    [
        pytest.param("Emre: hello there", "text", "hello there", False, None, id="text"),
        pytest.param("Emre: <Media omitted>", "media", "", False, None, id="media-en"),
        pytest.param("Emre: <Medien ausgeschlossen>", "media", "", False, None, id="media-de"),
        pytest.param("Emre: <Multimedia omitido>", "media", "", False, None, id="media-es"),
        pytest.param("Emre: <Médias omis>", "media", "", False, None, id="media-fr"),
        pytest.param("Emre: This message was deleted", "deleted", "", False, None, id="deleted"),
        pytest.param("Emre: You deleted this message", "deleted", "", False, None,
                     id="you-deleted"),
        pytest.param("Emre: Diese Nachricht wurde gelöscht", "deleted", "", False, None,
                     id="deleted-de"),
        pytest.param("Emre: Se eliminó este mensaje.", "deleted", "", False, None,
                     id="deleted-es"),
        pytest.param("Emre: see you at 8 <This message was edited>", "text", "see you at 8", True,
                     None, id="edited-en"),
        pytest.param("Emre: bis gleich <Diese Nachricht wurde bearbeitet>", "text", "bis gleich",
                     True, None, id="edited-de"),
        pytest.param("Emre: hasta luego <Se editó este mensaje.>", "text", "hasta luego", True,
                     None, id="edited-es"),
        pytest.param("Emre: IMG-20241126-WA0001.jpg (file attached)\nthe view",
                     "media", "the view", False, "IMG-20241126-WA0001.jpg", id="attached-caption"),
        pytest.param("Emre: IMG-20241126-WA0001.jpg (Datei angehängt)", "media", "", False,
                     "IMG-20241126-WA0001.jpg", id="attached-de"),
        pytest.param("Emre: Ana Silva.vcf (file attached)", "contact", "", False,
                     "Ana Silva.vcf", id="contact-card-file"),
        pytest.param("Emre: POLL:\nDinner?\nOPTION: Fish (2 votes)\nOPTION: Pizza (1 vote)",
                     "poll", "POLL:\nDinner?\nOPTION: Fish (2 votes)\nOPTION: Pizza (1 vote)",
                     False, None, id="poll"),
        pytest.param("Emre: location: https://maps.google.com/?q=38.71216,-9.12939", "location",
                     "location: https://maps.google.com/?q=38.71216,-9.12939", False, None,
                     id="location"),
        pytest.param("Emre: null", "media", "", False, None, id="null"),
        pytest.param("Emre: a (small) <3 thing", "text", "a (small) <3 thing", False, None,
                     id="brackets-in-plain-text"),
    ],
)
def test_android_bodies_get_their_kind(line, kind, text, edited, attachment):
    (record,) = records(ANDROID + line)
    assert (record["kind"], record["text"], record["edited"], record["attachment"]) == (
        kind, text, edited, attachment)


@pytest.mark.parametrize(
    ("line", "kind", "text", "edited", "attachment"),
    [
        pytest.param(f"Emre: {LRM}image omitted", "media", "", False, None, id="image"),
        pytest.param(f"Emre: {LRM}Bild weggelassen", "media", "", False, None, id="image-de"),
        pytest.param(f"Emre: {LRM}imagen omitida", "media", "", False, None, id="image-es"),
        pytest.param(f"Emre: {LRM}immagine omessa", "media", "", False, None, id="image-it"),
        pytest.param(f"Emre: {LRM}<attached: 00000012-PHOTO-2024-11-26-12-32-35.jpg>", "media",
                     "", False, "00000012-PHOTO-2024-11-26-12-32-35.jpg", id="attached"),
        pytest.param(f"Emre: {LRM}<attached: 00000014-Ana.vcf>", "contact", "", False,
                     "00000014-Ana.vcf", id="attached-contact"),
        pytest.param(f"Emre: {LRM}Contact card omitted", "contact", "", False, None,
                     id="contact-omitted"),
        pytest.param(f"Emre: {LRM}This message was deleted.", "deleted", "", False, None,
                     id="deleted"),
        pytest.param(f"Emre: {LRM}You deleted this message.", "deleted", "", False, None,
                     id="you-deleted"),
        pytest.param(f"Emre: ok {LRM}<This message was edited>", "text", "ok", True, None,
                     id="edited"),
        pytest.param(f"Emre: {LRM}Missed voice call", "call", "Missed voice call", False, None,
                     id="missed-call"),
        pytest.param(f"Emre: {LRM}Voice call, {LRM}12 min", "call", "Voice call, 12 min", False,
                     None, id="call-duration"),
        pytest.param(f"Emre: {LRM}Llamada de voz perdida", "call", "Llamada de voz perdida",
                     False, None, id="missed-call-es"),
        pytest.param(f"Emre: {LRM}POLL:\nDinner?\n{LRM}OPTION: Fish (1 vote)", "poll",
                     "POLL:\nDinner?\nOPTION: Fish (1 vote)", False, None, id="poll"),
        pytest.param(f"Emre: {LRM}Location: https://maps.google.com/?q=1,2", "location",
                     "Location: https://maps.google.com/?q=1,2", False, None, id="location"),
    ],
)
def test_ios_bodies_get_their_kind(line, kind, text, edited, attachment):
    (record,) = records(IOS + line)
    assert (record["kind"], record["text"], record["edited"], record["attachment"]) == (
        kind, text, edited, attachment)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        pytest.param(ANDROID + "Messages and calls are end-to-end encrypted. Tap to learn more.",
                     "Messages and calls are end-to-end encrypted. Tap to learn more.",
                     id="android-no-author"),
        pytest.param(ANDROID + "Emre added Ana", "Emre added Ana", id="android-added"),
        pytest.param(ANDROID + 'Emre changed the subject from "Trip" to "Trip: Lisbon"',
                     'Emre changed the subject from "Trip" to "Trip: Lisbon"',
                     id="android-subject-with-colon"),
        pytest.param(IOS + f"Trip to Lisbon: {LRM}Messages and calls are end-to-end encrypted.",
                     "Messages and calls are end-to-end encrypted.", id="ios-attributed-to-group"),
        pytest.param(IOS + f"Trip to Lisbon: {LRM}Emre created group “Trip to Lisbon”",
                     "Emre created group “Trip to Lisbon”", id="ios-created"),
        pytest.param(IOS + f"Trip to Lisbon: {LRM}Emre added Ana", "Emre added Ana",
                     id="ios-added"),
    ],
)
def test_system_messages_have_no_sender(line, text):
    (record,) = records(line)
    assert (record["kind"], record["sender"], record["text"]) == ("system", None, text)


def test_an_ios_group_name_from_system_lines_names_an_unnamed_chat():
    text = IOS + f"Trip to Lisbon: {LRM}Emre created group “Trip to Lisbon”\n" + IOS + "Emre: hi\n"
    export = parse_bytes(text.encode(), source="_chat.txt")
    assert export.chat_name == "Trip to Lisbon"
    assert [m.sender for m in export.messages] == [None, "Emre"]
