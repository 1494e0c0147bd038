"""32 threads race for one lock on a real moto server (its own process, over loopback):
never two holders, and fences that grow by exactly one per grant."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from nudge.aws.lock import DynamoLockStore, LockTaken, create_lock_table  # noqa: E402

THREADS = 32
GRANTS = 64
DEADLINE_SECONDS = 60
BACKOFF_SECONDS = 0.02


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """nudge.faces.serve's moto server (requests serialised like DynamoDB's per-item writes) in a
    process of its own on 127.0.0.1; yields its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from nudge.faces.serve import serve_moto; serve_moto()"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            pytest.fail(f"moto server did not start: {url!r}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(endpoint: str):
    from botocore.config import Config

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 2, "mode": "standard"}))


@pytest.fixture
def table(moto_server: str, request: pytest.FixtureRequest) -> str:
    name = f"locks-{request.node.name[:40]}".replace("[", "-").replace("]", "")
    create_lock_table(client(moto_server), name)
    return name


def race(workers: int, work) -> None:
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "race did not finish in time"


def test_racing_threads_never_hold_the_lock_together_and_fences_grow_by_one(
    moto_server, table
):
    stores = [DynamoLockStore(client(moto_server), table) for _ in range(THREADS)]
    guard = threading.Lock()
    holders = 0
    most_holders = 0
    fences: list[int] = []
    contention = 0
    stop_at = time.monotonic() + DEADLINE_SECONDS

    def work(index: int) -> None:
        nonlocal holders, most_holders, contention
        store = stores[index]
        while time.monotonic() < stop_at:
            with guard:
                if len(fences) >= GRANTS:
                    return
            try:
                lease = store.acquire("race", f"worker-{index}", 30)
            except LockTaken:
                with guard:
                    contention += 1
                time.sleep(random.uniform(0, BACKOFF_SECONDS))  # a polite client's jitter
                continue
            with guard:
                holders += 1
                most_holders = max(most_holders, holders)
                fences.append(lease.fence)
            with guard:
                holders -= 1
            store.release("race", lease.token)

    race(THREADS, work)

    assert len(fences) >= 10  # bounded by GRANTS or the deadline, whichever comes first
    assert most_holders == 1
    assert fences == list(range(1, len(fences) + 1))  # strictly increasing, step one
    assert contention > 0  # they really raced


class SharedClock:
    """One logical clock for all threads, one second further on every reading: leases expire
    without anyone sleeping (the lock compares times the caller sends)."""

    def __init__(self) -> None:
        self._now = datetime(2024, 5, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=1)
            return self._now


def test_abandoned_leases_are_taken_over_only_after_they_expire(moto_server, table):
    clock = SharedClock()
    stores = [DynamoLockStore(client(moto_server), table, clock=clock) for _ in range(THREADS)]
    guard = threading.Lock()
    grants: list[tuple[int, datetime]] = []  # (fence, expires_at), nobody ever releases
    attempts: dict[int, datetime] = {}
    stop_at = time.monotonic() + DEADLINE_SECONDS
    target = 32

    def work(index: int) -> None:
        store = stores[index]
        while time.monotonic() < stop_at:
            with guard:
                if len(grants) >= target:
                    return
            try:
                lease = store.acquire("abandoned", f"worker-{index}", 20)
            except LockTaken:
                time.sleep(random.uniform(0, BACKOFF_SECONDS))
                continue
            taken_at = lease.expires_at - timedelta(seconds=20)
            with guard:
                grants.append((lease.fence, lease.expires_at))
                attempts[lease.fence] = taken_at

    race(THREADS, work)

    grants.sort()
    assert [fence for fence, _ in grants] == list(range(1, len(grants) + 1))
    for (_, previous_expiry), (fence, _) in itertools.pairwise(grants):
        assert attempts[fence] > previous_expiry, f"fence {fence} taken before the lease ended"
