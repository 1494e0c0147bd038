"""What a message asks of the reply (thanks, an apology, a plan, a question, news) and fixed
replies that fit each, in the chat's language. Pure functions, no I/O.

These templates are the last resort, after the user's own past replies and the model's drafts,
and they are always labelled as templates. They still answer the message: a plan gets yes / no /
a counter-proposal, a question an answer or a clarifying question, thanks a fitting reply.
"""

from __future__ import annotations

import re

ACTS = ("thanks", "apology", "greeting", "plan", "question", "open_question", "news")

_THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|danke|dankeschön|gracias|merci|obrigad[oa]|grazie|"
                     r"teşekkür\w*|sağ ?ol)\b", re.IGNORECASE)
_APOLOGY = re.compile(r"\b(sorry|apologi[sz]e|entschuldig\w*|tut mir leid|perd[oó]n|lo siento|"
                      r"d[ée]sol[ée]e?|desculp[ae]|scusa|mi dispiace|özür)\b", re.IGNORECASE)
_GREETING = re.compile(r"^\W*(hi|hey|hello|hallo|hola|buenas|salut|bonjour|coucou|ol[áa]|oi|ciao|"
                       r"merhaba|selam|moin|servus|good morning|guten morgen|buenos d[ií]as|bom dia|"
                       r"buongiorno)\b", re.IGNORECASE)
_PLAN = re.compile(
    r"\b(let'?s|shall we|should we|want to|wanna|do you want|are you coming|you coming|join|"
    r"up for|free (?:on|this|tonight|tomorrow)|how about|what about|meet|lunch|dinner|drinks?|"
    r"coffee|party|lass uns|wollen wir|sollen wir|kommst du|hast du lust|treffen|"
    r"vamos|quedamos|vienes|te apuntas|te vienes|qu[eé] tal si|on va|tu viens|[çc]a te dit|"
    r"on se voit|bora|voc[eê] vem|vens|andiamo|vieni|ti va|ci vediamo|gidelim|gelir misin|"
    r"bulu[sş]al[ıi]m)\b", re.IGNORECASE)
_OPEN = re.compile(
    r"^\W*(what|when|where|who|whom|why|how|which|was|wann|wo|wer|warum|wie|welche[rs]?|qu[eé]|"
    r"cu[aá]ndo|d[oó]nde|qui[eé]n|por qu[eé]|c[oó]mo|cu[aá]l|quoi|quand|o[uù]|qui|pourquoi|comment|"
    r"quel(?:le)?s?|o que|quando|onde|quem|porqu[eê]|cosa|che cosa|dove|chi|perch[eé]|come|quale|"
    r"ne|ne zaman|nerede|kim|neden|nasıl|hangi)\b", re.IGNORECASE)
_PROPOSAL = re.compile(r"^\W*(what about|how about|qu[eé] tal si|wie w[äa]re es)\b", re.IGNORECASE)

