"""What Nudge sends without being asked: the daily digest and reminders (EventBridge Scheduler).

Both schedules fire every 15 minutes (UTC) and decide per user, in the user's time zone
(user_profiles.timezone), so one schedule serves every zone and daylight saving needs no care:

- Digest: once the user's local time has reached summary_preferences.daily_time, yesterday's
  (local) digest goes out, unless it already did. The run first claims the digests row
  (user, day); a retried or overlapping run finds the claim and sends nothing. A claim whose run
  died before sending is taken over after CLAIM_TIMEOUT; a failed send drops the claim so the next
  run tries again. A day without messages is recorded but not sent (no noise).
- Reminders: nudge.reminders decides what is due at the scheduled time; after sending, mark_sent
  stores that time (last_sent_at), so a retry of the same event finds nothing due. Runs for one
  user take turns through a Postgres advisory lock.

Recipients: profiles linked to a Telegram user (the bot links one on its first message). With none
linked and exactly one TELEGRAM_ALLOWED_USER_IDS, the default profile is linked to that user.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nudge.config import Settings

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
_REMINDER_LOCK = 0x6E75646702  # advisory lock class for reminder runs (one per user)


@dataclass(slots=True)
class RunReport:
    """Per user (telegram id): sent, skipped with a reason, or failed. Logged by the Lambdas."""

    sent: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "skipped": {str(k): v for k, v in self.skipped.items()},
                "failed": self.failed}


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    telegram_id: int
    tz: ZoneInfo
    name: str | None  # the user's name in their chats (/settings name, or NUDGE_ME)


def scheduled_time(event: dict[str, Any] | None) -> datetime:
    """The time a schedule fired for: `scheduled_time` (the stack passes
    <aws.scheduler.scheduled-time>) or an EventBridge event's `time`; else now. Retries of one
    event carry the same time, which is what makes them idempotent."""
    raw = (event or {}).get("scheduled_time") or (event or {}).get("time")
    if not raw:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recipients(conn: Any, settings: Settings) -> list[Recipient]:
    rows = conn.execute("SELECT id, telegram_user_id, timezone, name FROM user_profiles"
                        " WHERE telegram_user_id IS NOT NULL ORDER BY id").fetchall()
    if not rows and len(settings.telegram_allowed_user_ids) == 1:
        from nudge.store import ensure_user

        [telegram_id] = settings.telegram_allowed_user_ids
        user_id = ensure_user(conn, name=settings.me, timezone=settings.timezone,
                              digest_time=settings.digest_time)
        conn.execute("UPDATE user_profiles SET telegram_user_id = %s WHERE id = %s",
                     [telegram_id, user_id])
        return recipients(conn, settings)
    found = []
    for user_id, telegram_id, tz_name, name in rows:
        try:
            tz = ZoneInfo(tz_name or settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("user %s has an unknown time zone %r; using UTC", user_id, tz_name)
            tz = ZoneInfo("UTC")
        found.append(Recipient(int(user_id), int(telegram_id), tz, name or settings.me))
    return found


async def _send(bot: Any, chat_id: int, html_text: str) -> None:
    from telegram.constants import ParseMode

    from nudge.telegram.render import split_message

    for part in split_message(html_text):
        await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)


def _claim_digest(conn: Any, user_id: int, day: Any, now: datetime) -> bool:
    """Claim (user, day) for this run; False when sent already or another run holds a fresh claim."""
    row = conn.execute(
        """INSERT INTO digests (user_profile_id, day, created_at) VALUES (%(user)s, %(day)s, %(now)s)
           ON CONFLICT (user_profile_id, day) DO UPDATE SET created_at = excluded.created_at
           WHERE digests.sent_at IS NULL AND digests.created_at < %(stale)s
           RETURNING id""",
        {"user": user_id, "day": day, "now": now, "stale": now - CLAIM_TIMEOUT}).fetchone()
    return row is not None


async def _digest_run(settings: Settings, now: datetime, bot: Any) -> RunReport:
    from telegram.error import TelegramError

    from nudge.bootstrap import open_services
    from nudge.digest import build_digest
    from nudge.preferences import user_preferences
    from nudge.telegram.render import render_digest

    report = RunReport()
    with open_services(settings) as services:
        conn = services.conn
        for user in recipients(conn, settings):
            prefs = user_preferences(conn, user.user_id)
            local = now.astimezone(user.tz)
            if local.time() < prefs.daily_time:
                report.skipped[user.telegram_id] = "before the digest time"
                continue
            day = local.date() - timedelta(days=1)
            if not _claim_digest(conn, user.user_id, day, now):
                report.skipped[user.telegram_id] = "already sent"
                continue
            digest = build_digest(conn, user_id=user.user_id, day=day, me=user.name,
                                  llm=services.llm, keywords=prefs.keywords,  # type: ignore[arg-type]
                                  chat_types=prefs.chat_types)
            try:
                if digest.chats:
                    await _send(bot, user.telegram_id, render_digest(digest))
            except TelegramError:
                log.exception("digest for %s could not be sent", user.telegram_id)
                conn.execute("DELETE FROM digests WHERE user_profile_id = %s AND day = %s"
                             " AND sent_at IS NULL", [user.user_id, day])
                report.failed.append(user.telegram_id)
                continue
            conn.execute("UPDATE digests SET sent_at = %s WHERE user_profile_id = %s AND day = %s",
                         [now, user.user_id, day])
            if digest.chats:
                report.sent.append(user.telegram_id)
            else:
                report.skipped[user.telegram_id] = "no messages that day"
    return report


async def _reminder_run(settings: Settings, now: datetime, bot: Any) -> RunReport:
    from telegram.error import TelegramError

    from nudge.bootstrap import open_services
    from nudge.preferences import user_preferences
    from nudge.reminders import due_reminders, mark_sent
    from nudge.telegram.render import render_due_reminders

    report = RunReport()
    with open_services(settings, with_llm=False) as services:
        conn = services.conn
        for user in recipients(conn, settings):
            locked = conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                  [_REMINDER_LOCK & 0x7FFFFFFF, user.user_id]).fetchone()[0]
            if not locked:
                report.skipped[user.telegram_id] = "another run is sending"
                continue
            try:
                due = due_reminders(conn, user_id=user.user_id, now=now,
                                    prefs=user_preferences(conn, user.user_id), me=user.name)
                if not due:
                    report.skipped[user.telegram_id] = "nothing due"
                    continue
                try:
                    await _send(bot, user.telegram_id, render_due_reminders(due))
                except TelegramError:
                    log.exception("reminders for %s could not be sent", user.telegram_id)
                    report.failed.append(user.telegram_id)
                    continue
                mark_sent(conn, due, now)
                report.sent.append(user.telegram_id)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)",
                             [_REMINDER_LOCK & 0x7FFFFFFF, user.user_id])
    return report


async def _with_bot(settings: Settings, run: Any, now: datetime) -> RunReport:
    from nudge.telegram.app import make_bot

    async with make_bot(settings) as bot:
        return await run(settings, now, bot)


def run_daily_digest(settings: Settings, now: datetime) -> RunReport:
    """Send each user yesterday's digest once their local digest time has passed (once per day)."""
    return asyncio.run(_with_bot(settings, _digest_run, _aware(now)))


def run_reminders(settings: Settings, now: datetime) -> RunReport:
    """Send each user the reminders due at `now` (once per reminder and interval slot)."""
    return asyncio.run(_with_bot(settings, _reminder_run, _aware(now)))


def run_embedding_backlog(settings: Settings, *, max_rows: int = 2000) -> int:
    """Embed messages stored without a vector (collector pushes, LLM outages), a bounded batch per
    run so search by meaning catches up within a few schedule ticks."""
    from nudge.bootstrap import open_services
    from nudge.importer import embed_pending

    with open_services(settings) as services:
        return embed_pending(services.conn, services.embed, max_rows=max_rows)


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)
