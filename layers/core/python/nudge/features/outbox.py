"""The outbox: approved, edited and custom replies queued per chat until a collector sends them.

Why the order of steps is what makes "at most once" hold, also when a collector crashes:
1. A collector holding the lock lists the queue (`to_send`), per chat in queue order.
2. It claims one reply (`claim`): queued -> sending, recording its lock fence. Only then does it
   send to WhatsApp. A reply is claimed once; nothing ever sets it back to queued.
3. It reports (`report`): sending -> sent | failed, accepted only from the claim's fence.
A crash between 2 and 3 leaves the reply 'sending'. It is never handed out again: once a newer
fence lists the outbox (or the claim is older than the longest lease) it counts as unknown and
the user is told to check WhatsApp; sending it again is their explicit choice (`queue_again`).

Off unless the user enables it (`set_enabled`): approvals then only teach suggestions, and a
custom reply is refused with the way to turn the outbox on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from nudge.errors import InputError, NotFound, NudgeError
from nudge.store import outbox
from nudge.store.chats import resolve_chat

MAX_TEXT_CHARS = 4096  # WhatsApp's own limit is higher; a reply longer than this is a mistake
UNKNOWN_AFTER = timedelta(hours=1)  # the longest lease (nudge.aws.lock.MAX_TTL_SECONDS)
STATES = ("queued", "sending", "sent", "failed")


class OutboxOff(InputError):
    """A custom reply while the outbox is off."""

    def __init__(self) -> None:
        super().__init__("The outbox is off, so nothing is sent to WhatsApp. Turn it on with "
                         "/settings outbox on (or `nudge outbox on`).")


class OutboxConflict(NudgeError):
    """The reply is not in the state this step needs (claimed already, another claim's, out of
    order): HTTP 409."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    chat: str
    chat_type: str
    text: str
    origin: str  # approved | edited | custom
    state: str  # queued | sending | sent | failed
    suggestion_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    finished_at: datetime | None
    error: str | None
    whatsapp_id: str | None
    unknown: bool  # 'sending' and its collector can no longer report: check WhatsApp
    told: bool
    fence: int | None = None
    lock_name: str | None = None

    @property
    def status(self) -> str:
        """What to show: the state, or "unknown" for a claim that was never reported."""
        return "unknown" if self.unknown and self.state == "sending" else self.state

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {"id": self.id, "chat": self.chat, "chat_type": self.chat_type, "text": self.text,
                "origin": self.origin, "state": self.state, "status": self.status,
                "suggestion_id": self.suggestion_id, "created_at": iso(self.created_at),
                "claimed_at": iso(self.claimed_at), "finished_at": iso(self.finished_at),
                "error": self.error, "whatsapp_id": self.whatsapp_id}


