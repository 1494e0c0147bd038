"""`nudge collect DIR --api URL`: push new or changed WhatsApp exports to POST /ingest, under the lock.

Why it can be interrupted at any point without losing or double-counting a message: the server
stores idempotently (a re-sent export counts as duplicates), and the state file (content hashes
per API) is written only after a 200, which the server sends only once the rows are committed to
its disk (synchronous commit), so an interrupted run on either side just re-sends what was not
confirmed. The state file itself is flushed to disk before it replaces the old one.
The lock keeps two collectors from interleaving; its fence rides along on every upload so a
collector whose lease was taken over is refused (409) instead of writing late.

With a sender (`--sender module:function`), the same run then sends the user's outbox, each reply
at most once (claim before sending, report after; see _send_outbox).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from nudge.aws.lock import DEFAULT_LOCK_NAME
from nudge.errors import NudgeError

EXPORT_SUFFIXES = {".txt": "text/plain; charset=utf-8", ".zip": "application/zip"}
RETRY_STATUSES = {429, 500, 502, 503, 504}
DEFAULT_TTL_SECONDS = 300


class CollectorError(NudgeError):
    """The run stopped: the API refused us for good (bad token, lost lock) or kept failing."""


class SendFailed(Exception):
    """Raised by a sender when WhatsApp surely did not get the reply (reported as failed). Any
    other exception means "maybe sent": the reply is left unreported, never sent again."""


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """One outbox reply handed to a sender."""

    id: int
    chat: str
    chat_type: str
    text: str


# Sends one reply to WhatsApp; returns WhatsApp's message id if it has one.
Sender = Callable[[OutgoingReply], "str | None"]


@dataclass(frozen=True, slots=True)
class Upload:
    file: str
    result: dict[str, Any]  # {"chat", "inserted", "duplicates", "skipped"}


@dataclass(slots=True)
class CollectReport:
    """What one run did; `busy` is set (and nothing sent) when another collector holds the lock."""

    uploaded: list[Upload] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # file -> why the API refused it
    busy: str | None = None
    replies_sent: list[int] = field(default_factory=list)  # outbox ids
    replies_failed: dict[int, str] = field(default_factory=dict)  # outbox id -> why not sent
    replies_unknown: list[int] = field(default_factory=list)  # the sender broke: maybe sent
    replies_skipped: dict[int, str] = field(default_factory=dict)  # claim refused (409)
    outbox: bool = False  # a sender was given

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI (one per file, then a summary)."""
        if self.busy:
            return [self.busy]
        out = [json.dumps({"file": u.file, **u.result}, ensure_ascii=False) for u in self.uploaded]
        out += [f"{name}: refused: {why}" for name, why in self.failed.items()]
        out.append(f"{len(self.uploaded)} uploaded, {len(self.unchanged)} unchanged, "
                   f"{len(self.failed)} refused")
        if self.outbox:
            out += [f"reply {i}: not sent: {why}" for i, why in self.replies_failed.items()]
            out += [f"reply {i}: unknown, check WhatsApp (the sender broke mid-way)"
                    for i in self.replies_unknown]
            out.append(f"outbox: {len(self.replies_sent)} sent, {len(self.replies_failed)} failed, "
                       f"{len(self.replies_unknown)} unknown, {len(self.replies_skipped)} skipped")
        return out


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def exports_in(directory: Path) -> list[Path]:
    """The .txt and .zip files directly in `directory`, in name order (hidden files ignored)."""
    if not directory.is_dir():
        raise CollectorError(f"{directory}: not a directory")
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
                  and not p.name.startswith("."))


