"""Where queued jobs run: a Lambda's SQS event, or worker threads polling the queue (`nudge serve`).

Both call nudge.features.jobs.handle, so a job behaves the same on AWS and locally. A job that
raises is not deleted: SQS shows it again after the visibility timeout, and after MAX_RECEIVES
deliveries moves it to the dead-letter queue (alarmed on AWS). `Ticker` runs the schedules'
code every few minutes for the local stack, as EventBridge Scheduler does on AWS.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nudge.config import Settings

log = logging.getLogger(__name__)


def handle_sqs_event(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A Lambda's SQS batch: each record is one job; failed ones are reported by id so only they
    are retried (ReportBatchItemFailures)."""
    from nudge.features import jobs

    failures = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record["body"])
            jobs.handle(settings, body if isinstance(body, dict) else {})
        except Exception:
            log.exception("job failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}


class QueueWorker:
    """A thread that long-polls one queue and runs its jobs one at a time."""

    def __init__(self, settings: Settings, queue_url: str, *, name: str,
                 wait_seconds: int = 1) -> None:
        from nudge.aws.queue import SqsQueue

        self._settings = settings
        self._queue = SqsQueue(queue_url, endpoint_url=settings.aws_endpoint_url)
        self._wait = wait_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nudge-worker-{name}", daemon=True)

    def run_once(self) -> int:
        """Receive and run the jobs waiting now; return how many succeeded."""
        from nudge.features import jobs

        done = 0
        for message in self._queue.receive(max_messages=1, wait_seconds=self._wait):
            try:
                jobs.handle(self._settings, message.body)
            except Exception:
                log.exception("job failed (delivery %s), SQS will retry it", message.receives)
                continue
            self._queue.delete(message.receipt)
            done += 1
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the queue itself unreachable: wait a little, try again
                log.exception("queue poll failed")
                self._stop.wait(1.0)

    def start(self) -> QueueWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


class Ticker:
    """Calls `tick(now)` every `interval` seconds on a thread (first call after one interval)."""

    def __init__(self, tick: Callable[[datetime], Any], interval: float, *, name: str) -> None:
        self._tick = tick
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nudge-{name}", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._tick(datetime.now(UTC))
            except Exception:
                log.exception("scheduled run failed")

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