_TEMPLATES: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {
        "thanks": ("Thank you too, it was great", "You're welcome", "Anytime"),
        "apology": ("It's fine, don't worry", "All good", "Don't worry about it"),
        "greeting": ("Hey, how are you?", "Hi", "Hello"),
        "plan": ("Yes, I'm in", "Sorry, I can't make it", "Could we do it a bit later?"),
        "question": ("Yes", "No, not yet", "Not sure yet, I'll let you know"),
        "open_question": ("Let me check and tell you", "Not sure, why?", "I'll tell you later"),
        "news": ("Nice!", "Oh really?", "Ok, thanks for letting me know"),
    },
    "de": {
        "thanks": ("Danke dir auch, war schön", "Gerne", "Kein Problem"),
        "apology": ("Kein Problem", "Alles gut, mach dir keine Sorgen", "Passt schon"),
        "greeting": ("Hallo, wie geht's?", "Hi", "Hey"),
        "plan": ("Ja, ich bin dabei", "Sorry, ich kann leider nicht", "Geht es auch etwas später?"),
        "question": ("Ja", "Nein, noch nicht", "Weiß ich noch nicht, ich sag dir Bescheid"),
        "open_question": ("Ich schau mal nach und sag dir Bescheid", "Weiß ich nicht, warum?",
                          "Ich sag dir später Bescheid"),
        "news": ("Super!", "Echt?", "Ok, danke für die Info"),
    },
    "es": {
        "thanks": ("Gracias a ti, fue genial", "De nada", "No hay de qué"),
        "apology": ("No pasa nada", "Tranquilo, no te preocupes", "Todo bien"),
        "greeting": ("Hola, ¿qué tal?", "Hola", "Buenas"),
        "plan": ("Sí, me apunto", "Lo siento, no puedo", "¿Podemos un poco más tarde?"),
        "question": ("Sí", "No, todavía no", "No lo sé aún, te digo"),
        "open_question": ("Lo miro y te digo", "No sé, ¿por qué?", "Te digo luego"),
        "news": ("¡Qué bien!", "¿En serio?", "Vale, gracias por avisar"),
    },
    "fr": {
        "thanks": ("Merci à toi, c'était super", "De rien", "Avec plaisir"),
        "apology": ("Pas de souci", "C'est pas grave", "Tout va bien"),
        "greeting": ("Salut, ça va ?", "Salut", "Coucou"),
        "plan": ("Oui, je suis partant", "Désolé, je ne peux pas", "On peut un peu plus tard ?"),
        "question": ("Oui", "Non, pas encore", "Je ne sais pas encore, je te dis"),
        "open_question": ("Je regarde et je te dis", "Je ne sais pas, pourquoi ?", "Je te dis plus tard"),
        "news": ("Super !", "Ah bon ?", "D'accord, merci de me prévenir"),
    },
    "pt": {
        "thanks": ("Obrigado a ti, foi ótimo", "De nada", "Imagina"),
        "apology": ("Sem problema", "Tranquilo, não te preocupes", "Tudo bem"),
        "greeting": ("Olá, tudo bem?", "Oi", "Olá"),
        "plan": ("Sim, conta comigo", "Desculpa, não posso", "Pode ser um pouco mais tarde, não?"),
        "question": ("Sim", "Não, ainda não", "Ainda não sei, te digo"),
        "open_question": ("Eu vejo e já te falo", "Não sei, porquê?", "Eu falo com você mais tarde"),
        "news": ("Que bom!", "Sério?", "Ok, obrigado por avisar"),
    },
    "it": {
        "thanks": ("Grazie a te, è stato bellissimo", "Prego", "Figurati"),
        "apology": ("Nessun problema", "Tranquillo, non ti preoccupare", "Tutto a posto"),
        "greeting": ("Ciao, come stai?", "Ciao", "Ehi"),
        "plan": ("Sì, ci sto", "Scusa, non posso", "Possiamo un po' più tardi?"),
        "question": ("Sì", "No, non ancora", "Non lo so ancora, ti faccio sapere"),
        "open_question": ("Controllo e ti dico", "Non so, perché?", "Ti faccio sapere più tardi"),
        "news": ("Che bello!", "Davvero?", "Ok, grazie per avermelo detto"),
    },
    "tr": {
        "thanks": ("Asıl ben teşekkür ederim", "Rica ederim", "Ne demek"),
        "apology": ("Sorun değil", "Merak etme, önemli değil", "Her şey yolunda"),
        "greeting": ("Merhaba, nasılsın?", "Selam", "Merhaba"),
        "plan": ("Evet, ben varım", "Kusura bakma, gelemem", "Biraz daha geç olabilir mi?"),
        "question": ("Evet", "Hayır, henüz değil", "Henüz bilmiyorum, haber veririm"),
        "open_question": ("Bakıp haber veririm", "Bilmiyorum, neden?", "Sonra söylerim"),
        "news": ("Harika!", "Gerçekten mi?", "Tamam, haber verdiğin için teşekkürler"),
    },
}


def message_act(text: str) -> str:
    """What the message asks of a reply, one of ACTS (the strongest cue wins: an apology or thanks
    over a question, a plan over a plain question)."""
    plain = text.strip()
    if _APOLOGY.search(plain):
        return "apology"
    asks = "?" in plain or "¿" in plain
    if _THANKS.search(plain) and not asks:
        return "thanks"
    if asks:
        last = re.split(r"(?<=[.!])\s+", plain)[-1]
        if _OPEN.search(last) and not _PROPOSAL.search(last):
            return "open_question"
        return "plan" if _PLAN.search(plain) else "question"
    if _GREETING.search(plain) and len(plain.split()) <= 4:
        return "greeting"
    if _PLAN.search(plain) and re.search(r"\b(let'?s|lass uns|vamos|on va|bora|andiamo)\b", plain, re.I):
        return "plan"
    return "news"


def conversation_act(texts: list[str]) -> str:
    """The act of the messages waiting for a reply, oldest first: the last one's, unless it is
    only news after a question or a plan ("Coming tomorrow?" "We leave at 7")."""
    acts = [message_act(t) for t in texts if t.strip()]
    if not acts:
        return "news"
    if acts[-1] == "news":
        return next((a for a in reversed(acts) if a in ("plan", "question", "open_question")), "news")
    return acts[-1]


def act_templates(act: str, language: str) -> tuple[str, ...]:
    """The fixed replies to a message of this act, in the language (English when unknown)."""
    return _TEMPLATES.get(language, _TEMPLATES["en"]).get(act, ())
