"""What a plain-words message asks for: rules first (English, German, Spanish), the LLM second.

Rules catch the common phrasings exactly and instantly; only what they miss goes to the model,
constrained to a JSON schema of intents, so a tiny model is enough. No I/O besides that one call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from nudge.errors import LLMUnavailable
from nudge.llm import ChatModel
from nudge.rules.timewords import day_named

IntentKind = Literal["digest", "search", "suggest", "remind", "reminders", "critical", "keywords",
                     "settings", "topics", "mute", "help"]
INTENT_KINDS: tuple[str, ...] = ("digest", "search", "suggest", "remind", "reminders", "critical",
                                 "keywords", "settings", "topics", "mute", "help")


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    name: str | None = None  # a chat or contact, as written
    query: str | None = None  # search words, keywords, or a settings line ("tz Europe/Berlin")
    when: str | None = None  # a day or time expression, as written ("yesterday", "tonight")
    source: str = "rule"  # "rule" | "llm" | "fallback"


_F = re.IGNORECASE | re.UNICODE
_NAME = r"(?P<name>[\w@+][\w .'@+&-]*?)"
_QUERY = r"(?P<query>.+?)"

# Time expressions a reminder may carry; nudge.features.reminders.parse_when reads what is captured here.
WHEN_RE = re.compile(
    r"(?P<when>\b(?:"
    r"tonight|today|tomorrow(?: (?:morning|afternoon|evening|night))?|this (?:morning|afternoon|evening)"
    r"|in (?:an? |\d+ ?)(?:min(?:ute)?s?|h(?:ours?|rs?)?|days?|weeks?)"
    r"|at \d{1,2}(?::\d{2})? ?(?:am|pm)?|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|heute abend|heute|morgen(?: früh| abend| nachmittag)?|übermorgen"
    r"|in (?:einer|einem|\d+) (?:minuten?|stunden?|tag(?:en)?)|um \d{1,2}(?::\d{2})?(?: uhr)?"
    r"|esta noche|esta tarde|hoy|mañana(?: por la (?:mañana|tarde|noche))?"
    r"|en (?:una|un|\d+) (?:minutos?|horas?|días?)|a las \d{1,2}(?::\d{2})?"
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?|\d{1,2}:\d{2}"
    r"))",
    _F,
)

def when_of(text: str) -> tuple[str, str | None]:
    """Split a time expression off `text`: (rest, when). A name before the expression keeps it
    to the end ("Ben tomorrow 9am"); an expression first ends where the name starts."""
    found = WHEN_RE.search(text)
    if not found:
        return text, None
    before, after = text[:found.start()].strip(), text[found.end():].strip()
    if before.strip(" ,.") and not re.fullmatch(r"(?:to|zu|a|de)", before, re.IGNORECASE):
        return before, text[found.start():].strip(" ,.?!")
    return after, found["when"]


_REMIND_FILLER = re.compile(
    r"^(?:to|that|i|should|need|answer|reply|respond|write|back|text|call|get|ping|message|about|of"
    r"|daran|an|de|que|responder(?:le)?|contestar(?:le)?|escribir(?:le)?|llamar|a)\b[\s,]*", _F)
_REMIND_TAIL = re.compile(r"\s*(?:zu (?:antworten|schreiben|anrufen)|antworten|zurückzuschreiben)$", _F)


def _reminder_intent(rest: str) -> Intent:
    rest, when = when_of(_REMIND_TAIL.sub("", rest.strip(" ,.")))
    name = rest.strip(" ,.")
    while (shorter := _REMIND_FILLER.sub("", name, count=1)) != name:  # "to answer Ben" -> "Ben"
        name = shorter.strip(" ,.")
    return Intent("remind", name=name or None, when=when)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], Intent]]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _F)


def _named(kind: IntentKind) -> Callable[[re.Match[str]], Intent]:
    return lambda m: Intent(kind, name=m["name"].strip())


def _queried(kind: IntentKind, prefix: str = "") -> Callable[[re.Match[str]], Intent]:
    return lambda m: Intent(kind, query=(prefix + m["query"].strip()).strip())


def _search(m: re.Match[str]) -> Intent:
    groups = m.groupdict()
    sender = (groups.get("name") or "").strip() or None
    query = (groups.get("query") or "").strip() or sender
    return Intent("search", name=sender, query=query)


def _digest(m: re.Match[str]) -> Intent:
    return Intent("digest", when=day_named(m.string))


_FREQUENCY_OF = {"daily": "daily", "tägliche": "daily", "diario": "daily",
                 "weekly": "weekly", "wöchentliche": "weekly", "semanal": "weekly"}


def _frequency(m: re.Match[str]) -> Intent:
    """"send me a weekly digest on sunday at 6pm" -> settings "digest weekly sunday 6pm"."""
    rest = re.sub(r"\b(?:on|at|am|um|el|a las)\b", " ", m["rest"] or "", flags=_F)
    words = " ".join([_FREQUENCY_OF[m["freq"].lower()], *rest.split()])
    return Intent("settings", query=f"digest {words}")


_HELP_WORDS = (r"(?:help|/?start|\?|what can you do|how does this work|hilfe|was kannst du|ayuda"
               r"|qué puedes hacer)")

RULES: list[Rule] = [
    (_r(rf"^{_HELP_WORDS}$"), lambda m: Intent("help")),
    # settings (before digest: "send my digest at 7:30" is a setting)
    (_r(r"^(?:settings|preferences|einstellungen|ajustes|configuración|configuracion)$"),
     lambda m: Intent("settings", query="")),
    # the digest frequency (before the digest time: "a weekly digest at 6pm" is a frequency)
    (_r(r"^(?:please )?(?:send me |give me |i want |switch to )?(?:a |the |my |eine )?"
        r"(?P<freq>daily|weekly|tägliche|wöchentliche) (?:digests?|summary|summaries|recap"
        r"|zusammenfassung)(?P<rest>(?: (?:on|am) \w+)?(?: (?:at|um) \d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?)?)$"),
     _frequency),
    (_r(r"^(?:un )?resumen (?P<freq>diario|semanal)(?P<rest>(?: el \w+)?(?: a las \d{1,2}(?::\d{2})?)?)$"),
     _frequency),
    (_r(r"^(?:stop|pause|turn off|disable|no more)(?: the| my| all)? (?:digests?|summaries)$"
        r"|^keine zusammenfassungen(?: mehr)?$|^sin resúmenes$"),
     lambda m: Intent("settings", query="digest off")),
    (_r(r"^(?:(?:send |give me )?(?:the |my )?digests?|summaries) only (?:when|if) i ask$"),
     lambda m: Intent("settings", query="digest manual")),
    # mute and unmute a chat
    (_r(rf"^(?P<un>un)?mute (?:the )?{_NAME}(?: chat| group)?$"),
     lambda m: Intent("mute", name=m["name"].strip(), query="off" if m["un"] else None)),
    (_r(rf"^schalte {_NAME} (?P<un>laut|stumm)$"),
     lambda m: Intent("mute", name=m["name"].strip(), query="off" if m["un"] == "laut" else None)),
    (_r(rf"^(?P<un>de)?silencia(?:r)? (?:a |el |la )?(?:chat |grupo )?{_NAME}$"),
     lambda m: Intent("mute", name=m["name"].strip(), query="off" if m["un"] else None)),
    (_r(r"(?:digest|summary|zusammenfassung|resumen)\b.*?\b(?:at|um|a las)\s+"
        r"(?P<query>\d{1,2}(?::\d{2})?\s*(?:am|pm)?)"), _queried("settings", "time ")),
    (_r(r"(?:time ?zone|zeitzone|zona horaria)\s*(?:is|to|ist|auf|es|a)?\s*:?\s*"
        r"(?P<query>[A-Za-z_]+(?:/[A-Za-z_+-]+)+|UTC)"), _queried("settings", "tz ")),
    # reply suggestions
    (_r(rf"help me (?:to )?(?:answer|reply(?: to)?|respond(?: to)?|write(?: back)?(?: to)?) {_NAME}$"),
     _named("suggest")),
    (_r(rf"what (?:should|do|can) i (?:reply|answer|say|write)(?: back)?(?: to)? {_NAME}$"),
     _named("suggest")),
    (_r(rf"how (?:should|do|can) i (?:reply|answer|respond)(?: to)? {_NAME}$"), _named("suggest")),
    (_r(rf"suggest (?:a |some )?(?:reply|replies|answers?|responses?) (?:to|for) {_NAME}$"),
     _named("suggest")),
    (_r(rf"hilf mir,? {_NAME} zu antworten$"), _named("suggest")),
    (_r(rf"was (?:soll|kann) ich {_NAME} antworten$"), _named("suggest")),
    (_r(rf"wie antworte ich {_NAME}$"), _named("suggest")),
    (_r(rf"antwortvorschläge? für {_NAME}$"), _named("suggest")),
    (_r(rf"ayúdame a (?:responder|contestar)(?:le)? a {_NAME}$"), _named("suggest")),
    (_r(rf"qué (?:le )?(?:respondo|contesto|digo|escribo) a {_NAME}$"), _named("suggest")),
    (_r(rf"sugi[eé]reme (?:una |unas )?respuestas? (?:para|a) {_NAME}$"), _named("suggest")),
    # reminders
    (_r(r"^(?:show |list |show me )?(?:my |all )?(?:open )?reminders$|^what reminders"
        r"|^(?:meine |welche )?erinnerungen|^(?:mis )?recordatorios$|^qué recordatorios"),
     lambda m: Intent("reminders")),
    (_r(r"^(?:please )?remind me[\s,]+(?P<rest>.+)$"), lambda m: _reminder_intent(m["rest"])),
    (_r(r"^erinnere mich[\s,]+(?P<rest>.+)$"), lambda m: _reminder_intent(m["rest"])),
    (_r(r"^recuérdame[\s,]+(?P<rest>.+)$"), lambda m: _reminder_intent(m["rest"])),
    # importance criteria
    (_r(rf"^(?:mark|flag|make) {_NAME} (?:as )?(?:critical|important|vip)$"), _named("critical")),
    (_r(rf"^{_NAME} is (?:critical|important|a vip)$"), _named("critical")),
    (_r(rf"^markiere {_NAME} als (?:kritisch|wichtig)$"), _named("critical")),
    (_r(rf"^{_NAME} ist (?:kritisch|wichtig)$"), _named("critical")),
    (_r(rf"^marca (?:a )?{_NAME} como (?:crítico|crítica|importante|vip)$"), _named("critical")),
    (_r(rf"^{_NAME} es (?:crítico|crítica|importante|vip)$"), _named("critical")),
    (_r(rf"^(?:watch|look out|alert me|notify me) (?:for|about) (?:the )?(?:keywords?|words?) {_QUERY}$"),
     _queried("keywords")),
    (_r(rf"^(?:add |set )?keywords?:?\s+{_QUERY}$"), _queried("keywords")),
    (_r(rf"^(?:stichw(?:ö|o)rte?r?|schlüsselwörter|schlagwörter):?\s+{_QUERY}$"), _queried("keywords")),
    (_r(rf"^achte auf (?:die )?(?:wörter )?{_QUERY}$"), _queried("keywords")),
    (_r(rf"^palabras? clave:?\s+{_QUERY}$"), _queried("keywords")),
    # topics of the last days ("what did the Lisbon group talk about this week")
    (_r(rf"what (?:did|has) (?:the )?{_NAME}(?: group| chat)? (?:talk|chat|talked|been talking) about"
        r"(?: (?:this|last|the past) week| lately| recently)?$"), _named("topics")),
    (_r(rf"worüber (?:hat|haben) (?:die |der )?{_NAME}(?: gruppe| chat)?"
        r"(?: diese woche| letzte woche| zuletzt)? (?:gesprochen|geredet)$"), _named("topics")),
    (_r(rf"de qué (?:habló|hablaron|han hablado|ha hablado) (?:el |la |los )?(?:grupo |chat )?{_NAME}"
        r"(?: esta semana| la semana pasada| últimamente)?$"), _named("topics")),
    # search
    (_r(rf"what did {_NAME} (?:say|write|tell me|mention|send)(?: about| regarding| on)? ?{_QUERY}?$"),
     _search),
    (_r(rf"^(?:search|find|look up|look for)(?: for)?(?: messages)?(?: about| with| mentioning)? {_QUERY}$"),
     _search),
    (_r(rf"^(?:who|anyone) (?:said|mentioned|talked about|wrote about|asked about) {_QUERY}$"), _search),
    (_r(rf"was hat {_NAME} (?:über|zu|wegen|von) {_QUERY} (?:gesagt|geschrieben|erzählt)$"), _search),
    (_r(rf"was hat {_NAME} (?:gesagt|geschrieben)(?: über| zu)? ?{_QUERY}?$"), _search),
    (_r(rf"^(?:suche?|finde?)(?: nach)?(?: nachrichten)?(?: über| zu| mit)? {_QUERY}$"), _search),
    (_r(rf"^wer hat (?:über |von )?{_QUERY} (?:gesagt|geschrieben|erwähnt|gesprochen)$"), _search),
    (_r(rf"qu[ée] (?:dijo|escribió|comentó|contó) {_NAME} (?:sobre|de|acerca de) {_QUERY}$"), _search),
    (_r(rf"^(?:busca|buscar|encuentra)(?: mensajes)?(?: sobre| de| con)? {_QUERY}$"), _search),
    (_r(rf"^quién (?:dijo|habló de|mencionó|escribió sobre) {_QUERY}$"), _search),
    # digest
    (_r(r"what (?:happened|did i miss|went on|was new)|catch me up|\bdigest\b|\bsummary\b|\brecap\b"
        r"|summari[sz]e|overview|what'?s new"), _digest),
    (_r(r"was (?:ist|war|hat sich).*(?:passiert|los|getan)|was habe? ich verpasst|zusammenfassung"
        r"|überblick|fass\w* .*zusammen|was gibt'?s neues"), _digest),
    (_r(r"qu[ée] (?:pasó|paso|ha pasado|me perdí|hubo)|resumen|resúmeme|ponme al día|novedades"), _digest),
]


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text.strip("¿¡?!. ")


def match_rules(text: str) -> Intent | None:
    """The first rule that matches the message, or None."""
    cleaned = _clean(text)
    if not cleaned:
        return Intent("help")
    for pattern, make in RULES:
        found = pattern.search(cleaned)
        if found:
            return make(found)
    return None


INTENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": list(INTENT_KINDS)},
        "name": {"type": "string"},
        "topic": {"type": "string"},
        "when": {"type": "string"},
    },
    "required": ["intent", "name", "topic", "when"],
}

_SYSTEM = (
    "Classify a message to a WhatsApp assistant bot. intent is one of: digest (summary of a day), "
    "search (find what someone said about a topic), suggest (help replying to a person), "
    "remind (set a reminder to answer someone), reminders (list reminders), critical (mark a "
    "contact important), keywords (words to watch), settings, mute (no digest or reminders for a "
    "chat), help. name: the person or chat, or "
    "empty. topic: search words or keywords, or empty. when: a day or time, or empty."
)
_EXAMPLES = [
    ("did anything happen on monday", {"intent": "digest", "name": "", "topic": "", "when": "monday"}),
    ("Emre party plans", {"intent": "search", "name": "Emre", "topic": "party plans", "when": ""}),
    ("no sé qué contestarle a Ana", {"intent": "suggest", "name": "Ana", "topic": "", "when": ""}),
]


def classify_with_llm(text: str, llm: ChatModel) -> Intent:
    """Ask the model for an intent constrained to INTENT_SCHEMA; LLMUnavailable on any failure."""
    import json

    messages: list[dict] = [{"role": "system", "content": _SYSTEM}]
    for example, answer in _EXAMPLES:
        messages += [{"role": "user", "content": example},
                     {"role": "assistant", "content": json.dumps(answer)}]
    messages.append({"role": "user", "content": text[:500]})
    answer = llm.chat_json(messages, schema=INTENT_SCHEMA, max_tokens=60)
    kind = str(answer.get("intent", ""))
    if kind not in INTENT_KINDS:
        raise LLMUnavailable(f"the model answered an unknown intent {kind!r}")
    pick = lambda key: (str(answer.get(key) or "").strip() or None)  # noqa: E731
    intent = Intent(kind, name=pick("name"), query=pick("topic"), when=pick("when"),  # type: ignore[arg-type]
                    source="llm")
    if intent.kind == "search" and not intent.query:
        intent = replace(intent, query=intent.name or text)
    if intent.kind in ("suggest", "critical", "mute") and not intent.name:
        return Intent("help", source="llm")
    return intent


def classify(text: str, llm: ChatModel | None) -> Intent:
    """Rules first; then the LLM; with neither answering, help."""
    intent = match_rules(text)
    if intent is not None:
        return intent
    if llm is not None:
        try:
            return classify_with_llm(text, llm)
        except LLMUnavailable:
            pass
    return Intent("help", source="fallback")
