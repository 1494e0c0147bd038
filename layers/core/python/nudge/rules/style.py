"""How the user writes, read from their own messages, and how to make a reply sound like them.

Pure functions, no I/O. The tiny local model cannot imitate anyone on its own, so the habits are
measured here in code (length, emoji, language, greetings, punctuation) and enforced on whatever
it writes; the same profile drives the deterministic templates used when the model is down.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nudge.rules.vocabulary import LANGUAGE_MARKERS

LANGUAGES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "pt": "Portuguese",
             "it": "Italian", "tr": "Turkish"}

_GREETINGS = (
    "good morning", "good evening", "guten morgen", "guten abend", "buenos días", "buenas tardes",
    "buenas noches", "bom dia", "boa tarde", "buongiorno", "buonasera", "bonjour", "bonsoir",
    "günaydın", "hello", "hallo", "hiya", "heyy", "hey", "hi", "hola", "buenas", "salut", "ciao",
    "olá", "oi", "merhaba", "selam", "moin", "servus", "yo",
)
_SIGN_OFFS = (
    "cheers", "thanks", "thank you", "thx", "bye", "see you", "see ya", "cu", "xoxo", "xx", "x",
    "love", "lg", "liebe grüße", "bis dann", "bis später", "tschüss", "danke", "saludos", "besos",
    "un abrazo", "hasta luego", "gracias", "bisous", "à plus", "merci", "bjs", "beijos", "abraço",
    "obrigado", "obrigada", "baci", "a presto", "grazie", "görüşürüz", "sağol", "teşekkürler",
)

# The three fallback replies per language: acknowledge, agree, postpone.
_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "en": ("Okay, thanks", "Yes, sounds good", "Will get back to you soon"),
    "de": ("Okay, danke", "Ja, passt", "Ich melde mich später"),
    "es": ("Vale, gracias", "Sí, perfecto", "Te digo algo luego"),
    "fr": ("D'accord, merci", "Oui, ça marche", "Je te redis plus tard"),
    "pt": ("Ok, obrigado", "Sim, combinado", "Te respondo mais tarde"),
    "it": ("Ok, grazie", "Sì, va bene", "Ti faccio sapere più tardi"),
    "tr": ("Tamam, teşekkürler", "Evet, olur", "Sonra dönerim"),
}
_EXTRA_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": ("Sure", "Got it", "Let me check"),
    "de": ("Klar", "Alles klar", "Ich schau mal"),
    "es": ("Claro", "Entendido", "Lo miro"),
    "fr": ("Bien sûr", "Compris", "Je regarde"),
    "pt": ("Claro", "Entendi", "Vou ver"),
    "it": ("Certo", "Capito", "Controllo"),
    "tr": ("Tabii", "Anladım", "Bakarım"),
}

_EMOJI_RANGES = ((0x1F000, 0x1F3FA), (0x1F400, 0x1FAFF), (0x2600, 0x27BF), (0x2B50, 0x2B55),
                 (0x2300, 0x23FF))
_EMOJI_GLUE = {0xFE0F, 0xFE0E, 0x200D, *range(0x1F3FB, 0x1F400)}  # variation, ZWJ, skin tones
_WORD_RE = re.compile(r"[\w']+")
_LABELS = ("me", "you", "reply", "answer", "response", "assistant", "user")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)


def emojis(text: str) -> list[str]:
    """The emoji in the text, one per pictograph (skin tones and joiners not counted)."""
    return [ch for ch in text if _is_emoji(ch)]


def strip_emoji(text: str) -> str:
    """The text without emoji (and their joiners), spaces tidied."""
    kept = "".join(ch for ch in text if not _is_emoji(ch) and ord(ch) not in _EMOJI_GLUE)
    return re.sub(r"\s{2,}", " ", kept).strip()


def language_scores(texts: Iterable[str]) -> Counter[str]:
    """Stopword hits per language code over all texts."""
    scores: Counter[str] = Counter()
    for text in texts:
        for word in _WORD_RE.findall(text.casefold()):
            for lang, words in LANGUAGE_MARKERS.items():
                if word in words:
                    scores[lang] += 1
    return scores


def detect_language(texts: Iterable[str], *, default: str = "en") -> str:
    """The language code with most stopword hits (`default` when none hit or it ties)."""
    scores = language_scores(texts)
    if not scores:
        return default
    best = max(scores.values())
    return default if scores.get(default) == best else scores.most_common(1)[0][0]


def _greeting_of(text: str) -> str | None:
    """The greeting opening the text, as the user wrote it ("Hey", "hola")."""
    folded = text.casefold()
    for greeting in _GREETINGS:
        if folded.startswith(greeting) and not folded[len(greeting):len(greeting) + 1].isalnum():
            return text[:len(greeting)]
    return None


def _sign_off_of(text: str) -> str | None:
    """A sign-off closing the text after a break ("See you then, cheers" → "cheers")."""
    parts = [p.strip() for p in re.split(r"[,.!?\n]+", strip_emoji(text)) if p.strip()]
    if len(parts) < 2:
        return None
    last = parts[-1]
    return last if last.casefold() in _SIGN_OFFS else None


def _short_key(text: str) -> str:
    return " ".join(_WORD_RE.findall(strip_emoji(text).casefold()))


@dataclass(frozen=True, slots=True)
class StyleProfile:
    """The user's writing habits; rates are shares of their messages (0..1)."""

    samples: int = 0
    median_chars: int = 30
    median_words: int = 5
    emoji_rate: float = 0.0
    top_emoji: list[str] = field(default_factory=list)
    language: str = "en"
    greetings: list[str] = field(default_factory=list)
    greeting_rate: float = 0.0
    sign_offs: list[str] = field(default_factory=list)
    capital_rate: float = 1.0  # starts with an upper-case letter
    period_rate: float = 0.0  # ends with '.'
    exclamation_rate: float = 0.0  # uses '!'
    short_replies: list[str] = field(default_factory=list)

    @property
    def max_chars(self) -> int:
        """About the user's length: room above the median, never a wall of text."""
        return max(16, min(240, int(self.median_chars * 1.8), self.median_chars + 40))


