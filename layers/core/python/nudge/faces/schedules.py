"""What Nudge sends without being asked: the daily digest and reminders (EventBridge Scheduler).

Both schedules fire every 15 minutes (UTC) and decide per user, in the user's time zone
(user_profiles.timezone), so one schedule serves every zone and daylight saving needs no care:

- Digest: the user's frequency (summary_preferences: daily at a time, weekly on a day, several
  times a day, manual only, off) and the end of the last period sent decide, in a pure rule
  (rules.digest_schedule.digest_due), whether a digest is due now and which wall-clock period it
  covers: yesterday, the seven days before, or the hours since the previous time. The run first
  claims the digests row (user, period end); a retried or overlapping run finds the claim and sends
  nothing. A claim whose run died before sending is taken over after CLAIM_TIMEOUT; a failed send
  drops the claim so the next run tries again. A period without messages is recorded but not sent
  (no noise).
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
    from nudge.rules.digest_schedule import digest_due
    from nudge.store import digests
    from nudge.store.preferences import digest_schedule

    report = RunReport()
    with open_services(settings) as services:
        conn = services.conn
        chat_model = cache(services.chat_model)  # one health check a run, and only if one is due
        for user in recipients(conn, settings):
            decision = digest_due(digest_schedule(conn, user_id=user.user_id), now=now, tz=user.tz,
                                  last_until=digests.last_digest_until(conn, user_id=user.user_id))
            period = decision.due
            if period is None:
                report.skipped[user.telegram_id] = decision.reason
                continue
            if not digests.claim_digest(conn, user_id=user.user_id, since=period.since,
                                        until=period.until, now=now, stale_after=CLAIM_TIMEOUT):
                report.skipped[user.telegram_id] = "already sent"
                continue
            digest = digest_of_day(conn, user_id=user.user_id, day=period.since.date(),
                                   me=user.name, llm=chat_model(), capable=services.capable,
                                   since=period.since, until=period.until)
            try:
                if digest.chats:
                    await _send(bot, user.telegram_id, render_digest(digest))
            except TelegramError:
                log.exception("digest for %s could not be sent", user.telegram_id)
                digests.drop_claim(conn, user_id=user.user_id, until=period.until)
                report.failed.append(user.telegram_id)
                continue
            digests.mark_digest_sent(conn, user_id=user.user_id, until=period.until, now=now)
            if digest.chats:
                report.sent.append(user.telegram_id)
            else:
                report.skipped[user.telegram_id] = "no messages that day" if digest.whole_day \
                    else "no messages since the last digest"
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
    """Send each user the digest their frequency makes due at `now` (once per period)."""
    return asyncio.run(_with_bot(settings, _digest_run, _aware(now)))


def run_reminders(settings: Settings, now: datetime) -> RunReport:
    """Send each user the reminders due at `now` (once per reminder and interval slot)."""
    return asyncio.run(_with_bot(settings, _reminder_run, _aware(now)))


def run_outbox_notices(settings: Settings, now: datetime) -> RunReport:
    """Tell each user the outcomes of their queued replies not told yet (once each), including
    replies a collector claimed and never reported: "unknown, check WhatsApp"."""
    return asyncio.run(_with_bot(settings, _outbox_run, _aware(now)))


def run_enrichment_backlog(settings: Settings, *, max_rows: int = 2000) -> int:
    """Catch up on the enrichment backlog (jobs dropped while the LLM was away, imports left with
    --no-wait), a bounded batch per run, user by user (nudge.features.enrichment)."""
    from nudge.bootstrap import open_services
    from nudge.errors import LLMUnavailable
    from nudge.features.enrichment import enrich_all

    with open_services(settings, with_llm=bool(settings.llm_base_url)) as services:
        try:
            return enrich_all(services.conn, services.embed, max_rows=max_rows,
                              transcriber=services.llm)
        except LLMUnavailable as exc:
            log.warning("enrichment backlog postponed, LLM unavailable: %s", exc)
            return 0


def run_all(settings: Settings, now: datetime) -> dict[str, Any]:
    """One tick of every schedule, as `nudge serve` runs them (EventBridge runs each Lambda):
    digests and reminders (when a bot token is set), then the enrichment backlog."""
    done: dict[str, Any] = {}
    if settings.telegram_bot_token:
        done["digest"] = run_daily_digest(settings, now).to_json()
        done["reminders"] = run_reminders(settings, now).to_json()
    done["enriched"] = run_enrichment_backlog(settings)
    log.info("schedules ran", extra=done)
    return done


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)
