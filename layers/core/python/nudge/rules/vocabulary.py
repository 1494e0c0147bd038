"""Word lists shared by the rules: one place for each vocabulary."""

from __future__ import annotations

# Common words of the languages the bot speaks; they never make a topic.
STOPWORDS = frozenset("""
about after again also always and another anyone are aren back been before being but can cant
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
