"""Plans people made in the chats ("party Thursday 20:00 at Rui's"), as calendar events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import psycopg

from nudge.errors import NotFound
from nudge.rules.calendar import plans_to_ics
from nudge.rules.plans import Plan, find_plans
from nudge.store import history


@dataclass(frozen=True, slots=True)
class ChatPlan:
    chat: str
    plan: Plan


def plans_said_on(conn: psycopg.Connection[Any], *, user_id: int, day: date, tz: tzinfo,
                  me: str | None = None) -> list[ChatPlan]:
    """The plans in the messages of `day` (wall clock), by start time."""
    start = datetime.combine(day, datetime.min.time())
    found = [ChatPlan(chat, plan)
             for message_id, chat, sender, from_me, sent_at, text in history.texts_between(
                 conn, user_id=user_id, since=start, until=start + timedelta(days=1))
             for plan in find_plans(text, said_at=sent_at, tz=tz, message_id=message_id,
                                    sender=(me or "You") if from_me else (sender or "?"))]
    return sorted(found, key=lambda p: p.plan.starts_at)


def message_calendar(conn: psycopg.Connection[Any], *, user_id: int, message_id: int,
                     tz: tzinfo, me: str | None = None) -> bytes:
    """The .ics of the plans in one message (the digest's "add to calendar" button)."""
    row = history.message_by_id(conn, user_id=user_id, message_id=message_id)
    if row is None:
        raise NotFound("That message is gone.")
    sender, from_me, sent_at, text = row
    plans = find_plans(text, said_at=sent_at, tz=tz, message_id=message_id,
                       sender=(me or "You") if from_me else (sender or "?"))
    if not plans:
        raise NotFound("I find no date or time in that message any more.")
    return plans_to_ics(plans)


def calendar_of(plans: list[ChatPlan]) -> bytes:
    return plans_to_ics([p.plan for p in plans])