def build_profile(texts: Sequence[str], *, default_language: str = "en") -> StyleProfile:
    """The profile of these messages (the user's own); empty input gives neutral defaults."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        return StyleProfile(language=default_language)
    n = len(texts)
    emoji_counts: Counter[str] = Counter()
    with_emoji = greeted = capital = lettered = period = exclaim = 0
    greetings: Counter[str] = Counter()
    sign_offs: Counter[str] = Counter()
    shorts: Counter[str] = Counter()
    short_forms: dict[str, Counter[str]] = {}
    for text in texts:
        found = emojis(text)
        emoji_counts.update(found)
        with_emoji += bool(found)
        plain = strip_emoji(text)
        if greeting := _greeting_of(plain):
            greeted += 1
            greetings[greeting] += 1
        if sign_off := _sign_off_of(text):
            sign_offs[sign_off] += 1
        first_letter = next((ch for ch in plain if ch.isalpha()), "")
        if first_letter:
            lettered += 1
            capital += first_letter.isupper()
        period += plain.endswith(".") and not plain.endswith("..")
        exclaim += "!" in plain
        if len(plain.split()) <= 3 and len(text) <= 25 and (key := _short_key(text)):
            shorts[key] += 1
            short_forms.setdefault(key, Counter())[text] += 1
    return StyleProfile(
        samples=n,
        median_chars=round(statistics.median(len(t) for t in texts)),
        median_words=max(1, round(statistics.median(len(strip_emoji(t).split()) for t in texts))),
        emoji_rate=round(with_emoji / n, 3),
        top_emoji=[e for e, _ in emoji_counts.most_common(3)],
        language=detect_language(texts, default=default_language),
        greetings=[g for g, _ in greetings.most_common(3)],
        greeting_rate=round(greeted / n, 3),
        sign_offs=[s for s, _ in sign_offs.most_common(3)],
        capital_rate=round(capital / lettered, 3) if lettered else 1.0,
        period_rate=round(period / n, 3),
        exclamation_rate=round(exclaim / n, 3),
        short_replies=[short_forms[k].most_common(1)[0][0]
                       for k, count in shorts.most_common(5) if count >= 2],
    )


def _trim(text: str, limit: int) -> str:
    """Cut at a sentence end, else a word boundary, within `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", head)]
    if ends and ends[-1] >= limit // 3:
        return head[:ends[-1]].strip()
    cut = head.rfind(" ")
    return head[:cut if cut > limit // 3 else limit].rstrip(" ,;:-")


def clean_reply(text: str, *, names: Iterable[str] = ()) -> str:
    """A model's reply as plain one-line chat text: no quotes, line breaks or speaker labels
    ("Sam: …", "Reply: …"; `names` are the chat's people)."""
    quotes = "\"'“”«»`"
    text = re.sub(r"\s+", " ", str(text)).strip().strip(quotes).strip()
    labels = "|".join(re.escape(label) for label in (*_LABELS, *(n for n in names if n)))
    text = re.sub(rf"^(?:{labels})\s*:\s*", "", text, count=1, flags=re.IGNORECASE)
    return text.strip(quotes).strip()