def _item(row: tuple[Any, ...]) -> OutboxItem:
    (id_, chat, chat_type, text, origin, state, suggestion_id, created, claimed, finished, error,
     whatsapp_id, unknown_since, notified_at, fence, lock_name) = row
    return OutboxItem(int(id_), chat, chat_type, text, origin, state, suggestion_id, created, claimed,
                      finished, error, whatsapp_id, unknown_since is not None, notified_at is not None,
                      fence, lock_name)


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError("The reply is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"The reply is {len(text)} characters long; at most {MAX_TEXT_CHARS}.")
    return text


def is_enabled(conn: psycopg.Connection[Any], *, user_id: int) -> bool:
    return outbox.is_enabled(conn, user_id=user_id)


def set_enabled(conn: psycopg.Connection[Any], *, user_id: int, enabled: bool) -> None:
    outbox.set_enabled(conn, user_id=user_id, enabled=enabled)


def get_item(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> OutboxItem:
    row = outbox.get(conn, user_id=user_id, outbox_id=outbox_id)
    if row is None:
        raise NotFound(f"no outbox reply with id {outbox_id}")
    return _item(row)


def queue_custom(conn: psycopg.Connection[Any], *, user_id: int, chat: str, text: str) -> OutboxItem:
    """Any text to a chat the user has (the `/replies/custom` and `nudge reply` use case)."""
    text = _clean(text)
    chat_id, _ = resolve_chat(conn, user_id=user_id, name=chat)  # an unknown chat: NotFound
    if not is_enabled(conn, user_id=user_id):
        raise OutboxOff()
    with conn.transaction():
        new = outbox.insert(conn, user_id=user_id, chat_id=chat_id, text=text, origin="custom")
    return get_item(conn, user_id=user_id, outbox_id=new)


def queue_approved(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int,
                   edited: bool = False) -> OutboxItem | None:
    """Queue an approved suggestion (its stored, maybe edited, text) when the outbox is on; None
    when it is off. Approving again changes a still-queued reply's text, never sends twice."""
    if not is_enabled(conn, user_id=user_id):
        return None
    from nudge.store.suggestions import suggestion_chat_and_text

    found = suggestion_chat_and_text(conn, user_id=user_id, suggestion_id=suggestion_id)
    if found is None:
        raise NotFound(f"no suggestion with id {suggestion_id}")
    chat_id, text = found
    with conn.transaction():
        new = outbox.insert(conn, user_id=user_id, chat_id=chat_id, text=_clean(text),
                            origin="edited" if edited else "approved", suggestion_id=suggestion_id)
    return get_item(conn, user_id=user_id, outbox_id=new)


def for_suggestion(conn: psycopg.Connection[Any], *, user_id: int, suggestion_id: int) -> OutboxItem | None:
    row = outbox.for_suggestion(conn, user_id=user_id, suggestion_id=suggestion_id)
    return None if row is None else _item(row)


def list_items(conn: psycopg.Connection[Any], *, user_id: int, state: str | None = None,
               limit: int = 50, now: datetime | None = None) -> list[OutboxItem]:
    """The outbox as the user sees it (claims older than the longest lease show as unknown)."""
    if state is not None and state not in STATES:
        raise InputError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    if now is not None:
        outbox.mark_unknown(conn, user_id=user_id, claimed_before=now - UNKNOWN_AFTER)
    return [_item(r) for r in outbox.listed(conn, user_id=user_id, states=[state] if state else None,
                                            limit=limit)]


def to_send(conn: psycopg.Connection[Any], *, user_id: int, lock_name: str, fence: int,
            limit: int = 100) -> list[OutboxItem]:
    """What a collector holding (lock_name, fence) should send, per chat in queue order; nothing
    while the outbox is off. Claims of older fences can no longer be reported: they become
    unknown here (and stay unsent)."""
    with conn.transaction():
        outbox.mark_unknown(conn, user_id=user_id, lock_name=lock_name, fence=fence)
    if not is_enabled(conn, user_id=user_id):
        return []
    return [_item(r) for r in outbox.listed(conn, user_id=user_id, states=["queued"], limit=limit)]


def claim(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int, lock_name: str, fence: int,
          owner: str | None = None) -> OutboxItem:
    """queued -> sending for this fence, before the collector sends it; the same claim again answers
    the same (one lease is one collector run, which claims a reply once). Raises NotFound (not the
    user's), OutboxConflict (not queued, or an earlier reply of the chat goes first), OutboxOff."""
    if not is_enabled(conn, user_id=user_id):
        get_item(conn, user_id=user_id, outbox_id=outbox_id)  # another user's id: 404 first
        raise OutboxOff()
    with conn.transaction():
        outbox.mark_unknown(conn, user_id=user_id, lock_name=lock_name, fence=fence)
        row = outbox.claim(conn, user_id=user_id, outbox_id=outbox_id, lock_name=lock_name, fence=fence,
                           owner=owner)
    if row is not None:
        return _item(row)
    item = get_item(conn, user_id=user_id, outbox_id=outbox_id)
    if item.state == "sending" and item.fence == fence and item.lock_name == lock_name:
        return item  # the same claim again (a retried request whose answer was lost)
    if item.state != "queued":
        raise OutboxConflict(f"reply {outbox_id} is {item.status}, not queued: it is never sent twice")
    earlier = outbox.earlier_pending(conn, user_id=user_id, outbox_id=outbox_id)
    raise OutboxConflict(f"reply {earlier} to {item.chat} goes first (per-chat order)")


def report(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int, lock_name: str, fence: int,
           ok: bool, error: str | None = None, whatsapp_id: str | None = None) -> OutboxItem:
    """sending -> sent (ok) or failed (error), by the claim that sent it. Repeating the same report
    (a retried request) answers the stored outcome again."""
    if not ok and not (error or "").strip():
        raise InputError("error: say why the reply was not sent")
    error = (error or "").strip()[:1000] or None
    with conn.transaction():
        row = outbox.finish(conn, user_id=user_id, outbox_id=outbox_id, lock_name=lock_name, fence=fence,
                            ok=ok, error=error, whatsapp_id=whatsapp_id)
    if row is not None:
        return _item(row)
    item = get_item(conn, user_id=user_id, outbox_id=outbox_id)
    same_claim = item.fence == fence and item.lock_name == lock_name
    if same_claim and item.state == ("sent" if ok else "failed"):
        return item  # the same report again
    if item.state == "queued":
        raise OutboxConflict(f"reply {outbox_id} was not claimed: claim it before sending")
    if not same_claim:
        raise OutboxConflict(f"reply {outbox_id} was claimed by another collector run")
    raise OutboxConflict(f"reply {outbox_id} was already reported as {item.state}")


def untold(conn: psycopg.Connection[Any], *, user_id: int, now: datetime | None = None) -> list[OutboxItem]:
    """Outcomes the user has not been told yet: sent, failed, and unknown (claimed, never
    reported, older than the longest lease or overtaken by a newer collector run)."""
    if now is not None:
        outbox.mark_unknown(conn, user_id=user_id, claimed_before=now - UNKNOWN_AFTER)
    return [_item(r) for r in outbox.untold(conn, user_id=user_id)]


def mark_told(conn: psycopg.Connection[Any], *, user_id: int, ids: list[int]) -> None:
    if ids:
        outbox.mark_told(conn, user_id=user_id, ids=ids)


def cancel(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> None:
    """Take a queued reply back; once a collector claimed it, it can no longer be stopped."""
    if not outbox.delete_queued(conn, user_id=user_id, outbox_id=outbox_id):
        item = get_item(conn, user_id=user_id, outbox_id=outbox_id)
        raise OutboxConflict(f"reply {outbox_id} is {item.status}: only a queued reply can be cancelled")


def queue_again(conn: psycopg.Connection[Any], *, user_id: int, outbox_id: int) -> OutboxItem:
    """The user's explicit choice to send a failed or unknown reply again: a new queued copy."""
    item = get_item(conn, user_id=user_id, outbox_id=outbox_id)
    if item.status not in ("failed", "unknown"):
        raise OutboxConflict(f"reply {outbox_id} is {item.status}: only a failed or unknown one is "
                             "queued again")
    return queue_custom(conn, user_id=user_id, chat=item.chat, text=item.text)
