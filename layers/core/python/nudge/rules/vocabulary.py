"""Word lists shared by the rules: one place for each vocabulary."""

from __future__ import annotations

# Common words of the languages the bot speaks; they never make a topic (the language markers
# below are added at the end).
STOPWORDS = frozenset("""
about after again also always and another anyone are aren back been before being but can cant
min mins sec secs hrs
come coming could did didn does doesn doing done dont down each even ever every from going gonna
good got great have haven having here hers how into just know like look make many maybe more most
much must need never next nice not now okay only other ours over really said same see should some
still such sure take than thank thanks that thats the their them then there these they thing
think this those though time today tomorrow too very want was wasn way well were what when where
which while who whom why will with would yeah yes you your yours
aber alle also auch bin bis bitte dann das dass dein dem den der des die dir doch dort du durch
ein eine einem einen einer er es etwas für gut hab habe haben hast hat hier ich ihr im ist ja
jetzt kann kannst kein keine mal mein meine mich mir mit morgen nach nein nicht noch nur oder
schon sehr sein sind so und uns vom von vor war was wenn wie wir wird wo zu zum zur
ahora algo aquí así bien bueno cómo con cuando del desde donde dónde ella ellos esa ese eso esta
está están este esto estoy gracias hay hoy las les los más mañana mejor muy nada para pero por
porque pues que qué sea ser sin sobre son también tengo tiene todo todos una uno unos vale vamos
voy
""".split())  # noqa: SIM905 - a word list reads better as text

# Frequent short words per language; the language with most hits wins. Small on purpose: chat
# messages are short, and these words are what short messages are made of.
_MARKER_TEXT = {
    "en": ("the and you is are to it i that of in for on with what yes be have will can "
           "my me we this just so not do thanks see your was about there"),
    "de": ("ich du und der die das ist nicht ja nein mit wir auch aber noch bin hast "
           "kannst morgen heute gut danke schon mal bis doch wie was ein eine sind"),
    "es": ("el la que y en los las es no sí por para con una yo tú te pero muy bien "
           "gracias vale mañana hoy nos está estoy qué también hasta luego lo del"),
    "fr": ("je tu le les et est pas oui avec pour une des c'est ça on nous vous merci "
           "bien demain mais très suis au du ce"),
    "pt": ("eu você vc não sim que com para uma os as é está obrigado obrigada muito "
           "bem amanhã hoje mas tá né também pra meu"),
    "it": ("io che il lo gli non sì con per una è sono grazie bene domani oggi ma "
           "anche molto ciao ci della cosa come"),
    "tr": ("ve bir bu ne evet hayır için ben sen çok var yok mı mi mu teşekkürler "
           "tamam yarın bugün ama gibi şey nasıl değil"),
}
LANGUAGE_MARKERS = {lang: frozenset(words.split()) for lang, words in _MARKER_TEXT.items()}

# Every language marker is a stopword too: one list of words that carry no topic.
STOPWORDS = STOPWORDS | frozenset(w for words in LANGUAGE_MARKERS.values() for w in words)
