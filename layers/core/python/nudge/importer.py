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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from nudge.domain import MESSAGE_KINDS, ChatType, ImportResult, ParsedExport
from nudge.errors import InputError, LLMUnavailable, NudgeError
from nudge.store import messages as store
from nudge.store.users import ensure_user

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], list[list[float]]]
EMBED_BATCH = 64

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


def _key(*parts: str) -> str:
    """128-bit hex hash of the parts: short keys keep the unique index small and fast."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


def import_export(conn: psycopg.Connection[Any], parsed: ParsedExport, *,
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
    seen: dict[tuple[datetime, str | None, str], int] = {}
    rows: list[store.StageRow] = []
    senders: set[str] = set()
    skipped = 0
    last: datetime | None = None
    for m in parsed.messages:
        ident = (m.sent_at, m.sender, m.text)
        occurrence = seen.get(ident, 0)
        seen[ident] = occurrence + 1
        if m.sender is not None:
            senders.add(m.sender)
        if is_noise(m.kind, m.sender, m.text):
            skipped += 1
            continue
        from_me = me_folded is not None and m.sender is not None and (
            m.sender.casefold() == me_folded)
        stamp = m.sent_at.isoformat()
        rows.append((
            _key(name, stamp, m.sender or "", m.text, str(occurrence)),
            m.sender, from_me, m.sent_at, m.kind, m.text, m.attachment, m.edited,
            m.kind == "deleted",
        ))
        if last is None or m.sent_at > last:
            last = m.sent_at
    contacts = {s for s in senders if me_folded is None or s.casefold() != me_folded}
    return _store(conn, name=name, chat_type=chat_type_of(len(senders)), explicit_type=False,
                  rows=rows, contacts=contacts, skipped=skipped, last=last, embed=embed)


def ingest_batch(conn: psycopg.Connection[Any], *, chat_name: str,
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
        key = (_key("id", name, m.id) if m.id else
               _key(name, sent_at.isoformat(), m.sender or "", m.text, str(occurrence)))
        rows.append((key, m.sender, m.from_me, sent_at, m.kind, m.text, None, False,
                     m.kind == "deleted"))
        if last is None or sent_at > last:
            last = sent_at
    # The user's own messages may carry no name; they still count as one participant.
    participants = len(contacts) + any(m.from_me for m in messages)
    return _store(conn, name=name, chat_type=chat_type or chat_type_of(participants),
                  explicit_type=chat_type is not None, rows=rows, contacts=contacts,
                  skipped=skipped, last=last, embed=embed)


def _store(conn: psycopg.Connection[Any], *, name: str, chat_type: str, explicit_type: bool,
           rows: list[store.StageRow], contacts: set[str], skipped: int, last: datetime | None,
           embed: Embed | None) -> ImportResult:
    """One transaction for the rows; embeddings afterwards, so a slow model holds no locks."""
    user_id = ensure_user(conn)
    try:
        keys = _write(conn, user_id=user_id, name=name, chat_type=chat_type,
                      explicit_type=explicit_type, rows=rows, contacts=contacts, last=last,
                      merge=False)
    except psycopg.errors.UniqueViolation:  # rare: see nudge.store.messages
        keys = _write(conn, user_id=user_id, name=name, chat_type=chat_type,
                      explicit_type=explicit_type, rows=rows, contacts=contacts, last=last,
                      merge=True)
    if embed is not None and keys:
        _embed_rows(conn, embed, store.embeddable_rows(conn, user_id=user_id, keys=keys),
                    batch_size=EMBED_BATCH)
    return ImportResult(chat=name, inserted=len(keys), duplicates=len(rows) - len(keys),
                        skipped=skipped)


def _write(conn: psycopg.Connection[Any], *, user_id: int, name: str, chat_type: str,
           explicit_type: bool, rows: list[store.StageRow], contacts: set[str],
           last: datetime | None, merge: bool) -> list[str]:
    with conn.transaction():
        chat_id = store.upsert_chat(conn, user_id=user_id, name=name, chat_type=chat_type,
                                    explicit=explicit_type)
        if contacts:
            store.upsert_contacts(conn, user_id=user_id, names=contacts)
        keys = store.insert_messages(conn, user_id=user_id, chat_id=chat_id, rows=rows,
                                     merge=merge)
        store.touch_chat(conn, chat_id=chat_id, last=last)
    return keys


def _embed_rows(conn: psycopg.Connection[Any], embed: Embed, rows: list[tuple[int, str]], *,
                batch_size: int) -> int:
    """Embed and store rows batch by batch; stop quietly (rows stay NULL) if the LLM is away."""
    done = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        try:
            vectors = embed([text for _, text in batch])
        except LLMUnavailable as exc:
            log.warning("embeddings postponed, LLM unavailable: %s", exc)
            break
        if len(vectors) != len(batch):
            raise NudgeError(f"embedder returned {len(vectors)} vectors for {len(batch)} texts")
        store.store_embeddings(conn, [i for i, _ in batch], vectors)
        done += len(batch)
    return done


def embed_pending(
    conn: psycopg.Connection[Any], embed: Embed, *, batch_size: int = 64, max_rows: int | None = None
) -> int:
    """Fill the missing embeddings (after the LLM was down, or for messages the collector pushed);
    return how many were stored. `max_rows` bounds one call (a scheduled Lambda has a time limit).

    Stops early, without raising, when the embedder raises LLMUnavailable.
    """
    done = 0
    after = 0
    while max_rows is None or done < max_rows:
        batch = store.pending_embeddings(conn, after_id=after, limit=batch_size)
        if not batch:
            return done
        stored = _embed_rows(conn, embed, batch, batch_size=batch_size)
        done += stored
        if stored < len(batch):
            return done
        after = batch[-1][0]
    return done
