"""Plans as an iCalendar file, so a digest's plan is one tap away from the user's calendar.

Pure and deterministic: no clock. DTSTAMP is the message's own time (in UTC) and the UID comes from the
message and the start, so exporting the same plans twice gives the same bytes, and a calendar that imports
the file again updates its events instead of duplicating them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from nudge.rules.plans import Plan

DEFAULT_DURATION = timedelta(hours=2)  # a plan with no stated end ("dinner at 8") still needs one


def plans_to_ics(plans: Sequence[Plan], *, calendar_name: str = "Nudge") -> bytes:
    """One VEVENT per plan: timed ones in the plan's zone (TZID + VTIMEZONE), all-day ones as VALUE=DATE."""
    cal = Calendar()
    cal.add("prodid", "-//Nudge//plans//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for plan in plans:
        cal.add_component(_event(plan))
    if hasattr(cal, "add_missing_timezones"):  # icalendar ≥ 6.1; RFC 5545 wants a VTIMEZONE per TZID
        cal.add_missing_timezones()
    return cal.to_ical()


def _event(plan: Plan) -> Event:
    """The VEVENT of one plan."""
    event = Event()
    event.add("uid", _uid(plan))
    event.add("dtstamp", _said_at_utc(plan))
    if plan.all_day:
        day = plan.starts_at.date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))  # DTEND is exclusive for dates
    else:
        event.add("dtstart", plan.starts_at)
        event.add("dtend", plan.ends_at or plan.starts_at + DEFAULT_DURATION)
    event.add("summary", plan.title)
    if plan.place:
        event.add("location", plan.place)
    event.add("description", f"{plan.sender}: {plan.text}" if plan.sender else plan.text)
    return event


def _uid(plan: Plan) -> str:
    """Stable across exports: the message id and the start; without an id, a hash of who said what, when."""
    start = plan.starts_at.strftime("%Y%m%d" if plan.all_day else "%Y%m%dT%H%M%S%z")
    if plan.message_id is not None:
        return f"{plan.message_id}-{start}@nudge"
    said = f"{plan.sender}\n{plan.said_at.isoformat()}\n{plan.text}".encode()
    return f"{hashlib.sha256(said).hexdigest()[:16]}-{start}@nudge"


def _said_at_utc(plan: Plan) -> datetime:
    """DTSTAMP must be UTC; the message's naive wall clock is in the plan's zone."""
    said = plan.said_at if plan.said_at.tzinfo else plan.said_at.replace(tzinfo=plan.starts_at.tzinfo)
    return said.astimezone(UTC)
