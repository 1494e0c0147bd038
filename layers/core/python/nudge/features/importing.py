"""Store WhatsApp exports and collector batches idempotently, then embed what is new.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from nudge.domain import MESSAGE_KINDS, ChatType, ImportResult, Message, ParsedExport
from nudge.errors import InputError, LLMUnavailable
from nudge.llm.distinct import VectorCache, embed_distinct
from nudge.rules.tone import message_sentiment
from nudge.store import chats
from nudge.store import messages as store
from nudge.store.contacts import upsert_contacts
from nudge.store.users import ensure_user

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], list[list[float]]]
EMBED_BATCH = 256  # rows per enrichment step; their distinct texts fill ~one 2048-token llama.cpp batch

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
                  embed: Embed | None = None) -> ImportResult:
    """Store one parsed export; re-importing it (or an overlapping one) adds only what is new.

    The source key of a message hashes chat name, time, sender, text and the occurrence index of
    that exact (time, sender, text) in the file, so identical messages in the same minute are all
    kept. `me` (case-insensitive) marks the user's own messages.
    """
    name = (chat_name or parsed.chat_name or "").strip()
    if not name:
        raise InputError(f"{parsed.source or 'export'}: no chat name; pass one (--chat NAME)")
    me_folded = me.strip().casefold() if me and me.strip() else None
    senders = {m.sender for m in parsed.messages if m.sender is not None}
    contacts = {s for s in senders if me_folded is None or s.casefold() != me_folded}
    batch = _Batch(expected=len(parsed.messages))
    batch.make = lambda: _export_rows(batch, parsed.messages, name=name,
                                      mine=set(senders) - contacts)
    return _store(conn, user_id=user_id, name=name, chat_type=chat_type_of(len(senders)),
                  explicit_type=False, batch=batch, contacts=contacts, embed=embed)


@dataclass(slots=True)
class _Batch:
    """The rows to store, produced by `make()` as they are consumed, so the COPY into a new chat
    overlaps key hashing here with the server's work. count, skipped and last are final once an
    iteration has finished; iterating again (the rare merge retry) produces the rows again."""

    make: Callable[[], Iterator[store.StageRow]] = lambda: iter(())
    expected: int = 0  # about how many rows make() yields
    count: int = 0
    skipped: int = 0
    last: datetime | None = None


def _export_rows(batch: _Batch, messages: Sequence[Message], *, name: str,
                 mine: set[str]) -> Iterator[store.StageRow]:
    """Rows of an export's messages (the hot loop of a large import: keep it lean)."""
    prefix = _chat_prefix(name)
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
        joined = f"{name}\x1f{stamp[0]}\x1f{sender or ''}\x1f{text}\x1f{occurrence}"
        count += 1
        yield (head(prefix, stamp[1] & 0xFFFFFFFF)
               + blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=12).digest(),
               sender, sender in mine, sent_at, kind, text, m.attachment, m.edited,
               kind == "deleted")
    batch.count, batch.skipped, batch.last = count, skipped, last


def ingest_batch(conn: psycopg.Connection[Any], *, user_id: int, chat_name: str,
                 chat_type: ChatType | None, messages: Sequence[IncomingMessage],
                 embed: Embed | None = None) -> ImportResult:
    """Store a collector batch. Messages with an `id` are keyed by it; others like an export's.

    `chat_type` None means: detect it from the senders, like an export. A sent_at with an offset
    is stored as the wall-clock time it shows (the offset is dropped, not converted).
    """
    name = (chat_name or "").strip()
    if not name:
        raise InputError("chat name is empty")
    if chat_type not in (None, "one_to_one", "group"):
        raise InputError(f"chat type must be one_to_one or group, got {chat_type!r}")
    prefix = _chat_prefix(name)
    seen: dict[tuple[datetime, str | None, str], int] = {}
    rows: list[store.StageRow] = []
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
        if m.sender is not None and not m.from_me:
            contacts.add(m.sender)
        if is_noise(m.kind, m.sender, m.text):
            skipped += 1
            continue
        if m.id:
            key = _key(prefix, 0, "id", name, m.id)
        else:
            stamp, second = _stamp(sent_at)
            key = _key(prefix, second, name, stamp, m.sender or "", m.text, str(occurrence))
        rows.append((key, m.sender, m.from_me, sent_at, m.kind, m.text, None, False,
                     m.kind == "deleted"))
        if last is None or sent_at > last:
            last = sent_at
    # The user's own messages may carry no name; they still count as one participant.
    participants = len(contacts) + any(m.from_me for m in messages)
    batch = _Batch(make=rows.__iter__, count=len(rows), skipped=skipped, last=last)
    return _store(conn, user_id=user_id, name=name, chat_type=chat_type or chat_type_of(participants),
                  explicit_type=chat_type is not None, batch=batch, contacts=contacts,
                  embed=embed)


