"""The enrichment progress `nudge import` and `nudge enrich` show on stderr while they wait."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from nudge.bootstrap import Services
from nudge.errors import LLMUnavailable

POLL_SECONDS = 1.0


class ProgressLine:
    """One line redrawn in place on a terminal; elsewhere (pipes, logs) only the final line."""

    def __init__(self, out: TextIO = sys.stderr, *, label: str = "enriching") -> None:
        self._out = out
        self._label = label
        self._tty = out.isatty()
        self._started = time.perf_counter()
        self._last_draw = 0.0
        self.done = self.total = 0

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, max(total, done)
        now = time.perf_counter()
        if self._tty and (now - self._last_draw >= 0.1 or done >= total):
            self._last_draw = now
            self._out.write(f"\r{self._line()}\x1b[K")
            self._out.flush()

    def _line(self) -> str:
        seconds = max(time.perf_counter() - self._started, 1e-9)
        share = self.done / self.total if self.total else 1.0
        width = 24
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        return (f"{self._label} [{bar}] {self.done:,}/{self.total:,} messages "
                f"({self.done / seconds:,.0f}/s)")

    def finish(self) -> None:
        if self.total:
            prefix, suffix = ("\r", "\x1b[K") if self._tty else ("", "")
            self._out.write(f"{prefix}{self._line()}{suffix}\n")
            self._out.flush()


def enrich_with_progress(services: Services, *, limit: int | None = None,
                         out: TextIO = sys.stderr) -> int:
    """Drain the user's enrichment backlog here, showing progress; when another worker (`nudge
    serve`) holds it, follow that one's progress instead. Returns how many are still pending
    (nonzero only when the LLM is away, which is said in one line)."""
    from nudge.features.enrichment import backlog, enrich_pending

    conn, user_id = services.conn, services.user_id
    total = backlog(conn, user_id=user_id)[0]
    if limit is not None:
        total = min(total, limit)
    bar = ProgressLine(out)
    done_before = 0
    while True:
        try:
            done = enrich_pending(
                conn, services.embed, user_id=user_id, transcriber=services.llm,
                limit=None if limit is None else limit - done_before,
                on_progress=lambda d, t, base=done_before: bar.update(base + d,
                                                                      max(total, base + t)))
        except LLMUnavailable as exc:
            bar.finish()
            left = backlog(conn, user_id=user_id)[0]
            out.write(f"nudge: enrichment postponed, LLM unavailable ({exc}): {left:,} messages "
                      "wait for `nudge enrich` or `nudge serve`\n")
            return left
        done_before += done
        left = backlog(conn, user_id=user_id)[0]
        if not left or (limit is not None and done_before >= limit):
            bar.update(done_before if done else total - left, total)
            bar.finish()
            return left
        if not done:  # another worker holds this backlog: show how far it got
            bar.update(max(total - left, 0), max(total, left))
            time.sleep(POLL_SECONDS)