def fit_reply(text: str, profile: StyleProfile, *, with_emoji: bool,
              names: Iterable[str] = (), trim: bool = True, limit: int | None = None) -> str:
    """Make one reply follow the profile: length (the profile's, or `limit` characters; unless
    `trim` is off: templates are short already and must stay whole), greeting, '!' and '.',
    capitals, emoji."""
    body = strip_emoji(clean_reply(text, names=names))
    if not body:
        return ""
    greeting = _greeting_of(body)
    if greeting and profile.greeting_rate < 0.15:
        rest = body[len(greeting):].lstrip(" ,!.")
        body = rest or body
    elif not greeting and profile.greeting_rate >= 0.5 and profile.greetings:
        body = f"{profile.greetings[0]} {body[0].lower() + body[1:] if body[1:2].islower() else body}"
    body = _trim(body, limit or profile.max_chars) if trim else body
    if profile.exclamation_rate < 0.1:
        body = re.sub(r"!+", ".", body.replace("¡", "")).replace("..", ".")
    if body.endswith(".") and not body.endswith("..") and profile.period_rate < 0.3:
        body = body[:-1].rstrip()
    elif body[-1:].isalnum() and profile.period_rate >= 0.6:
        body += "."
    if profile.capital_rate < 0.3:  # sentence starts in lower case, as the user writes
        body = re.sub(r"(^|[.!?]\s+)([¿¡]?)(\w)", lambda m: m[1] + m[2] + m[3].lower(), body)
    elif profile.capital_rate >= 0.7:
        body = re.sub(r"^([¿¡]?)(\w)", lambda m: m[1] + m[2].upper(), body)
    if with_emoji:
        body += " " + (profile.top_emoji[0] if profile.top_emoji else "🙂")
    return body


def emoji_slots(profile: StyleProfile, n: int) -> list[bool]:
    """Which of n replies carry an emoji, so the share matches the user's rate."""
    k = int(profile.emoji_rate * n + 0.5)
    return [i < k for i in range(n)]


def template_replies(profile: StyleProfile, *, question: bool) -> list[str]:
    """Deterministic replies in the user's language: agree/acknowledge, postpone, then extras
    and the user's own common short replies."""
    ack, yes, later = _TEMPLATES.get(profile.language, _TEMPLATES["en"])
    first = [yes, ack, later] if question else [ack, later, yes]
    if profile.median_words >= 6:  # someone who writes sentences: two short ones
        first = [f"{first[0]}. {later}", f"{first[1]}. {later}" if first[1] != later else
                 f"{ack}. {later}", first[0]]
    return first + list(_EXTRA_TEMPLATES.get(profile.language, _EXTRA_TEMPLATES["en"])) + [
        strip_emoji(s) for s in profile.short_replies if strip_emoji(s)]


def _similar(a: str, b: str) -> bool:
    return a == b or (len(a) > 12 and difflib.SequenceMatcher(None, a, b).ratio() > 0.85)


def near_copy(a: str, b: str) -> bool:
    """Whether two replies are the same words, give or take case, emoji and a few letters."""
    return _similar(_short_key(a), _short_key(b))


def polish(candidates: Iterable[str], profile: StyleProfile, *, n: int, question: bool,
           avoid: Iterable[str] = (), names: Iterable[str] = ()) -> tuple[list[str], int]:
    """Exactly n distinct replies fitted to the profile: the (model's) candidates first, templates
    after. Returns (replies, how many came from the candidates)."""
    picked = pick_replies([(c, "llm") for c in candidates], profile, n=n, question=question,
                          avoid=avoid, names=names)
    return [text for text, _ in picked], sum(source == "llm" for _, source in picked)


def pick_replies(candidates: Iterable[tuple[str, str]], profile: StyleProfile, *, n: int,
                 question: bool, avoid: Iterable[str] = (), names: Iterable[str] = (),
                 templates: Sequence[str] = (), draft_chars: int | None = None) -> list[tuple[str, str]]:
    """Exactly n distinct (reply, source) pairs: the candidates in order, then `templates`, then the
    generic templates. Sources: "yours" (the user's own words, kept as written), "llm" (fitted to
    the profile and cut to length: the profile's, or `draft_chars`) and "template" (fitted, kept
    whole). Non-templates that echo a text in `avoid` (the message being answered, an example)
    are skipped."""
    slots = emoji_slots(profile, n)
    names = list(names)
    avoid_keys = {_short_key(a) for a in avoid}
    picked: list[tuple[str, str]] = []
    keys: set[str] = set()
    pool = list(candidates) + [(t, "template") for t in
                               (*templates, *template_replies(profile, question=question))]
    for raw, source in pool:
        if len(picked) == n:
            break
        raw_key = _short_key(clean_reply(raw, names=names))
        if source != "template" and any(_similar(raw_key, a) for a in avoid_keys):
            continue  # the model parroted the message being answered or an example
        if source == "yours":
            fitted = re.sub(r"\s+", " ", raw).strip()
        else:
            fitted = fit_reply(raw, profile, with_emoji=slots[len(picked)], names=names,
                               trim=source == "llm", limit=draft_chars)
        key = _short_key(fitted)
        if not key or key in keys or any(_similar(key, a) for a in avoid_keys):
            continue  # (also when cutting a draft to length left only the echo)
        if source != "template" and detect_language([fitted], default=profile.language) != profile.language:
            continue  # cut to length, a draft can read as another language ("as early as 4")
        keys.add(key)
        picked.append((fitted, source))
    counter = 2
    while len(picked) < n:  # only with very large n: number the last template
        picked.append((f"{picked[-1][0] if picked else 'Ok'} ({counter})", "template"))
        counter += 1
    return picked
