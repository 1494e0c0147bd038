"""Store WhatsApp exports and collector batches idempotently; enrichment runs behind them.

Imports only store (and answer at once); new messages join the enrichment backlog
(nudge.features.enrichment), which a job, `nudge import`'s wait or the schedules drain. Passing
`embed` still enriches right after storing, in the same call (tests, the demo, benchmarks).

Counting (the `nudge import` / `POST /ingest` answer):
- inserted: messages stored by this call;
- duplicates: messages already stored before (same source key), e.g. from an earlier or
  overlapping export, or repeated inside the batch;
- skipped: messages deliberately not stored: WhatsApp's system boilerplate that says nothing about
  the conversation (the end-to-end encryption notice, security-code changes, disappearing-message
  settings) and text messages with no text at all.
inserted + duplicates + skipped == number of messages given.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from nudge.domain import MESSAGE_KINDS, ChatType, ImportResult, Message, ParsedExport
from nudge.errors import InputError
from nudge.features.enrichment import TRANSCRIBE_LIMIT, Embed, enrich_available
from nudge.features.identity import is_me, my_name, overlap_sample, same_chat
from nudge.llm import Transcriber
from nudge.store import chats
from nudge.store import messages as store
from nudge.store.contacts import upsert_contacts
from nudge.store.users import ensure_user

log = logging.getLogger(__name__)

# Stores a batch's voice-note audio inside the import's transaction: (conn, chat id, new keys).
AttachAudio = Callable[[psycopg.Connection[Any], int, list[bytes]], None]

# Lower-case fragments of system notices that carry nothing worth keeping (several languages).
_NOISE = (
    "end-to-end encrypted", "security code changed", "security code with",
    "disappearing messages", "uçtan uca şifreli", "güvenlik kodu",
    "ende-zu-ende-verschlüsselt", "sicherheitsnummer", "cifrado de extremo a extremo",
    "chiffrés de bout en bout", "crittografia end-to-end", "ponta-a-ponta",
)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message pushed by the collector (`POST /ingest` JSON); `id` is WhatsApp's, if known."""

    sent_at: datetime
    sender: str | None
    text: str
    kind: str = "text"
    from_me: bool = False
    id: str | None = None
    attachment: str | None = None  # a media file's name
    audio: bytes | None = None  # a voice note's audio (transcribed, then dropped)


def is_noise(kind: str, sender: str | None, text: str) -> bool:
    """True for messages the counting rules call skipped (see the module docstring)."""
    if kind == "text" and not text.strip():
        return True
    if kind == "system" and sender is None:
        low = text.casefold()
        return any(fragment in low for fragment in _NOISE)
    return False


def chat_type_of(participants: int) -> ChatType:
    """More than two distinct senders (the user included) means a group."""
    return "group" if participants > 2 else "one_to_one"


_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_HEAD = struct.Struct(">4sI").pack


def _chat_prefix(name: str) -> bytes:
    """The first 4 bytes of a chat's keys, from its key name (chats.key_name: the first name the
    chat had, which a rename does not change)."""
    return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).digest()