def _store(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
           explicit_type: bool, batch: _Batch, contacts: set[str], embed: Embed | None) -> ImportResult:
    """One transaction for the rows; embeddings afterwards, so a slow model holds no locks."""
    ensure_user(conn, user_id=user_id)
    try:
        keys = _write(conn, user_id=user_id, name=name, chat_type=chat_type,
                      explicit_type=explicit_type, batch=batch, contacts=contacts, merge=False)
    except psycopg.errors.UniqueViolation:  # rare: see nudge.store.messages
        keys = _write(conn, user_id=user_id, name=name, chat_type=chat_type,
                      explicit_type=explicit_type, batch=batch, contacts=contacts, merge=True)
    if embed is not None and keys:
        _embed_rows(conn, embed, store.embeddable_rows(conn, user_id=user_id, keys=keys),
                    user_id=user_id, batch_size=EMBED_BATCH)
    return ImportResult(chat=name, inserted=len(keys), duplicates=batch.count - len(keys),
                        skipped=batch.skipped)


def _write(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
           explicit_type: bool, batch: _Batch, contacts: set[str], merge: bool) -> list[bytes]:
    with conn.transaction():
        chat_id, created = chats.upsert_chat(conn, user_id=user_id, name=name,
                                             chat_type=chat_type, explicit=explicit_type)
        if contacts:
            upsert_contacts(conn, user_id=user_id, names=contacts)
        keys = store.insert_messages(conn, user_id=user_id, chat_id=chat_id, rows=batch.make(),
                                     merge=merge, new_chat=created, expected=batch.expected,
                                     senders=contacts)
        chats.touch_chat(conn, user_id=user_id, chat_id=chat_id, last=batch.last)
    return keys


def _embed_rows(conn: psycopg.Connection[Any], embed: Embed, rows: list[tuple[int, str]], *,
                user_id: int, batch_size: int, cache: VectorCache | None = None) -> int:
    """Enrich rows batch by batch: sentiment (in code) and embedding (the LLM). If the LLM is
    away, the batch keeps its sentiment and the embeddings wait (rows stay NULL); returns how
    many were enriched. Equal texts are embedded once and texts with nothing to find (emoji-only,
    punctuation) not at all (nudge.llm.distinct): they keep a NULL embedding next to their
    sentiment, which is what tells `store.pending_embeddings` they are done."""
    done = 0
    cache = VectorCache() if cache is None else cache
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        ids = [i for i, _ in batch]
        sentiments = [message_sentiment(text) for _, text in batch]
        try:
            vectors = embed_distinct(embed, [text for _, text in batch], cache=cache)
        except LLMUnavailable as exc:
            log.warning("embeddings postponed, LLM unavailable: %s", exc)
            store.store_enrichment(conn, user_id=user_id, ids=ids, vectors=None, sentiments=sentiments)
            break
        store.store_enrichment(conn, user_id=user_id, ids=ids, vectors=vectors, sentiments=sentiments)
        done += len(batch)
    return done


def embed_pending(conn: psycopg.Connection[Any], embed: Embed, *, user_id: int,
                  batch_size: int = EMBED_BATCH,
                  max_rows: int | None = None) -> int:
    """Fill the missing embeddings (after the LLM was down, or for messages the collector pushed);
    return how many were stored. `max_rows` bounds one call (a scheduled Lambda has a time limit).

    Stops early, without raising, when the embedder raises LLMUnavailable.
    """
    done = 0
    after = 0
    cache = VectorCache()  # "ok" is embedded once per call, not once per batch
    while max_rows is None or done < max_rows:
        batch = store.pending_embeddings(conn, user_id=user_id, after_id=after, limit=batch_size)
        if not batch:
            return done
        stored = _embed_rows(conn, embed, batch, user_id=user_id, batch_size=batch_size,
                             cache=cache)
        done += stored
        if stored < len(batch):
            return done
        after = batch[-1][0]
    return done
