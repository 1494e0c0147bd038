"""Compact German and Spanish valence lexicons for nudge.rules.tone, written for this project.

Ratings are on VADER's scale (-4 .. +4) so one scoring algorithm serves every language. Entries are
whitespace-separated `word:valence`; a trailing `~` adds the inflected forms (German -e -en -er -es -em,
Spanish -o -a -os -as), a trailing `*` matches any word starting with the stem (kept to stems long
enough not to catch unrelated words), `a_b` is a two-word phrase. Keys are folded like the text
(lower case, German ß -> ss, Spanish accents dropped).
Chat words shared by both (English loans, laughter, emoticons) live in SHARED.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_SMILEYS = r""":) :-) :d =) ;) ;-) :p ;p :-d (: ^^ ^_^ <3 :* :'d"""
_FROWNS = r""":( :-( ;( :/ :-/ ): :'( d: -.- ._. -_- >:( :| :@"""
SHARED = (
    """
lol:1.5 lool:1.5 xd:1.6 omg:0.6 nice:1.8 cool:1.5 love:2.6 sorry:-0.6 fail:-1.8 epic:1.8 yay:2.2 yeah:0.8
wtf:-1.8 fuck:-2.4 fucking:-2 shit:-2.2 damn:-1.2 ugh:-1.6 argh:-1.6 meh:-0.8 bad:-1.8 happy:2.3 great:2.5
awesome:2.8 thanks:1.6 thx:1.5 perfect:2.7 sad:-2 hate:-2.7 wow:1.8 win:1.8 lame:-1.6 xp:1.8
"""
    + " ".join(f"{e}:1.8" for e in _SMILEYS.split())
    + " "
    + " ".join(f"{e}:-1.8" for e in _FROWNS.split())
)

DE = """
selbsthass:-2.6 abgebrannt~:-2 unzuverlässig*:-2 unmöglich~:-1.5 unverantwortlich~:-2.3 quatsch:-1.4 bock:1.2
übertreib*:-1.2 unkorrekt~:-1 verseucht~:-2.2
geschafft:2 schafft:1.2 gratuliert:2.4 traurigkeit:-2.2 unglücklich~:-2.2 inkompetenz:-2.2 inkompetent~:-2.2
misstrauen:-1.8 dummheit:-2.2 irre~:-1.2 wehe:-1 verpiss*:-2.8 schlapp:-1.3 bewundert:2 liebenswürdig~:2.4
supi:2.2 rockt:2 rocken:2 umwerfend~:2.8 ehrlich~:1.2 hochverdient~:1.8 verdient~:1 lust:1.2 schwärmt:1.8
farce:-2.2 entführt:-2 gefällt:1.8 gefallen:1.6 mag:1.2 magst:1.2 mögen:1.2 nichts_besseres:2.4
nicht_schlecht:1.5 kein_problem:1.2 keine_sorge:1.4 beleidigung*:-2.2 beleidigt~:-2 rassis*:-2.6 nazi*:-2.6
sexis*:-2.2 verletzt~:-2 gut~:1.9 besser:1.9 beste~:2.4 super:2.7 toll~:2.6 klasse:2.4 prima:2.2 spitze:2.4
geil~:2.4 cool~:1.8 schön~:2.2 wunderschön~:3 wunderbar~:2.9 wundervoll~:2.9 herrlich~:2.7 großartig~:3
grossartig~:3 fantastisch~:3 phantastisch~:3 genial~:2.8 perfekt~:2.8 optimal~:2 ideal~:1.8 lecker~:2.2
nett~:1.8 lieb~:2 liebe:2.8 lieben:2.8 liebt:2.8 liebe:2.8 liebste~:2.8 liebling:2.4 herzlich~:2.1 süß~:2.1
suess~:2 süss~:2.1 schatz:1.9 hübsch~:2.1 fein~:1.4 froh~:2.2 fröhlich~:2.4 glücklich~:2.8 glueck*:2.4
glück:2.4 zufrieden~:2 dankbar~:2.4 danke:1.8 dank:1.5 vielen:0.3 gerne:1.3 gern:1.2 bitteschön:1 freude:2.5
freue:2.2 freuen:2.2 freut:2.2 freust:2.2 gefreut:2.2 freudig~:2.3 spaß:2.1 spass:2.1 lustig~:1.9 witzig~:1.8
lachen:1.9 lache:1.8 gelacht:1.8 hoffe:1 hoffentlich:0.8 hoffnung:1.6 juhu:2.4 yippie:2.4 hurra:2.4
endlich:0.9 spannend~:1.4 interessant~:1.3 erfolg:2.2 erfolgreich~:2.2 gewonnen:2.2 gewinnen:2 sieg:2.2
stolz~:1.9 beeindruckend~:2.4 empfehlen:1.6 empfehlenswert:2 bravo:2.3 wow:2 yeah:1 yay:2.2 jawoll:1.8
juchu:2.4 hammer:1.6 krass~:0.6 mega:1.2 wahnsinn:0.8 traum:2 traumhaft~:2.8 genießen:2.2 geniessen:2.2
genieße:2.2 entspannt~:1.6 gemütlich~:2 sonnig~:1.4 sonne:1 lächeln:2 umarmung:2 knuddel*:2 kuss:2 küsse:2
küsschen:2.1 gratuliere:2.5 glückwunsch*:2.5 gratulation:2.5 willkommen:1.6 bewundern:2 vermisse:0.4
gesund~:1.6 sicher~:0.8 richtig~:0.8 einfach:0.2 freundlich~:1.9 angenehm~:2 fit:1.3 yummy:2 lieblings*:2
best:1.9 bestes:2.4 top:2.2 okay:0.6 ok:0.5 passt:1 klappt:1.2 geklappt:1.5 gelungen~:2.1 bequem~:1.4
ruhig~:0.8 frei~:0.8 feier*:1.4 party:1.4 urlaub:1.6 ferien:1.6 wochenende:1.2 yes:1.2 ja:0.3 amüsant~:1.8
romantisch~:2 sexy:1.8 hilfreich~:1.9 hilfe:-0.2 unterstützung:1.2 unglaublich~:0.8 himmlisch~:2.6
göttlich~:2.6 vorfreude:2.5 verliebt~:2.6 knorke:2 yummi:2 mhh:1 hach:0.4 schlecht~:-2.1 schlimm~:-2.4
schlimmer:-2.4 schlimmste~:-2.9 furchtbar~:-2.8 schrecklich~:-2.9 grauenhaft~:-2.9 grausam~:-2.8
fürchterlich~:-2.8 katastrophe:-2.8 katastrophal~:-2.9 mies~:-2 beschissen~:-3 scheiß*:-2.6 scheiss*:-2.6
scheiße:-2.8 scheisse:-2.8 kacke:-2.4 mist:-1.8 verdammt~:-2 mistding:-2 blöd~:-2 bloed~:-2 doof~:-1.9
dumm~:-2.2 dämlich~:-2.2 idiot*:-2.4 arsch*:-2.4 trottel:-2.3 depp:-2.2 penner:-2.3 nervig~:-2 nerv*:-1.4
genervt~:-2.1 nervt:-2.1 ärger*:-2 aerger*:-2 sauer~:-1.8 wütend~:-2.6 wut*:-2.4 zorn*:-2.4 hass*:-2.8
hasse:-2.9 hässlich~:-2.2 ekel*:-2.4 eklig~:-2.4 widerlich~:-2.7 traurig~:-2.2 trauer:-2.2 heulen:-1.9
weinen:-2 geweint:-2 schade:-1.6 leider:-1.4 enttäusch*:-2.4 langweilig~:-1.8 langeweile:-1.7 müde~:-1.2
muede~:-1.2 erschöpft~:-1.6 krank~:-1.9 schmerz*:-2 weh:-1.6 kopfschmerz*:-1.9 erkält*:-1.5 angst:-2
ängstlich~:-2 sorge~:-1.6 sorgen:-1.5 besorgt~:-1.6 stress*:-1.8 problem*:-1.6 fehler:-1.5 falsch~:-1.4
kaputt~:-1.8 verloren~:-1.8 verlieren:-1.7 verliert:-1.7 niederlage:-2.1 tot~:-2.5 tod:-2.6 sterben:-2.6
gestorben:-2.6 tragisch~:-2.6 unfall:-2.2 krieg:-2.5 gewalt:-2.5 terror*:-2.8 mord*:-2.9 opfer:-1.8
skandal*:-2.2 unfassbar~:-1 peinlich~:-2 unfair~:-2 ungerecht~:-2.1 lüge*:-2.2 lügen:-2.2 lügner:-2.5
betrug:-2.4 betrüger:-2.4 verarsch*:-2.3 abzocke:-2.4 frech~:-1.4 unverschämt~:-2.4 respektlos~:-2.2
egoist*:-2 streit*:-2.2 zoff:-2 krise:-2 chaos:-1.6 panik:-2.2 schock*:-2 entsetz*:-2.6 einsam~:-2.1
allein:-0.8 vermissen:-0.5 pech:-1.8 fies~:-2 gemein~:-2 böse~:-2 boese~:-2 übel~:-2 uebel~:-2 schwierig~:-1.1
anstrengend~:-1.4 hart~:-0.8 kalt~:-0.6 regen:-0.6 verspätung:-1.4 verspätet~:-1.4 ausfall:-1.4 stau:-1.4
sinnlos~:-1.9 nutzlos~:-2 spät:-0.3 aggro:-2.2 abkotzen:-2.6 kotz*:-2.6 nervös~:-1.3 bescheuert~:-2.4
behindert~:-2.4 lahm~:-1.4 hölle:-2.5 verflucht~:-2.2 mistwetter:-2 uff:-1 seufz:-1.4 hmpf:-1.2 menno:-1.5
grr:-1.8 grrr:-2 ach:-0.2 autsch:-1.6 aua:-1.6 oje:-1.4 ojemine:-1.4 nee:-0.6 nein:-0.6 ohje:-1.4 pfui:-2
bäh:-2 igitt:-2.2 verzweifelt~:-2.4 einsamkeit:-2 hilflos~:-2 kritik:-1.2 kritisch~:-0.9 gefährlich~:-1.8
gefahr:-1.7 warnung:-1.2 unterschätzt~:-0.8
"""

ES = """
de_menos:-0.8 cerrad~:-0.8 coraje:-1.5 angusti*:-2 repelente~:-1.8 ingrat~:-1.8 prepotent*:-2
gran:1.8 inteligente~:2 adorable~:2.5 especial~:1.8 agusto:2 a_gusto:2 inolvidable~:2.8 comodo~:1.6 al_fin:1.4
molaria:2 molon~:2 entretenido~:1.8 espero:0.8 joya*:2.2 bombon:2 estafa*:-2.4 iluso~:-1.5 desesperad~:-2.2
trillado~:-1.2 abandonad*:-1.8 arruinad~:-2.2 miseria:-2.4 gordo~:-1 homofob*:-2.3 rompi*:-1.5 raro~:-0.8
perverso~:-1.5 masoquista:-1.5 pobre~:-1.4 regular:-0.8 critic*:-1.5 nada_mejor:2.6 no_pasa:1
no_te_preocupes:1.5 sin_duda:1.2 ni_idea:-0.3 de_nada:1.2 gustaria:1.2 encantaria:2.4 bien:1.2 buen~:2
buenisim~:3 mejor:1.9 mejores:1.9 genial~:2.8 excelente~:3 estupend~:2.8 maravill*:3 perfect~:2.8 fantastic~:3
increible~:2 hermos~:2.7 precios~:2.6 lind~:2.3 bonit~:2.3 guap~:2.1 rico:2 rica:2 ricos:1.8 delicios~:2.6
feliz:2.8 felices:2.8 felicidad:2.9 felicidades:2.8 felicit*:2.6 alegr*:2.4 contento~:2.2 encant*:2.6 amor:2.8
amo:2.6 ama:2.4 aman:2.4 amar:2.4 amigo~:1.2 querid~:2.1 quiero:0.4 quiere:0.4 quieren:0.4 queria:0.4
te_quiero:2.6 gracias:1.9 graci*:1.8 agradec*:2.2 divertid~:2.2 diversion:2 disfrut*:2.4 gust*:1.5
fenomenal~:2.8 chevere:2.4 chido:2.2 guay:2.4 mola:2.1 molan:2.1 brutal~:1.5 bacan~:2.4 bacano:2.4 top:2
crack:2 orgullo*:2 exito*:2.4 ganar:1.8 ganamos:2.2 gano:1.6 gol:1.4 golazo:2.6 campeon*:2.4 victoria:2.4
suerte:1.4 esperanza:1.8 ojala:1 tranquil~:1.3 paz:2 calma:1.2 relax:1.3 sonris*:2.2 reir:1.9 risa:1.9
risas:1.9 beso*:2.2 abrazo*:2.3 besit*:2.3 cariño:2.4 carino:2.4 dulce~:1.9 simpatic~:2 amable~:2.1
bienvenid~:1.8 fiesta:1.6 vacaciones:1.8 celebr*:1.9 emocion*:1.8 ilusion*:2.1 interesante~:1.4 util~:1.3
facil~:1 listo:0.6 vale:0.3 ok:0.5 sii:1 siii:1.3 por_fin:1.4 bendicion*:2.2 bendit~:1.8 dios:0.4 suerte:1.4
apoyo:1.4 ayuda:0.4 lujo:1.9 crack:2 fuerza:1.2 animo:1.8 guapisim~:3 buenos:1.6 buenas:1.6 gratis:0.8 chulo:2
chula:2 mejorar:1.4 bueno:1.6 acierto:1.8 enhorabuena:2.8 felicita:2.4 aplauso*:2.1 bravo:2.2 ole:2 olee:2.2
viva:1.8 super:2.2 superbien:2.6 yuju:2.2 yupi:2.2 hurra:2.2 wow:2 guau:2 buenisimo:3 genialidad:2.6
ternura:2.3 tierno:2 tierna:2 orgullos~:2.2 mal:-2 malo~:-2 bell~:2.5 jope:-1.5 malas:-2 peor:-2.4 peores:-2.4
pesim~:-2.8 horribl*:-2.9 terribl*:-2.8 fatal~:-2.6 asco:-2.6 asqueros~:-2.7 odio:-2.9 odi*:-2.6 triste~:-2.2
tristeza:-2.4 llor*:-2 pena:-1.8 penoso:-2.2 lastima:-1.6 dolor*:-2.1 duele:-2 enferm*:-1.8 cansad~:-1.4
cansancio:-1.4 agotad~:-1.6 aburr*:-1.8 miedo:-2.2 panico:-2.2 preocup*:-1.6 problema*:-1.6 error*:-1.5
culpa:-1.6 mierda:-2.8 puto~:-2.2 joder:-2 jodid~:-2.3 cabron*:-2.4 idiota~:-2.4 imbecil~:-2.6 estupid~:-2.4
tont~:-1.8 gilipoll*:-2.7 pendej*:-2.4 maldit~:-2.3 coño:-1.6 cono:-1.6 hostia:-1.4 carajo:-1.8 rabia:-2.3
enfad*:-2.2 enoj*:-2.2 cabre*:-2.2 molest*:-1.8 harto~:-2.1 injust*:-2.3 verguenza:-2.2 verguenz*:-2.2
ridicul~:-2.1 mentir*:-2.1 mentira*:-2.2 mentiros~:-2.4 robo:-2.2 robar:-2.1 corrupt*:-2.5 crisis:-2
muerte:-2.6 muert~:-2.5 morir:-2.4 murio:-2.4 matar:-2.8 mato:-2.5 asesin*:-2.9 guerra:-2.5 violencia:-2.7
accidente:-2.1 tragedia:-2.7 victima*:-2 perdi*:-1.6 perder:-1.5 derrota:-2.2 fracas*:-2.3 roto~:-1.5
feo~:-1.9 horror:-2.7 desastre:-2.7 sufr*:-2.2 soledad:-2 solo:-0.2 sola:-0.4 extraño:-0.6 echo_de_menos:-0.5
decepcion*:-2.4 decepcion~:-2.4 fallo:-1.5 fallar:-1.5 insoportable~:-2.5 nervios*:-1.5 estres*:-1.8
agobi*:-1.9 frustr*:-2.2 grave~:-1.8 dificil~:-1.1 duro:-0.8 dura:-0.8 dificultad:-1.3 tarde:-0.2 retraso:-1.3
lluvia:-0.4 frio:-0.6 calor:-0.5 resfriad~:-1.5 fiebre:-1.6 quej*:-1.6 basura:-2.3 maleducad~:-2.3 chungo~:-2
chunga~:-2 fatal:-2.6 nefast~:-2.7 lamentabl*:-2.3 desgracia*:-2.4 ay:-0.8 uf:-1 uff:-1.2 buf:-1.2 puaj:-2
bah:-1 grr:-1.8 mierdas:-2.6 putada:-2.5 caca:-1.8 vago:-1.4 envidia:-1 celos*:-1.5 pelea*:-2.2 discut*:-1.5
bronca:-2 amenaz*:-2.3 peligro*:-1.9 grito*:-1.6 gritar:-1.6 insult*:-2.3 burla*:-1.8 dano:-2 daño:-2
"""

# Words that flip (negators), strengthen (boosters) or soften (dampeners) the next sentiment word,
# and conjunctions after which the clause counts more ("but" in VADER).
NEGATORS = {
    "de": frozenset("""
kaum kein keine keinem keinen keiner keines ned net nich nicht nichts nie niemals niemand nix ohne
weder
""".split()),  # noqa: SIM905
    "es": frozenset("""
jamas nada nadie ni ningun ninguna ninguno no nunca nunk sin tampoco
""".split()),  # noqa: SIM905
}
BOOSTERS = {
    "de": frozenset("""
absolut ausserst besonders echt extrem höchst komplett mega richtig sehr so soo sooo sowas tierisch
total unglaublich verdammt voll völlig wahnsinnig wirklich ziemlich zu äußerst
""".split()),  # noqa: SIM905
    "es": frozenset("""
bastante demasiado increiblemente mas mega muy re realmente requete sumamente super tan tanta tanto
totalmente tremendamente
""".split()),  # noqa: SIM905
}
DAMPENERS = {
    "de": frozenset("""
bisschen bissl eher etwas fast halbwegs kaum leicht relativ wenig
""".split()),  # noqa: SIM905
    "es": frozenset("""
algo apenas casi ligeramente medio poco
""".split()),  # noqa: SIM905
}
CONTRAST = {"de": frozenset({"aber", "jedoch", "trotzdem"}), "es": frozenset({"pero", "aunque", "sino"})}

# Function words for guess_language: frequent, short, and rarely shared between the three languages.
FUNCTION_WORDS = {
    "en": frozenset("""
all and are at be but can do don't dont for good have he how i i'm im is it it's its just love me my
not of on really she so thanks that the they this to very was we what will with you your
""".split()),  # noqa: SIM905
    "de": frozenset("""
aber auch auf bin bitte danke dann das dem den der dich die dir doch du ein eine einfach es gerade gut
hab habe hast hat heute ich ist ja jetzt kann mal mich mir mit nein nicht noch nur oder schon sehr sie
sind und war was wenn wie wieder wir zu
""".split()),  # noqa: SIM905
    "es": frozenset("""
al bien como con de del el en es eso esta esto estoy fue gracias hay hoy jaja jajaja la las lo los mas
me mi muy nada no para pero por porque que se si son te tengo todo tu un una y ya yo
""".split()),  # noqa: SIM905
}


def fold(word: str, language: str) -> str:
    """Lower-case and spell a word the way lexicon keys are spelt, so 'Scheiße' finds 'scheisse'."""
    word = word.lower().replace("’", "'")
    if language == "de":
        return word.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def _inflect(base: str, language: str) -> tuple[str, ...]:
    """The forms a `word~` entry stands for: German adjective endings, Spanish gender and number."""
    if language == "de":
        stem = base[:-1] if base.endswith("e") else base
        return (base, *(stem + end for end in ("e", "en", "er", "es", "em")))
    if base[-1] in "oa":
        return (base, *(base[:-1] + end for end in ("o", "a", "os", "as")))
    if base.endswith("e"):
        return (base, base + "s")
    return (base, base + "es", *(base + end for end in ("o", "a", "os", "as")))


def _compile(text: str, language: str) -> tuple[dict[str, float], dict[str, float]]:
    """Expand the compact `word:valence` notation into exact words and prefix stems."""
    words: dict[str, float] = {}
    stems: dict[str, float] = {}
    for entry in text.split():
        key, _, value = entry.rpartition(":")
        valence = float(value)
        if key.endswith("*") and key[:-1].isalpha():
            stems[fold(key[:-1], language)] = valence
        elif key.endswith("~"):
            for form in _inflect(fold(key[:-1], language), language):
                words.setdefault(form, valence)
        else:
            words[fold(key, language)] = valence
    return words, stems


@cache
def tables(language: str) -> tuple[dict[str, float], dict[str, float]]:
    """Exact words (shared chat words included) and prefix stems of 'de' or 'es', built once."""
    words, stems = _compile(DE if language == "de" else ES, language)
    shared, _ = _compile(SHARED, language)
    return {**shared, **words}, stems