def _key(prefix: bytes, second: int, *parts: str) -> bytes:
    """20-byte source key: chat prefix (4 bytes), a second (4: 0 for keys that must not depend on
    the time), then 12 bytes of blake2b over the parts. Keys of one chat sort by time, so an
    import appends to the unique index instead of probing it at random (see 0002_core.sql)."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return _HEAD(prefix, second & 0xFFFFFFFF) + hashlib.blake2b(joined, digest_size=12).digest()


def _stamp(sent_at: datetime) -> tuple[str, int]:
    """(ISO text hashed into the key, second since 1970 that orders it)."""
    return sent_at.isoformat(), (sent_at - _EPOCH) // _SECOND


def import_export(conn: psycopg.Connection[Any], parsed: ParsedExport, *, user_id: int,
                  chat_name: str | None = None, me: str | None = None,
                  embed: Embed | None = None, renamed_from: str | None = None,
                  audio: Mapping[str, bytes] | None = None, transcriber: Transcriber | None = None,
                  keep_audio: bool = False) -> ImportResult:
    """Store one parsed export; re-importing it (or an overlapping one) adds only what is new.

    The source key of a message hashes the chat's key name (its first name, kept across
    renames), time, sender, text and the occurrence index of that exact (time, sender, text) in
    the file, so identical messages in the same minute are all kept. `me` (case-insensitive;
    default: the name on the user's profile) marks the user's own messages. An export under a
    new name that continues a stored chat (`renamed_from`, or its messages overlap that chat's:
    nudge.features.identity.same_chat) is stored in that chat, which is renamed. `audio`: the
    voice notes' files from a zip export (nudge.whatsapp.voice.audio_members), stored with their
    messages and transcribed by the enrichment (by `transcriber` here, given one).
    """
    name = (chat_name or parsed.chat_name or "").strip()
    if not name:
        raise InputError(f"{parsed.source or 'export'}: no chat name; pass one (--chat NAME)")
    if me is None:
        me = my_name(conn, user_id=user_id)
    senders = {m.sender for m in parsed.messages if m.sender is not None}
    contacts = {s for s in senders if not is_me(s, me)}
    same_as = same_chat(conn, user_id=user_id, name=name, renamed_from=renamed_from,
                        sample=overlap_sample(parsed.messages))
    batch = _Batch(expected=len(parsed.messages))
    batch.make = lambda key_name: _export_rows(batch, parsed.messages, key_name=key_name,
                                               mine=set(senders) - contacts)
    attach: AttachAudio | None = None
    if audio:
        from nudge.features.transcription import attach_export_audio

        def attach(conn: psycopg.Connection[Any], chat_id: int, keys: list[bytes]) -> None:
            attach_export_audio(conn, user_id=user_id, chat_id=chat_id, audio=audio,
                                keep=keep_audio)
    return _store(conn, user_id=user_id, name=name, chat_type=chat_type_of(len(senders)),
                  explicit_type=False, batch=batch, contacts=contacts, embed=embed,
                  same_as=same_as, attach=attach, transcriber=transcriber)


@dataclass(slots=True)
class _Batch:
    """The rows to store, produced by `make(key_name)` as they are consumed, so the COPY into a
    new chat overlaps key hashing here with the server's work (the key name is the chat's, known
    once the chat row is locked). count, skipped and last are final once an iteration has
    finished; iterating again (the rare merge retry) produces the rows again."""

    make: Callable[[str], Iterator[store.StageRow]] = lambda key_name: iter(())
    expected: int = 0  # about how many rows make() yields
    count: int = 0
    skipped: int = 0
    last: datetime | None = None


def _export_rows(batch: _Batch, messages: Sequence[Message], *, key_name: str,
                 mine: set[str]) -> Iterator[store.StageRow]:
    """Rows of an export's messages (the hot loop of a large import: keep it lean)."""
    prefix = _chat_prefix(key_name)
    seen: dict[tuple[datetime, str | None, str], int] = {}
    stamps: dict[datetime, tuple[str, int]] = {}  # exports repeat each minute many times
    seen_get = seen.get
    stamp_get = stamps.get
    blake2b = hashlib.blake2b
    head = _HEAD
    count = skipped = 0
    last: datetime | None = None
    for m in messages:
        sent_at, sender, text, kind = m.sent_at, m.sender, m.text, m.kind
        ident = (sent_at, sender, text)
        occurrence = seen_get(ident, 0)
        seen[ident] = occurrence + 1
        if (kind == "text" or kind == "system") and is_noise(kind, sender, text):
            skipped += 1
            continue
        stamp = stamp_get(sent_at)
        if stamp is None:
            stamp = stamps[sent_at] = _stamp(sent_at)
            if last is None or sent_at > last:
                last = sent_at
        joined = f"{key_name}\x1f{stamp[0]}\x1f{sender or ''}\x1f{text}\x1f{occurrence}"
        count += 1
        yield (head(prefix, stamp[1] & 0xFFFFFFFF)
               + blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=12).digest(),
               sender, sender in mine, sent_at, kind, text, m.attachment, m.edited,
               kind == "deleted")
    batch.count, batch.skipped, batch.last = count, skipped, last


