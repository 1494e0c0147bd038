"""Lock latency: acquire and release p50/p99 over loopback against a moto server in its own process.

Run: .venv/bin/python bench/lock.py [--rounds 500] [--contenders 0]
`--contenders N` adds N threads hammering the same lock name while the measured loop runs
(their attempts are not measured; they show the cost of contention on the server).
Real DynamoDB in-region is ~5-10 ms per conditional write; moto shows our client-side overhead.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time


def start_moto() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from nudge.faces.serve import serve_moto; serve_moto()"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return process, process.stdout.readline().strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--contenders", type=int, default=0)
    args = parser.parse_args()

    import boto3

    from nudge.aws.lock import DynamoLockStore, LockTaken, create_lock_table

    process, url = start_moto()
    try:
        def client():
            return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id="bench", aws_secret_access_key="bench")

        create_lock_table(client(), "bench-locks")
        store = DynamoLockStore(client(), "bench-locks")
        stop = threading.Event()

        def contend() -> None:
            other = DynamoLockStore(client(), "bench-locks")
            while not stop.is_set():
                try:
                    lease = other.acquire("bench", "contender", 30)
                    other.release("bench", lease.token)
                except LockTaken:
                    pass

        for _ in range(20):  # warm-up: connections, boto3 lazy loading
            store.release("bench", store.acquire("bench", "warm", 30).token)
        threads = [threading.Thread(target=contend, daemon=True) for _ in range(args.contenders)]
        for thread in threads:
            thread.start()
        acquire_ms: list[float] = []
        release_ms: list[float] = []
        busy = 0
        started = time.perf_counter()
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            try:
                lease = store.acquire("bench", "bench", 30)
            except LockTaken:
                busy += 1
                continue
            t1 = time.perf_counter()
            store.release("bench", lease.token)
            t2 = time.perf_counter()
            acquire_ms.append((t1 - t0) * 1000)
            release_ms.append((t2 - t1) * 1000)
        elapsed = time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(f"rounds={args.rounds} contenders={args.contenders} granted={len(acquire_ms)} "
          f"busy={busy} elapsed={elapsed:.2f}s")
    for label, values in (("acquire", acquire_ms), ("release", release_ms)):
        if values:
            print(f"{label:8s} p50={statistics.median(values):6.2f} ms  "
                  f"p99={percentile(values, 0.99):6.2f} ms  max={max(values):6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
