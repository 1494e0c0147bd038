"""What Nudge sends without being asked: the daily digest and reminders (EventBridge Scheduler).

Both schedules fire every 15 minutes (UTC) and decide per user, in the user's time zone
(user_profiles.timezone), so one schedule serves every zone and daylight saving needs no care:

- Digest: once the user's local time has reached summary_preferences.daily_time, yesterday's
  (local) digest goes out, unless it already did. The run first claims the digests row
  (user, day); a retried or overlapping run finds the claim and sends nothing. A claim whose run
  died before sending is taken over after CLAIM_TIMEOUT; a failed send drops the claim so the next
  run tries again. A day without messages is recorded but not sent (no noise).
- Outbox outcomes (with the reminders): what happened to each queued reply, told once.
- Reminders: nudge.features.reminders decides what is due at the scheduled time; after sending, mark_sent
  stores that time (last_sent_at), so a retry of the same event finds nothing due. Runs for one
  user take turns through a Postgres advisory lock.

Recipients: the profiles Telegram users own (store.users: the bot makes or claims one on a user's
first message), each sent its own digest and reminders.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
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
    """Every profile a Telegram user owns, if that user is still allowed. With none linked yet and
    exactly one allowed id, that user's profile is made (or claimed) now."""
    from nudge.store import users

    rows = users.linked_users(conn)
    if not rows and len(settings.telegram_allowed_user_ids) == 1:
        [telegram_id] = settings.telegram_allowed_user_ids
        users.user_for_telegram(conn, telegram_user_id=telegram_id, default_user_id=settings.user_id,
                                name=settings.me, timezone=settings.timezone,
                                digest_time=settings.digest_time)
        rows = users.linked_users(conn)
    found = []
    for user_id, telegram_id, tz_name, name in rows:
        if settings.telegram_allowed_user_ids and telegram_id not in settings.telegram_allowed_user_ids:
            continue
        try:
            tz = ZoneInfo(tz_name or settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("user %s has an unknown time zone %r; using UTC", user_id, tz_name)
            tz = ZoneInfo("UTC")
        found.append(Recipient(user_id, telegram_id, tz,
                               name or (settings.me if user_id == settings.user_id else None)))
    return found


async def _send(bot: Any, chat_id: int, reply: Any) -> None:
    """A rendered Reply (or HTML text), split under Telegram's limit; buttons under the last part."""
    from telegram.constants import ParseMode

    from nudge.faces.telegram.render import Reply, reply_markup, split_message

    reply = reply if isinstance(reply, Reply) else Reply(reply)
    parts = split_message(reply.html)
    for number, part in enumerate(parts, 1):
        await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                               reply_markup=reply_markup(reply) if number == len(parts) else None)


async def _digest_run(settings: Settings, now: datetime, bot: Any) -> RunReport:
    from telegram.error import TelegramError

    from nudge.bootstrap import open_services
    from nudge.faces.telegram.render import render_digest
    from nudge.features.digest import digest_of_day
    from nudge.store import digests
    from nudge.store.preferences import user_preferences

    report = RunReport()
    with open_services(settings) as services:
        conn = services.conn
        chat_model = cache(services.chat_model)  # one health check a run, and only if one is due
        for user in recipients(conn, settings):
            prefs = user_preferences(conn, user_id=user.user_id)
            local = now.astimezone(user.tz)
            if local.time() < prefs.daily_time:
                report.skipped[user.telegram_id] = "before the digest time"
                continue
            day = local.date() - timedelta(days=1)
            if not digests.claim_digest(conn, user_id=user.user_id, day=day, now=now,
                                        stale_after=CLAIM_TIMEOUT):
                report.skipped[user.telegram_id] = "already sent"
                continue
            digest = digest_of_day(conn, user_id=user.user_id, day=day, me=user.name,
                                   llm=chat_model(), capable=services.capable)
            try:
                if digest.chats:
                    await _send(bot, user.telegram_id, render_digest(digest))
            except TelegramError:
                log.exception("digest for %s could not be sent", user.telegram_id)
                digests.drop_claim(conn, user_id=user.user_id, day=day)
                report.failed.append(user.telegram_id)
                continue
            digests.mark_digest_sent(conn, user_id=user.user_id, day=day, now=now)
            if digest.chats:
                report.sent.append(user.telegram_id)
            else:
                report.skipped[user.telegram_id] = "no messages that day"
    return report