class SentState:
    """Content hashes of what each API confirmed, in a JSON file replaced atomically."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api = api_url.rstrip("/")
        try:
            self._data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            self._data = {}
        except (OSError, ValueError) as exc:
            raise CollectorError(f"{path}: unreadable collector state ({exc})") from exc
        self._sent: dict[str, str] = self._data.setdefault("sent", {}).setdefault(self.api, {})

    def is_sent(self, file: Path, digest: str) -> bool:
        return self._sent.get(str(file.resolve())) == digest

    def mark_sent(self, file: Path, digest: str) -> None:
        self._sent[str(file.resolve())] = digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".collector-state")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self._data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        _sync_directory(self.path.parent)


def _sync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Api:
    """The ingest/lock HTTP API with bounded exponential backoff on transient failures."""

    def __init__(self, client: httpx.Client, *, retries: int, backoff: float,
                 sleep: Callable[[float], None]) -> None:
        self._client = client
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if last:
                    raise CollectorError(f"{method} {path}: {exc!r} after "
                                         f"{attempt + 1} attempts") from exc
                self._sleep(self._delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES or last:
                return response
            self._sleep(self._delay(attempt, response.headers.get("retry-after")))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        wait = min(self._backoff * 2 ** attempt, 30.0)
        if retry_after and retry_after.isdigit():
            wait = max(wait, min(float(retry_after), 60.0))
        return wait


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"


def _conflict_of(response: httpx.Response) -> str | None:
    """"reply" when a 409 is about the reply (claimed already, out of order), not our lease."""
    try:
        return response.json().get("conflict")
    except ValueError:
        return None


def collect(directory: str | Path, *, api_url: str, token: str, state_path: str | Path,
            owner: str | None = None, ttl_seconds: int = DEFAULT_TTL_SECONDS,
            lock_name: str = DEFAULT_LOCK_NAME, client: httpx.Client | None = None,
            clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep,
            retries: int = 5, backoff: float = 0.5, sender: Sender | None = None) -> CollectReport:
    """Upload every new or changed export in `directory`, holding the collector lock meanwhile;
    with a `sender`, then send the user's outbox (claim, send, report; see _send_outbox).

    Returns a report; when the lock is held elsewhere the report's `busy` says until when and
    nothing is sent. Raises CollectorError when the run cannot go on (the lock is released first).
    """
    directory = Path(directory)
    state = SentState(Path(state_path), api_url)
    report = CollectReport(outbox=sender is not None)
    pending: list[tuple[Path, bytes, str]] = []
    for path in exports_in(directory):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if state.is_sent(path, digest):
            report.unchanged.append(path.name)
        else:
            pending.append((path, data, digest))
    if not pending and sender is None:
        return report
    own_client = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
    http.base_url = httpx.URL(api_url.rstrip("/") + "/")
    http.headers["Authorization"] = f"Bearer {token}"
    api = Api(http, retries=retries, backoff=backoff, sleep=sleep)
    try:
        _run(api, pending, state, report, owner=owner or default_owner(), ttl=ttl_seconds,
             lock_name=lock_name, clock=clock, sender=sender)
    finally:
        if own_client:
            http.close()
    return report


def _run(api: Api, pending: list[tuple[Path, bytes, str]], state: SentState,
         report: CollectReport, *, owner: str, ttl: int, lock_name: str,
         clock: Callable[[], float], sender: Sender | None = None) -> None:
    started = clock()
    answer = api.send("POST", "lock", json={"name": lock_name, "owner": owner,
                                             "ttl_seconds": ttl})
    if answer.status_code == 409:
        body = answer.json()
        report.busy = (f"another collector ({body.get('holder')}) holds the lock until "
                       f"{body.get('expires_at')}")
        return
    if answer.status_code != 200:
        raise CollectorError(f"cannot take the lock: HTTP {answer.status_code}: "
                             f"{_error_of(answer)}")
    lease = answer.json()
    token = lease["token"]
    fence_headers = {"X-Lock-Name": lock_name, "X-Lock-Token": token,
                     "X-Lock-Fence": str(lease["fence"])}

    def keep_lease() -> None:
        nonlocal started
        if clock() - started >= ttl / 2:
            started = clock()
            renewed = api.send("PUT", f"lock/{quote(lock_name, safe='')}",
                               json={"token": token, "ttl_seconds": ttl})
            if renewed.status_code != 200:
                raise CollectorError(f"lost the lock while working: {_error_of(renewed)}")

    try:
        for path, data, digest in pending:
            keep_lease()
            response = api.send("POST", "ingest", content=data, headers={
                "Content-Type": EXPORT_SUFFIXES[path.suffix.lower()],
                "X-File-Name": quote(path.name, safe=""),
                **fence_headers,
            })
            if response.status_code == 200:
                state.mark_sent(path, digest)
                report.uploaded.append(Upload(file=path.name, result=response.json()))
            elif response.status_code in (401, 403, 409) or response.status_code >= 500:
                raise CollectorError(f"{path.name}: HTTP {response.status_code}: "
                                     f"{_error_of(response)}")
            else:  # 400/413/415: this file is refused for good; the others may still go
                report.failed[path.name] = f"HTTP {response.status_code}: {_error_of(response)}"
        if sender is not None:
            _send_outbox(api, sender, report, {**fence_headers, "X-Lock-Owner": owner}, keep_lease)
    finally:
        with contextlib.suppress(CollectorError):  # if it fails, the lease runs out by itself
            api.send("DELETE", f"lock/{quote(lock_name, safe='')}", json={"token": token})


def _send_outbox(api: Api, sender: Sender, report: CollectReport, headers: dict[str, str],
                 keep_lease: Callable[[], None]) -> None:
    """Send the queued replies, each at most once: claim it (queued -> sending under our fence)
    BEFORE sending, then report. If we die in between, it stays "sending" and is never handed out
    again; the user is told to check WhatsApp. A sender that breaks (not SendFailed) may have sent:
    that reply is left unreported and the outbox stops for this run."""
    listed = api.send("GET", "outbox", headers=headers)
    if listed.status_code != 200:
        raise CollectorError(f"GET /outbox: HTTP {listed.status_code}: {_error_of(listed)}")
    for entry in listed.json().get("replies", []):
        keep_lease()
        reply_id = int(entry["id"])
        claimed = api.send("POST", f"outbox/{reply_id}/claim", headers=headers)
        if claimed.status_code == 409 and _conflict_of(claimed) == "reply":
            report.replies_skipped[reply_id] = _error_of(claimed)  # claimed already, or out of order
            continue
        if claimed.status_code != 200:
            raise CollectorError(f"reply {reply_id}: claim: HTTP {claimed.status_code}: "
                                 f"{_error_of(claimed)}")
        reply = OutgoingReply(reply_id, entry["chat"], entry.get("chat_type") or "one_to_one",
                              entry["text"])
        try:
            whatsapp_id = sender(reply)
            outcome: dict[str, Any] = {"ok": True, "whatsapp_id": whatsapp_id}
        except SendFailed as failed:
            outcome = {"ok": False, "error": str(failed) or "not sent"}
        except Exception:  # the sender broke: maybe sent, so never sent again by us
            report.replies_unknown.append(reply_id)
            return
        answer = api.send("POST", f"outbox/{reply_id}/sent", json=outcome, headers=headers)
        if answer.status_code != 200:
            raise CollectorError(f"reply {reply_id}: report: HTTP {answer.status_code}: "
                                 f"{_error_of(answer)}")
        if outcome["ok"]:
            report.replies_sent.append(reply_id)
        else:
            report.replies_failed[reply_id] = outcome["error"]


def load_sender(spec: str) -> Sender:
    """`module:function` → that callable (the CLI's --sender): the Python collector has no
    WhatsApp client of its own, so sending is whatever the user plugs in."""
    import importlib

    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CollectorError(f"--sender must be module:function, got {spec!r}")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise CollectorError(f"--sender {spec}: {exc}") from exc
    if not callable(found):
        raise CollectorError(f"--sender {spec}: not callable")
    return found