def ingest_batch(conn: psycopg.Connection[Any], *, user_id: int, chat_name: str,
                 chat_type: ChatType | None, messages: Sequence[IncomingMessage],
                 embed: Embed | None = None, chat_id: str | None = None,
                 me: str | None = None, transcriber: Transcriber | None = None,
                 keep_audio: bool = False) -> ImportResult:
    """Store a collector batch. Messages with an `id` are keyed by it; others like an export's.

    `chat_id`: the collector's own id of the chat; it identifies the chat across renames (a new
    name renames the stored chat). `chat_type` None means: detect it from the senders, like an
    export. A message is the user's when the collector says so (`from_me`) or its sender is the
    user's name (`me`, default: the profile's). A sent_at with an offset is stored as the
    wall-clock time it shows (the offset is dropped, not converted).
    """
    name = (chat_name or "").strip()
    if not name:
        raise InputError("chat name is empty")
    if chat_type not in (None, "one_to_one", "group"):
        raise InputError(f"chat type must be one_to_one or group, got {chat_type!r}")
    external_id = chat_id.strip() if chat_id and chat_id.strip() else None
    if me is None:
        me = my_name(conn, user_id=user_id)
    seen: dict[tuple[datetime, str | None, str], int] = {}
    kept: list[tuple[IncomingMessage, datetime, int, bool]] = []
    audio: dict[bytes, tuple[str, bytes]] = {}  # filled as the rows are made (keys need the chat)
    contacts: set[str] = set()
    skipped = 0
    last: datetime | None = None
    for m in messages:
        if m.kind not in MESSAGE_KINDS:
            raise InputError(f"unknown message kind {m.kind!r} (one of {', '.join(MESSAGE_KINDS)})")
        sent_at = m.sent_at.replace(tzinfo=None)  # keep the wall clock the sender saw
        ident = (sent_at, m.sender, m.text)
        occurrence = seen.get(ident, 0)
        seen[ident] = occurrence + 1
        mine = m.from_me or is_me(m.sender, me)
        if m.sender is not None and not mine:
            contacts.add(m.sender)
        if is_noise(m.kind, m.sender, m.text):
            skipped += 1
            continue
        kept.append((m, sent_at, occurrence, mine))
        if last is None or sent_at > last:
            last = sent_at

    def rows(key_name: str) -> Iterator[store.StageRow]:
        prefix = _chat_prefix(key_name)
        for m, sent_at, occurrence, mine in kept:
            if m.id:
                key = _key(prefix, 0, "id", key_name, m.id)
            else:
                stamp, second = _stamp(sent_at)
                key = _key(prefix, second, key_name, stamp, m.sender or "", m.text,
                           str(occurrence))
            if m.audio:
                audio[key] = (m.attachment or "voice-note.ogg", m.audio)
            yield (key, m.sender, mine, sent_at, m.kind, m.text, m.attachment, False,
                   m.kind == "deleted")

    # The user's own messages may carry no name; they still count as one participant.
    participants = len(contacts) + any(mine for _, _, _, mine in kept)
    batch = _Batch(make=rows, count=len(kept), skipped=skipped, last=last)
    attach: AttachAudio | None = None
    if any(m.audio for m, _, _, _ in kept):
        from nudge.features.transcription import attach_keyed_audio

        def attach(conn: psycopg.Connection[Any], chat_id: int, keys: list[bytes]) -> None:
            fresh = set(keys)
            attach_keyed_audio(conn, user_id=user_id, keep=keep_audio,
                               audio={k: v for k, v in audio.items() if k in fresh})
    return _store(conn, user_id=user_id, name=name, chat_type=chat_type or chat_type_of(participants),
                  explicit_type=chat_type is not None, batch=batch, contacts=contacts,
                  embed=embed, external_id=external_id, attach=attach, transcriber=transcriber)


def _store(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
           explicit_type: bool, batch: _Batch, contacts: set[str], embed: Embed | None,
           external_id: str | None = None, same_as: int | None = None,
           attach: AttachAudio | None = None,
           transcriber: Transcriber | None = None) -> ImportResult:
    """One transaction for the rows (and voice-note audio); the enrichment (transcripts,
    embeddings) afterwards when given `embed`, else later, so a slow model holds no locks.

    The chat is found or created first (`external_id`, `same_as`, the name: see
    nudge.store.chats.claim_chat) and its key name decides the message keys."""
    ensure_user(conn, user_id=user_id)
    claim = {"name": name, "chat_type": chat_type, "explicit": explicit_type,
             "external_id": external_id, "same_as": same_as}
    try:
        chat, keys = _write(conn, user_id=user_id, claim=claim, batch=batch, contacts=contacts,
                            merge=False, attach=attach)
    except psycopg.errors.UniqueViolation:  # rare: see nudge.store.messages
        chat, keys = _write(conn, user_id=user_id, claim=claim, batch=batch, contacts=contacts,
                            merge=True, attach=attach)
    # Also with nothing new: a re-import may have brought a voice note's missing audio.
    if embed is not None:
        enrich_available(conn, embed, user_id=user_id, transcriber=transcriber)
    elif transcriber is not None:  # transcripts now, embeddings later with the backlog
        from nudge.features.transcription import transcribe_pending

        transcribe_pending(conn, transcriber, user_id=user_id, limit=TRANSCRIBE_LIMIT)
    return ImportResult(chat=chat.name, inserted=len(keys), duplicates=batch.count - len(keys),
                        skipped=batch.skipped, renamed_from=chat.renamed_from)


def _write(conn: psycopg.Connection[Any], *, user_id: int, claim: dict[str, Any], batch: _Batch,
           contacts: set[str], merge: bool,
           attach: AttachAudio | None = None) -> tuple[chats.ChatRef, list[bytes]]:
    with conn.transaction():
        chat = chats.claim_chat(conn, user_id=user_id, **claim)
        if contacts:
            upsert_contacts(conn, user_id=user_id, names=contacts)
        keys = store.insert_messages(conn, user_id=user_id, chat_id=chat.id,
                                     rows=batch.make(chat.key_name), merge=merge,
                                     new_chat=chat.created, expected=batch.expected,
                                     senders=contacts)
        chats.touch_chat(conn, user_id=user_id, chat_id=chat.id, last=batch.last)
        if attach is not None:
            attach(conn, chat.id, keys)
    return chat, keys