async def _reminder_run(settings: Settings, now: datetime, bot: Any) -> RunReport:
    from telegram.error import TelegramError

    from nudge.bootstrap import open_services
    from nudge.faces.telegram.render import render_due_reminders
    from nudge.features.reminders import due_reminders, mark_sent
    from nudge.store.db import release_user_lock, try_user_lock
    from nudge.store.preferences import user_preferences

    report = RunReport()
    with open_services(settings, with_llm=False) as services:
        conn = services.conn
        for user in recipients(conn, settings):
            if not try_user_lock(conn, lock_class=_REMINDER_LOCK, user_id=user.user_id):
                report.skipped[user.telegram_id] = "another run is sending"
                continue
            try:
                due = due_reminders(conn, user_id=user.user_id, now=now,
                                    prefs=user_preferences(conn, user_id=user.user_id), me=user.name)
                if not due:
                    report.skipped[user.telegram_id] = "nothing due"
                    continue
                try:
                    await _send(bot, user.telegram_id, render_due_reminders(due))
                except TelegramError:
                    log.exception("reminders for %s could not be sent", user.telegram_id)
                    report.failed.append(user.telegram_id)
                    continue
                mark_sent(conn, due, now, user_id=user.user_id)
                report.sent.append(user.telegram_id)
            finally:
                release_user_lock(conn, lock_class=_REMINDER_LOCK, user_id=user.user_id)
    return report


async def _outbox_run(settings: Settings, now: datetime, bot: Any) -> RunReport:
    """Tell each user what happened to their queued replies (sent ✓, failed, unknown)."""
    from telegram.error import TelegramError

    from nudge.bootstrap import open_services
    from nudge.faces.telegram.outbox import send_notices

    report = RunReport()
    with open_services(settings, with_llm=False) as services:
        for user in recipients(services.conn, settings):
            try:
                told = await send_notices(bot, services.conn, user_id=user.user_id,
                                          telegram_id=user.telegram_id, now=now)
            except TelegramError:
                log.exception("outbox outcomes for %s could not be sent", user.telegram_id)
                report.failed.append(user.telegram_id)
                continue
            if told:
                report.sent.append(user.telegram_id)
            else:
                report.skipped[user.telegram_id] = "nothing to tell"
    return report


async def _with_bot(settings: Settings, run: Any, now: datetime) -> RunReport:
    from nudge.faces.telegram.app import make_bot

    async with make_bot(settings) as bot:
        return await run(settings, now, bot)


def run_daily_digest(settings: Settings, now: datetime) -> RunReport:
    """Send each user yesterday's digest once their local digest time has passed (once per day)."""
    return asyncio.run(_with_bot(settings, _digest_run, _aware(now)))


def run_reminders(settings: Settings, now: datetime) -> RunReport:
    """Send each user the reminders due at `now` (once per reminder and interval slot)."""
    return asyncio.run(_with_bot(settings, _reminder_run, _aware(now)))


def run_outbox_notices(settings: Settings, now: datetime) -> RunReport:
    """Tell each user the outcomes of their queued replies not told yet (once each), including
    replies a collector claimed and never reported: "unknown, check WhatsApp"."""
    return asyncio.run(_with_bot(settings, _outbox_run, _aware(now)))


def run_embedding_backlog(settings: Settings, *, max_rows: int = 2000) -> int:
    """Embed messages stored without a vector (collector pushes, LLM outages), a bounded batch per
    run so search by meaning catches up within a few schedule ticks; user by user."""
    from nudge.bootstrap import open_services
    from nudge.features.importing import embed_pending
    from nudge.store.users import all_user_ids

    done = 0
    with open_services(settings) as services:
        for user_id in all_user_ids(services.conn):
            done += embed_pending(services.conn, services.embed, user_id=user_id,
                                  max_rows=max_rows - done)
            if done >= max_rows:
                break
    return done


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)
