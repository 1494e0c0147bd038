"""Plans: messages that fix a date, time or place, resolved to a date and time in the user's zone.

Pure: "now" is the message's own time. Why not `dateparser.search.search_dates` over the whole text: it finds
dates in "may", "see", "we", "20€", "+49" and "the 90s", and drops the hour of "um 20 Uhr", "a las 9" and
"21h". So date *spans* are found here with narrow regexes (which are also the cheap pre-filter), each span is
resolved by `dateparser.parse` against the message's time, and clock times (a small closed grammar that
dateparser gets wrong in de/es) are read by regex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import dateparser

from nudge.errors import InputError

_WEEKDAY = (r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri"
            r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag"
            r"|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo")
_MONTH = (r"january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|januar|j[äa]nner|februar|m[äa]rz|mai|juni|juli"
          r"|oktober|okt|dezember|dez|enero|febrero|marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre"
          r"|noviembre|diciembre|ene|abr|ago|dic")
_RELATIVE = (r"(?:the\s+)?day\s+after\s+tomorrow|pasado\s+ma[ñn]ana|[üu]bermorgen|uebermorgen|tomorrow"
             r"|tmrw|tmr|today|tonight|heute|morgen|ma[ñn]ana|hoy|esta\s+noche|esta\s+tarde")
_PAST = r"yesterday|last\s+night|gestern|vorgestern|ayer|anteayer|anoche"
_DAYPART = (r"(?:\s+(?:morning|afternoon|evening|night|abends?|morgens?|fr[üu]h|nachmittags?|vormittags?"
            r"|mittags?|nachts?|por\s+la\s+(?:ma[ñn]ana|tarde|noche)))?")
# "last", "letzten" put a weekday in the past; "next", "this", "nächsten" mean the coming one, as a bare one.
_MODS = (r"(?P<mod>(?:(?:on|this|next|coming|last|am|diesen|dieses|n[äa]chsten|kommenden|letzten|vergangenen"
         r"|el|este|pr[óo]ximo)\s+){0,2})")
_DATE = re.compile("|".join([
    r"(?P<iso>\b\d{4}-[01]\d-[0-3]\d\b)",
    r"(?P<md>\b(?P<d1>[0-3]?\d)(?:st|nd|rd|th|\.)?\s+(?:of\s+|de\s+)?(?P<mo1>" + _MONTH + r")\b\.?"
    r"(?:,?\s+(?:de\s+)?(?P<y1>\d{4})\b)?)",
    r"(?P<dm>\b(?P<mo2>" + _MONTH + r")\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{4})\b)?)",
    r"(?P<num>(?<![\d.,/:+-])(?P<d3>[0-3]?\d)(?P<sep>[./])(?P<m3>[01]?\d)"
    r"(?:(?P=sep)(?P<y3>\d{4}|\d{2})?)?(?![\d]|[.,/:]\d))",
    r"(?P<ord>(?:\b(?:on\s+)?the\s+(?P<d4>[0-3]?\d)(?:st|nd|rd|th)\b|\bam\s+(?P<d5>[0-3]?\d)\.(?!\d)"
    r"|\bel\s+d[íi]a\s+(?P<d6>[0-3]?\d)\b)(?!\s*(?:of\s+|de\s+)?(?:" + _MONTH + r")\b))",
    r"(?P<days>\b(?:in|en|dentro\s+de)\s+(?:\d{1,2}|a|one|two|three|einer|zwei|drei|un|una|dos|tres)\s+"
    r"(?:days?|weeks?|tagen|wochen?|d[íi]as|semanas?)\b)",
    r"(?P<past>\b(?:" + _PAST + r")\b)",
    r"(?P<wend>\b(?:(?:this|next|the|dieses|am|el|este)\s+)?(?:weekend|wochenende|finde|fin\s+de\s+semana)\b)",
    r"(?P<rel>\b" + _MODS.replace("mod", "rmod") + r"(?P<rcore>" + _RELATIVE + r")\b" + _DAYPART + r")",
    r"(?P<wd>\b" + _MODS + r"(?<!['’])(?P<wdc>" + _WEEKDAY + r")(?:abend|morgen|nachmittag|vormittag|mittag"
    r"|nacht)?\b(?:,?\s+(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)\b)?(?P<wsuf>\s+(?:pasado|que\s+viene))?"
    + _DAYPART + r")",
]), re.I)
_KINDS = ("iso", "md", "dm", "num", "ord", "days", "past", "wend", "rel", "wd")
# The cheap gate: a digit, or a weekday / relative-day word in en, de or es. Most chat fails it.
_PRE_FILTER = re.compile(r"\d|\b(?:" + "|".join([_WEEKDAY, _RELATIVE, _PAST, "weekend|wochenende|finde"])
                         + ")", re.I)
_TIME = re.compile(r"(?<![\w:.,/€$£+#])(?P<h>[01]?\d|2[0-3])(?:(?P<sep>[:.h])(?P<m>[0-5]\d))?"
                   r"(?:\s*(?P<suf>uhr\b|h\b|[ap]\.m\.|[ap]m\b))?(?![\w€$£%]|[.:,/]\d)"
                   r"(?P<half>\s+(?:de\s+la\s+(?P<am>ma[ñn]ana)|de\s+la\s+(?:tarde|noche)|(?P<am2>morgens"
                   r"|in\s+the\s+morning)|abends|nachts|in\s+the\s+(?:evening|afternoon)|at\s+night)\b)?",
                   re.I)
_NOON = re.compile(r"\b(?:at\s+|um\s+|al\s+|a\s+)?(?:noon|midday|mittags?|mediod[íi]a)\b", re.I)
_TIME_PREFIX = re.compile(r"\b(?:at|um|a\s+las?|gegen|ab|from|von|desde|until|till|til|to|bis|hasta|@)\s*$",
                          re.I)
# "around 8" is a time only next to a plan cue: "Around 17 during the day" is the weather.
_ROUGH_PREFIX = re.compile(r"\b(?:around|about|circa|ca\.|sobre\s+las?|hacia\s+las?)\s*$", re.I)
_END_PREFIX = re.compile(r"\b(?:until|till|til|bis|hasta|off|ends?|ending|finish\w*|over|ende|aus|termina\w*"
                         r"|acaba\w*)(?:\s+(?:at|um|a\s+las?|gegen))?\s*$", re.I)
_UNIT_AFTER = re.compile(r"\s*(?:(?:people|persons?|guys|leute|personen|personas|gente|min\w*|hours?|hrs?"
                         r"|stunden?|horas?|days?|tage?n?|d[íi]as?|weeks?|euros?|eur|dollars?|pesos|x|km|kg|mal"
                         r"|veces|times|years?|jahren?|a[ñn]os)\b|[%€$£])", re.I)
# "20-23 Uhr", "8-11pm", "de 8:00 a 10:00": an hour followed by a written-out end time.
_RANGE_NEXT = re.compile(r"\s*(?:[-–]|to|bis|a|hasta|until|till)\s*(?:las?\s+)?\d{1,2}(?P<colon>[:.h]\d\d)?"
                         r"\s*(?P<suf>uhr\b|h\b|[ap]\.m\.|[ap]m\b)?", re.I)
_RANGE_GAP = re.compile(r"\s*(?:[-–]|to|bis|a|hasta|until|till)\s*(?:las?\s*)?", re.I)
_DURATION_BEFORE = re.compile(r"\b(?:in|for|für|en|durante|por|every|alle|cada)\s*$", re.I)
_PM_HINT = re.compile(r"\b(?:tonight|evening|night|abends?|nachts?|noche|tarde|dinner|abendessen|cena|party"
                      r"|fiesta|feier|drinks|bar|concert|konzert|concierto|movie|cine|kino)\b", re.I)
_AM_HINT = re.compile(r"\b(?:morning|morgens|früh|vormittags?|breakfast|frühstück|desayuno"
                      r"|(?:de|por)\s+la\s+ma[ñn]ana)\b", re.I)
_CUE = re.compile(r"\b(?:meet\w*|see\s+you|party|parties|dinner|lunch|breakfast|brunch|drinks?|coffee|beers?"
                  r"|game|match|concert|show|movie|cinema|film|appointment|doctor|dentist|exam|interview|flight"
                  r"|train|trip|birthday|wedding|call|pick\s+(?:\w+\s+)?up|visit|come\s+over|come\s+by|coming"
                  r"|join|bbq|barbecue|hik\w+|hike|training|practice|class|gym|let'?s|shall\s+we|reservation"
                  r"|booked|tickets?|works|treff\w*|sehen\s+uns|feier\w*|essen|abendessen|mittagessen|frühstück"
                  r"|kaffee|bier|kino|konzert|termin|arzt|prüfung|flug|zug|geburtstag|hochzeit|abholen|vorbei"
                  r"|lass\s+uns|wollen\s+wir|spiel|grillen|kommst|kommt|passt|qued\w+|nos\s+vemos|vernos|fiesta"
                  r"|cena\w*|comida|comer|almuerzo|desayuno|café|cerveza|cine|concierto|cita|médico|examen|vuelo"
                  r"|tren|cumple\w*|boda|partido|entreno|vamos|recoger|reserva\w*|vienes|ven[íi]s|vale)\b",
                  re.I)
_PLACE = re.compile(r"\b(?i:at|bei|im|in|en)\s+(?:the\s+|der\s+|dem\s+|el\s+|la\s+)?"
                    r"(?P<cap>[A-ZÄÖÜÁÉÍÓÚÑ][\w'’&.-]*(?:\s+(?:(?:de|del|la|am|an|der|the|of|y|&)\s+)?"
                    r"[A-ZÄÖÜÁÉÍÓÚÑ][\w'’&.-]*){0,3}(?:\s+(?:place|house|flat|bar))?)"
                    r"|\b(?i:at\s+)?(?P<low>(?i:(?:my|your|our)\s+place|home|bei\s+(?:mir|dir|uns|euch)"
                    r"|zu\s+hause|en\s+(?:mi|tu)\s+casa|en\s+casa))\b")
_NOT_PLACE = re.compile(r"^(?:" + "|".join([_WEEKDAY, _MONTH, _RELATIVE]) + r"|uhr|i|the)\b", re.I)
# "Guten Morgen", "por la mañana", "Freitag morgen": morning, not tomorrow.
_NOT_TOMORROW = re.compile(r"\b(?:guten|gute|am|jeden|heute|diesen|einen|schönen|la|esta|cada|una|de|por"
                           r"|buenos|buenas|" + _WEEKDAY + r")\s+$", re.I)
_DATE_LEAD = re.compile(r"\b(?:on|am|the|el|den|vom|for|für|para)\s+$", re.I)
_NUM_LEAD = re.compile(r"\b(?:on|the|el|am|den|vom|ab|bis|hasta|until|from|desde|for|für|para)\s+$", re.I)
_CLAUSE = re.compile(r"[^.!?;,\n]+")
_GLUE = r"at|on|um|am|el|a|las|the|and|und|y|de|for|für|para"
_FILLER = re.compile(r"^(?:(?:" + _GLUE + r"|hey|hi|hola|ok|so|also|then)\b[\s,:-]*)+"
                     r"|(?:[\s,:-]+\b(?:" + _GLUE + r"))+$", re.I)
# Words dateparser 1.5 does not know, said in words it does.
_ALIASES = {"tmrw": "tomorrow", "tmr": "tomorrow", "tonight": "today", "esta noche": "today",
            "esta tarde": "today", "sonnabend": "saturday", **dict.fromkeys(
                ("pasado mañana", "pasado manana", "the day after tomorrow", "uebermorgen", "ubermorgen"),
                "day after tomorrow")}


@dataclass(frozen=True, slots=True)
class Plan:
    """A message's date/time/place commitment, ready for the digest and a calendar.

    `said_at` is the message's naive wall clock (exports carry no offset); `starts_at`/`ends_at` are aware,
    in the user's zone; an all-day plan starts at its local midnight and has no end.
    """

    message_id: int | None
    sender: str
    said_at: datetime
    text: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    all_day: bool

    def to_json(self) -> dict[str, Any]:
        """Plain types only, so the digest can ship it as JSON."""
        return {"message_id": self.message_id, "sender": self.sender, "said_at": self.said_at.isoformat(),
                "text": self.text, "title": self.title, "starts_at": self.starts_at.isoformat(),
                "ends_at": self.ends_at.isoformat() if self.ends_at else None, "place": self.place,
                "all_day": self.all_day}


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    kind: str
    day: date | None = None
    hour: int = 0
    minute: int = 0
    is_end: bool = False
    ambiguous: bool = False  # a start "at 8" / "um 8 Uhr", or an end "until 2:00": either half of the day


def find_plans(text: str, *, said_at: datetime, tz: tzinfo, sender: str = "", message_id: int | None = None,
               languages: Sequence[str] = ("en", "de", "es")) -> list[Plan]:
    """The plans a message makes, earliest first; [] for most chat, cheaply (see _PRE_FILTER).

    Relative words resolve against `said_at`, the message's naive wall clock in `tz`. A local time that DST
    skips is moved forward by the gap (02:30 on a spring-forward night is 03:30); an ambiguous one is its
    first occurrence. Days before the message's, and times already gone on its day, are not plans.
    """
    if not languages:
        raise InputError("find_plans needs at least one language")
    if not text or not _PRE_FILTER.search(text):
        return []
    if said_at.tzinfo is not None:
        said_at = said_at.astimezone(tz).replace(tzinfo=None)
    dates = _date_spans(text, said_at.date(), tuple(languages))
    times = _time_spans(text, dates)
    chars = list(text)  # the text with its dates and times blanked out: what is left names the plan
    for sp in [*dates, *times]:
        chars[sp.start:sp.end] = " " * (sp.end - sp.start)
    blanked = "".join(chars)
    # A day with no time is a plan only with a cue ("party", "treffen"), a place, or next to nothing else
    # ("Thursday?"): "rain on Wednesday maybe" and "lo dejo para el lunes" are not plans.
    has_cue = bool(_CUE.search(text) or _place_in(blanked) or not re.search(r"\w{2,}", blanked))
    plans: list[Plan] = []
    for day, anchor, start, end in _pair(dates, times, said_at, has_cue):
        begin = datetime.combine(day, time(start.hour, start.minute) if start else time())
        finish = datetime.combine(day, time(end.hour, end.minute)) if start and end else None
        if finish and finish <= begin:
            finish += timedelta(days=1)  # "22:00 until 2:00"
        clause = next((c[0] for c in _CLAUSE.finditer(blanked) if c.start() <= anchor < c.end()), blanked)
        plan = Plan(message_id, sender, said_at, text, _title(clause, blanked, text), _localize(begin, tz),
                    _localize(finish, tz) if finish else None, _place_in(clause) or _place_in(blanked),
                    start is None)
        if plan not in plans:
            plans.append(plan)
    return sorted(plans, key=lambda p: p.starts_at)


def _date_spans(text: str, today: date, languages: tuple[str, ...]) -> list[_Span]:
    """Every date-ish span, resolved to a day by dateparser (None when it can't); noise is skipped."""
    spans = []
    for m in _DATE.finditer(text):
        kind, day, year = next(k for k in _KINDS if m[k] is not None), None, None
        if kind == "rel":
            core = re.sub(r"\s+", " ", m["rcore"].lower())
            if core in ("morgen", "mañana", "manana") and _NOT_TOMORROW.search(text, 0, m.start("rcore")):
                continue
            day = _resolve(_ALIASES.get(core, core), today, languages)
        elif kind == "wd" and re.search(r"\b(?:last|letzten|vergangenen|pasado)\b",
                                        m["mod"] + (m["wsuf"] or ""), re.I):
            kind = "past"
        elif kind == "wd":
            day = _resolve(_ALIASES.get(m["wdc"].lower(), m["wdc"].lower()), today, languages)
        elif kind == "wend":
            day = _resolve("saturday", today, ("en",))
        elif kind in ("iso", "days"):
            day = _resolve(m[kind], today, languages)
        elif kind in ("md", "dm"):
            d, mo, year = (m["d1"], m["mo1"], m["y1"]) if kind == "md" else (m["d2"], m["mo2"], m["y2"])
            if not 1 <= int(d) <= 31:
                continue
            day = _resolve(f"{int(d)} {mo} {year or ''}".strip(), today, languages)
        elif kind == "num":
            fragment, year = _numeric(m, text)
            if fragment is None:
                continue
            day = _resolve(fragment, today, languages)
        elif kind == "ord":
            n = int(m["d4"] or m["d5"] or m["d6"])
            if not 1 <= n <= 31 or re.match(r"\s+(?:floor|place|time|round|grade|year|try|edition|century)\b",
                                            text[m.end():]):
                continue
            day = _resolve(str(n), today, languages)
        lead = _DATE_LEAD.search(text, 0, m.start()) if kind in ("iso", "md", "dm", "num") else None
        day = _future(day, today, kind, year)
        spans.append(_Span(lead.start() if lead else m.start(), m.end(), kind, day))
    return spans


def _numeric(m: re.Match[str], text: str) -> tuple[str | None, str | None]:
    """17.05. / 17.5.2024 / 17/05 / 5/17 as "D/M[/YYYY]" for dateparser, only where it reads as a date.

    A dot needs a closing dot or a year (else it is 17.05 o'clock or a price); a slash needs a year, a
    preposition or a number over 12 (else "1/2" or "10/10"). Day first, unless the day can't be.
    """
    a, b, y, sep = int(m["d3"]), int(m["m3"]), m["y3"], m["sep"]
    if (sep == "." and not (m[0].endswith(".") or y)) or (a, b) == (24, 7):
        return None, None
    if sep == "/" and not (y or max(a, b) > 12 or _NUM_LEAD.search(text, 0, m.start())):
        return None, None
    if a <= 12 < b <= 31:
        a, b = b, a
    if not (1 <= a <= 31 and 1 <= b <= 12):
        return None, None
    return f"{a}/{b}" + ("" if not y else f"/{int(y) + 2000 if len(y) == 2 else int(y)}"), y


@lru_cache(maxsize=4096)
def _resolve(fragment: str, today: date, languages: tuple[str, ...]) -> date | None:
    """dateparser on one small span, against noon of the message's day; None when it can't or errs."""
    settings = {"RELATIVE_BASE": datetime.combine(today, time(12)), "PREFER_DATES_FROM": "future",
                "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
    try:
        found = dateparser.parse(fragment, languages=list(languages), settings=settings)
    except Exception:  # a library quirk on one message must not sink a whole day's digest
        return None
    return found.date() if found else None


def _future(day: date | None, today: date, kind: str, year: str | None) -> date | None:
    """Two dateparser habits undone: "17.5." said on 17 May is today (not next year), and "the 3rd" said on
    the 16th is next month's (not this month's, which has passed)."""
    if day and kind in ("md", "dm", "num") and not year and (day.year - 1, day.month, day.day) == (
            today.year, today.month, today.day):
        return today
    if day and kind == "ord" and day < today:
        try:
            return day.replace(year=day.year + (day.month == 12), month=day.month % 12 + 1)
        except ValueError:  # the 31st of a 30-day month
            return None
    return day


def _time_spans(text: str, dates: list[_Span]) -> list[_Span]:
    """Clock times: 20:00, 8pm, 8.30pm, 20 Uhr, 21h, 9h30, noon, and a bare hour after at/um/a las/bis/-."""
    spans: list[_Span] = []
    for m in _TIME.finditer(text):
        if any(d.start < m.end() and m.start() < d.end for d in dates):
            continue
        hour, minutes, suf = int(m["h"]), m["m"], (m["suf"] or "").lower()
        before = text[max(0, m.start() - 25):m.start()]
        prefix = _TIME_PREFIX.search(before) or (_ROUGH_PREFIX.search(before) if _CUE.search(text) else None)
        ranged = _RANGE_NEXT.match(text, m.end())
        ranged = ranged if ranged and (ranged["colon"] or ranged["suf"]) else None
        after_range = bool(spans) and _RANGE_GAP.fullmatch(text, spans[-1].end, m.start()) is not None
        if (minutes is None and not (suf or prefix or ranged or after_range)) \
                or (m["sep"] == "." and not (suf or prefix)) \
                or (_UNIT_AFTER.match(text, m.end()) and not suf) \
                or (suf in ("h", "uhr") and minutes is None and _DURATION_BEFORE.search(before)):
            continue  # "2 people", "20.50", "in 2h", "at least 3"
        suf = (suf or (ranged["suf"] or "").lower()) if ranged else suf
        suf = suf or ("" if not m["half"] else "am" if m["am"] or m["am2"] else "pm")
        is_end, ambiguous = after_range or bool(_END_PREFIX.search(before)), False
        if suf.startswith("p") and hour < 12:
            hour += 12
        elif suf.startswith("a") and hour == 12:
            hour = 0
        elif not suf.startswith(("a", "p")) and 1 <= hour <= 11 and not m["h"].startswith("0"):
            # an end picks its half of the day from the start (_end_for); a start guesses from the words
            ambiguous = is_end or minutes is None
            hour = hour if is_end else _guess_half_day(hour, minutes is not None, text)
        first = m.start() - len(before) + prefix.start() if prefix else m.start()
        first = spans[-1].end if after_range else first
        spans.append(_Span(first, m.end(), "time", None, hour, int(minutes or 0), is_end, ambiguous))
    for m in _NOON.finditer(text):
        if not any(t.start < m.end() and m.start() < t.end for t in [*dates, *spans]):
            spans.append(_Span(m.start(), m.end(), "time", None, 12, 0))
    return sorted(spans, key=lambda t: t.start)


def _guess_half_day(hour: int, has_minutes: bool, text: str) -> int:
    """A bare 1–11 is morning unless the message reads evening ("dinner at 8"); a bare 1–6 is afternoon.
    Minutes on a small hour ("a las 6:15") read as a 24-hour clock: morning."""
    if _AM_HINT.search(text):
        return hour
    return hour + 12 if (hour <= 6 and not has_minutes) or _PM_HINT.search(text) else hour


def _pair(dates: list[_Span], times: list[_Span], said_at: datetime, has_cue: bool
          ) -> list[tuple[date, int, _Span | None, _Span | None]]:
    """(day, anchor, start, end) per plan; each time joins the nearest date before it (else the first)."""
    groups: list[list[_Span]] = [[] for _ in dates]
    for t in times if dates else []:
        groups[max([i for i, d in enumerate(dates) if d.start < t.start], default=0)].append(t)
    if not dates and has_cue:  # "meet at 8": the next such time after the message
        dates, groups = [_Span(0, 0, "now", said_at.date())], [times]
    out: list[tuple[date, int, _Span | None, _Span | None]] = []
    for d, group in zip(dates, groups, strict=True):
        if d.day is None or d.kind == "past" or d.day < said_at.date():
            continue
        starts = [t for t in group if not t.is_end]
        if not starts and has_cue and d.kind != "now":
            out.append((d.day, d.start, None, None))
        for s in starts:
            now = (said_at.hour, said_at.minute)
            passed = d.day == said_at.date() and (s.hour, s.minute) < now
            if passed and s.ambiguous and s.hour < 12 and (s.hour + 12, s.minute) >= now:
                s, passed = replace(s, hour=s.hour + 12), False  # "meet at 8" said at 18:00 is 20:00
            if passed and d.kind != "now":
                continue
            out.append((d.day + timedelta(days=passed), s.start, s, _end_for(s, group)))
    return out


def _end_for(start: _Span, group: list[_Span]) -> _Span | None:
    """The first end time after the start; a bare one takes the half of the day that comes soonest."""
    end = next((t for t in group if t.is_end and t.start > start.start), None)
    if end is None or not end.ambiguous:
        return end
    after = lambda h: (h * 60 + end.minute - start.hour * 60 - start.minute - 1) % 1440  # noqa: E731
    return replace(end, hour=min(end.hour % 12, end.hour % 12 + 12, key=after))


def _localize(naive: datetime, tz: tzinfo) -> datetime:
    """Wall clock → aware; a time DST skips moves forward by the gap, an ambiguous one is its first."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _place_in(fragment: str) -> str | None:
    """ "at Rui's", "bei Anna", "im Café Central", "en casa"; never a weekday, month or "I"."""
    for m in _PLACE.finditer(fragment):
        if m["low"]:
            return m["low"]
        if not _NOT_PLACE.match(m["cap"]):
            return m["cap"].rstrip(".")
    return None


def _title(clause: str, blanked: str, text: str) -> str:
    """The plan's own words minus its date and time ("party at Rui's"); the message itself if none are left.
    At most eight words and 60 characters: a calendar summary, not the message."""
    for candidate in (clause, blanked):
        words = _FILLER.sub("", re.sub(r"\s+", " ", candidate).strip(" ,.:;!?-")).strip(" ,.:;!?-")
        if sum(c.isalpha() for c in words) >= 3:
            break
    else:
        words = text
    return " ".join(words.split()[:8])[:60].rstrip(" ,.:;-")
