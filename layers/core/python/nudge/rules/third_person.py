"""Turn a chat message into a third-person clause with names, using only the message's own words.

A digest reads "Amanda will bring Jerry cookies", not "I'll bring you cookies": the speaker's first
person becomes their name and "you" becomes the addressee when one is known. Everything else is the
sender's own wording (minus chit-chat), so nothing is invented.
"""

from __future__ import annotations

import re

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_TAG = re.compile(r"<[^<>]{1,40}>")
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMOTICON = re.compile(r"(?<!\w)(?:[:;=8xX][-'^o]?[()\[\]dDpP*/\\|oO3@]+|<3+|\^_*\^|[xX][dD]+)(?!\w)")
_SYMBOLS = re.compile(r"[^\w\s.,!?;:'\"()&%€$£/+\-@#]")
_LAUGH = re.compile(
    r"\b(?:a?(?:ha){2,}h?|(?:he){2,}|(?:hi){2,}|lo+l+|lmf?a+o+|rofl|xd+|omg|hmm+|mmm+)\b[!.]*", re.IGNORECASE
)
_OPENERS = re.compile(
    r"^(?:(?:(?:no|nope)(?=[,.!])|oh+|ah+|well|yeah|yea|yes|yep|yup|ok|okay|okey|k|hey|hi|hello|so|wow|"
    r"sure|right|great|cool|nice|alright|dear|guys|girls|please|thanks|thank you|listen|look|actually|"
    r"anyway|ooh|"
    r"aww+|haha|good (?:morning|night|evening|afternoon)|sweetheart|honey|babe|darling)\b[\s,.!]*)+",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"([!?.])[!?.]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MODALS = _words("""
can can't cannot could couldn't will won't would wouldn't should shouldn't must might may shall
did didn't had was wasn't were used ought
""")
_ADVERBS = _words("""
just also really still never always already actually only totally definitely probably usually often even
finally kinda sometimes seriously honestly literally barely hardly mostly almost truly rarely simply
certainly surely
""")
_PAST = _words("""
bought got went saw made took came told said thought found gave left felt kept met sent spent lost paid
heard ran won wrote ate drank forgot knew brought caught taught began broke chose drove fell flew hit
hurt put read set let cut quit shut slept sold sat stood understood woke wore became built fought held
led meant rode rang sang spoke stole swam threw forgave gotten been done seen
""")
_IRREGULAR = {"have": "has", "do": "does", "go": "goes", "am": "is", "'m": "is", "are": "is",
              "haven't": "hasn't", "don't": "doesn't", "aren't": "isn't", "wanna": "wants to",
              "gotta": "has to", "gonna": "is going to"}
_NOT_VERBS = _words("a an the and or but to in on at of for with if so as because when than that this it "
                    "i you me my your we our too")
_CLAUSE = _words("and but so if when because cause cuz coz that then or as until unless while before after "
                 "think thinks hope hopes know knows guess bet maybe")
_QUESTION = {"do": "does", "are": "is", "have": "has", "were": "was", "don't": "doesn't", "aren't": "isn't",
             "haven't": "hasn't", "weren't": "wasn't"}
_PREPOSITIONS = _words("to for with at of from about")
_YOU_VERBS = {"am": "are", "is": "are", "has": "have", "was": "were"}
_FIRST = {"i": [], "i'm": ["am"], "im": ["am"], "i've": ["have"], "i'll": ["will"], "i'd": ["would"]}
_SECOND = {"you": [], "u": [], "you're": ["are"], "youre": ["are"], "you've": ["have"], "you'll": ["will"],
           "you'd": ["would"]}
_PLURAL = {"we": [], "us": [], "we're": ["are"], "we've": ["have"], "we'll": ["will"], "we'd": ["would"],
           "let's": ["will"], "lets": ["will"]}
_WORD = re.compile(r"\d+(?:[.:,/]\d+)*|\w+(?:'\w+)*|\S")


def clean(text: str) -> str:
    """The message without media tags, links, emoji, laughter and opening fillers ("oh well, ...")."""
    text = text.translate(_APOSTROPHES)
    text = _URL.sub(" ", _TAG.sub(" ", text))
    text = _EMOTICON.sub(" ", text)
    text = _SYMBOLS.sub(" ", text)
    text = _LAUGH.sub(" ", text)
    text = _REPEATS.sub(r"\1", _SPACES.sub(" ", text)).strip(" ,;:-")
    previous = None
    while previous != text:
        previous = text
        text = _OPENERS.sub("", text).strip(" ,;:-")
    return text


def _third_singular(verb: str) -> str:
    """'want' -> 'wants', 'go' -> 'goes', 'try' -> 'tries'; the sentence keeps its own verb."""
    lower = verb.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    past = lower.endswith("ed") and not lower.endswith("eed")
    plural_s = lower.endswith("s") and not lower.endswith("ss")
    if (lower in _MODALS or lower in _PAST or lower in _NOT_VERBS or past or plural_s or not lower.isalpha()
            or lower.endswith(("ing", "'d", "'ll"))):
        return verb
    if lower.endswith(("ss", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(lower) > 2 and lower.endswith("y") and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _possessive(name: str) -> str:
    if name.lower() == "you":
        return "your"
    return name + ("'" if name.endswith("s") else "'s")


def third_person(text: str, speaker: str, addressee: str | None = None, *, group: str | None = None) -> str:
    """Rewrite first person as `speaker`, second person as `addressee` (left as is when unknown) and
    "we" as `group` ("Amanda and Jerry", or "they" in a group chat); verbs after a new singular
    subject agree with it."""
    words = _WORD.findall(clean(text))
    out: list[str] = []
    speaker = "you" if speaker.lower() == "you" else speaker  # the user: "Ana will call you"
    addressee = "you" if addressee and addressee.lower() == "you" else addressee

    def subject(name: str, rest: list[str]) -> int:
        """Emit `name` as a subject and conjugate the verb that follows; returns words consumed."""
        out.append(name)
        j = 0
        while j < len(rest) and rest[j].lower() in _ADVERBS:
            out.append(rest[j])
            j += 1
        if j == len(rest) or not rest[j][0].isalpha() or rest[j][0].isupper():
            return j  # no verb follows (a capitalised word is a name: "and you Amy")
        verb = rest[j]
        if name.lower() == "you":
            out.append(_YOU_VERBS.get(verb.lower(), verb))
        else:
            out.append("was" if verb.lower() == "were" else _third_singular(verb))
        return j + 1

    i = 0
    while i < len(words):
        word, lower, rest = words[i], words[i].lower(), words[i + 1:]
        i += 1
        if lower in _FIRST:
            tail = _FIRST[lower]
            i += subject(speaker, tail + rest) - len(tail)
        elif addressee and lower in _SECOND:
            tail = _SECOND[lower]
            previous = out[-1].lower() if out else ""
            is_object = not tail and (previous in _PREPOSITIONS or previous in _QUESTION or not rest
                                      or not rest[0][:1].isalpha()
                                      or (previous[:1].isalpha() and previous not in _CLAUSE))
            if not is_object:
                i += subject(addressee, tail + rest) - len(tail)
                continue
            # Object or question: "bring you some" -> "bring Jerry some", "do you" -> "does Jerry".
            if addressee.lower() != "you" and previous in _QUESTION:
                out[-1] = _match_case(_QUESTION[previous], out[-1])
            out.append(addressee)
        elif lower in {"me", "myself"}:
            out.append(speaker)
        elif lower in {"my", "mine"}:
            out.append(_possessive(speaker))
        elif addressee and lower in {"your", "yours", "ur", "yourself"}:
            out.append(addressee if lower == "yourself" else _possessive(addressee))
        elif group and lower in _PLURAL:
            out.extend(["them" if lower == "us" and group == "they" else group, *_PLURAL[lower]])
        elif group and lower in {"our", "ours"}:
            out.append("their")
        else:
            out.append(word)
    return _join(out)


def _join(words: list[str]) -> str:
    """Re-space tokens: no space before punctuation; first letter up."""
    text = ""
    for word in words:
        if text and not (word in {".", ",", "!", "?", ";", ":", ")", "'"} or text.endswith(("(", "/"))):
            text += " "
        text += word
    text = text.strip()
    return text[:1].upper() + text[1:]
