"""What a message body is: text, media, deleted, system, poll, location, contact or call.

Exports mark these with fixed phrases in the phone's language (`<Media omitted>`, `‎imagen
omitida`, `Diese Nachricht wurde gelöscht`, …). Most bodies are plain text, so the parser only
calls `classify` for bodies that `might_be_special` flags, using one C-level scan.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from nudge.whatsapp.headers import MARK_CHARS
from nudge.whatsapp.names import plain

LRM = "\u200e"
_STRIP = MARK_CHARS + " \u00a0\u202f\t"

# Any body that is not plain text has one of these characters (markers, iOS's U+200E), starts
# with one of `SPECIAL_STARTS` (polls, locations), or is one of the phrases in `EXACT_SPECIAL`.
# Each alternative starts with a literal so `re` scans for those characters in C; `.jpg (` is
# how an Android attachment line (`IMG-….jpg (file attached)`) looks in every language.
might_be_special = re.compile(r"<|>|\u200e|\.\w{1,6} \(").search

EDITED_MARKERS = frozenset({
    "<this message was edited>", "<diese nachricht wurde bearbeitet>",
    "<se editó este mensaje.>", "<se editó este mensaje>", "<ce message a été modifié>",
    "<mensagem editada>", "<questo messaggio è stato modificato>", "<dit bericht is bewerkt>",
    "<bu mesaj düzenlendi>", "<сообщение изменено>", "<pesan ini telah diedit>",
})
MEDIA_OMITTED = frozenset({
    # Android
    "<media omitted>", "<medien ausgeschlossen>", "<multimedia omitido>", "<médias omis>",
    "<mídia oculta>", "<arquivo de mídia oculto>", "<media weggelaten>", "<media omessi>",
    "<medya dahil edilmedi>", "<без медиафайлов>", "<media tidak disertakan>", "null",
    # iOS (after the leading U+200E)
    "image omitted", "video omitted", "audio omitted", "sticker omitted", "gif omitted",
    "document omitted", "bild weggelassen", "video weggelassen", "audio weggelassen",
    "sticker weggelassen", "gif weggelassen", "dokument weggelassen", "imagen omitida",
    "video omitido", "audio omitido", "sticker omitido", "gif omitido", "documento omitido",
    "image absente", "vidéo absente", "audio omis", "autocollant omis", "document omis",
    "imagem ocultada", "vídeo omitido", "áudio ocultado", "figurinha omitida",
    "immagine omessa", "video omesso", "audio omesso", "sticker omesso", "documento omesso",
    "afbeelding weggelaten", "video weggelaten", "audio weggelaten", "sticker weggelaten",
})
# iOS writes "<thing> omitted" for every media type; the last word is enough in other languages.
OMITTED_WORDS = frozenset({
    "omitted", "weggelassen", "omitida", "omitido", "absente", "omis", "omise", "ocultada",
    "ocultado", "omessa", "omesso", "weggelaten",
})
CONTACT_OMITTED = frozenset({
    "contact card omitted", "kontaktkarte weggelassen", "tarjeta de contacto omitida",
    "fiche contact omise", "cartão de contato omitido", "scheda contatto omessa",
    "contactkaart weggelaten",
})
DELETED = frozenset({
    "this message was deleted", "you deleted this message", "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht", "se eliminó este mensaje", "eliminaste este mensaje",
    "ce message a été supprimé", "vous avez supprimé ce message", "mensagem apagada",
    "você apagou esta mensagem", "essa mensagem foi apagada", "questo messaggio è stato eliminato",
    "hai eliminato questo messaggio", "dit bericht is verwijderd", "je hebt dit bericht verwijderd",
    "bu mesaj silindi", "bu mesajı sildiniz", "это сообщение удалено", "вы удалили это сообщение",
    "pesan ini telah dihapus", "anda menghapus pesan ini",
})
POLL_HEADS = frozenset({
    "POLL:", "UMFRAGE:", "ENCUESTA:", "SONDAGE:", "SONDAGE :", "ENQUETE:", "SONDAGGIO:",
    "PEILING:", "ANKET:", "ОПРОС:",
})
CALLS = frozenset({
    "missed voice call", "missed video call", "voice call", "video call", "silenced voice call",
    "missed group voice call", "missed group video call", "group voice call", "group video call",
    "verpasster sprachanruf", "verpasster videoanruf", "sprachanruf", "videoanruf",
    "llamada perdida", "llamada de voz perdida", "videollamada perdida", "llamada de voz",
    "videollamada", "appel vocal manqué", "appel vidéo manqué", "appel vocal", "appel vidéo",
    "chamada de voz perdida", "chamada de vídeo perdida", "chamada de voz", "chamada de vídeo",
    "chiamata vocale persa", "videochiamata persa", "chiamata vocale", "videochiamata",
})
LIVE_LOCATION = frozenset({
    "live location shared", "live-standort geteilt", "ubicación en tiempo real compartida",
    "position en direct partagée", "localização em tempo real compartilhada",
})


def _as_written(phrases: frozenset[str]) -> frozenset[str]:
    """The phrases as an export writes them on their own: capitalised or not, with a full stop."""
    forms = set()
    for phrase in phrases:
        for form in (phrase, phrase[:1].upper() + phrase[1:]):
            forms.update((form, form + "."))
    return frozenset(forms)


SPECIAL_STARTS = frozenset(
    form[:5] for form in _as_written(frozenset(head.lower() for head in POLL_HEADS) | frozenset({
        "location:", "standort:", "ubicación:", "position:", "localização:", "posizione:",
        "locatie:", "konum:", "lokasi:", "местоположение:",
    })) | POLL_HEADS
)
# German capitalises nouns inside the phrase; the lists above are in lower case for `classify`.
_GERMAN = frozenset({
    "diese Nachricht wurde gelöscht", "du hast diese Nachricht gelöscht", "live-Standort geteilt",
})
EXACT_SPECIAL = _as_written(
    DELETED | MEDIA_OMITTED | CONTACT_OMITTED | LIVE_LOCATION | CALLS | _GERMAN)
_LOCATION = re.compile(
    r"(?i:location|standort|ubicación|position|localização|posizione|locatie|konum|lokasi"
    r"|местоположение)\s?:\s*(?:\S.*?\s)?https?://\S+$"
)
_ATTACHED = re.compile(
    r"<(?i:attached|anhang|adjunto|anexado|allegato|bijgevoegd|pièce jointe|eklendi"
    r"|прикреплено)\s?:\s*([^<>\n]+?)\s*>"
)
_FILE_ATTACHED = re.compile(
    r"(.+?\.\w{1,6}) \((?i:file attached|datei angehängt|archivo adjunto|fichier joint"
    r"|arquivo anexado|file allegato|bestand bijgevoegd|dosya ekli|файл добавлен)\)"
)


class Body(NamedTuple):
    """A classified body; `system` means the "sender" was really the chat (iOS) or nobody."""

    kind: str
    text: str
    edited: bool = False
    attachment: str | None = None
    system: bool = False


def classify(body: str, *, ios: bool) -> Body:
    """Kind, cleaned text, edited flag and attachment of one message body."""
    text, edited = _without_edited_marker(body)
    core = text.strip(_STRIP)
    key = core.rstrip(".").casefold()
    if key in DELETED or key.startswith("this message was deleted"):
        return Body("deleted", "", edited)
    if key in MEDIA_OMITTED:
        return Body("media", "", edited)
    if key in CONTACT_OMITTED:
        return Body("contact", "", edited)
    first, _, rest = core.partition("\n")
    attached = _attachment(first, rest)
    if attached:
        name, caption = attached
        kind = "contact" if name.lower().endswith(".vcf") else "media"
        return Body(kind, caption, edited, name)
    if first.strip(_STRIP).upper() in POLL_HEADS:
        return Body("poll", plain(core), edited)
    if _LOCATION.match(first) or key in LIVE_LOCATION:
        return Body("location", plain(core), edited)
    if first.split(",", 1)[0].strip(_STRIP).casefold() in CALLS:
        return Body("call", plain(core), edited)
    if ios and body.startswith(LRM):
        words = key.split()
        if 1 < len(words) <= 4 and words[-1] in OMITTED_WORDS:
            return Body("media", "", edited)
        return Body("system", plain(core), edited, system=True)
    return Body("text", text, edited)


def _without_edited_marker(body: str) -> tuple[str, bool]:
    if not body.endswith(">"):
        return body, False
    start = body.rfind("<")
    if start < 0 or body[start:].casefold() not in EDITED_MARKERS:
        return body, False
    return body[:start].rstrip(_STRIP), True


def _attachment(first: str, rest: str) -> tuple[str, str] | None:
    """(file name, caption) for `<attached: NAME>` (iOS) or `NAME (file attached)` (Android)."""
    found = _ATTACHED.search(first) if ">" in first else None
    if found:
        caption = (first[:found.start()] + first[found.end():]).strip(_STRIP)
    else:
        found = _FILE_ATTACHED.fullmatch(first) if first.endswith(")") else None
        if not found:
            return None
        caption = ""
    name = found.group(1).strip(_STRIP)
    if rest:
        caption = f"{caption}\n{rest}" if caption else rest
    return name, caption.strip(_STRIP + "\n")
