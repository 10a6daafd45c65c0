"""What part of a message is the question: rules the classifier applies before it reads a text.

People open with courtesies ("Buen día, quisiera saber…", "Hola, una pregunta:") that say
nothing about what they ask, and whose words would pull a short question towards the greeting.
The classifier reads the message without them, in training and at run time alike; a greeting on
its own is left as it is, so it is still a greeting.
"""

import re
from collections.abc import Callable

from bot.texto import sin_acentos

#: Where the classifier leaves the entry of a message's second question (Rasa parse data).
OTRA_PREGUNTA = "otra_pregunta"

#: Courtesies at the start of a message, in the accentless lowercase form of ``_plano``.
_CORTESIAS = (
    r"hola+s?",
    r"holis",
    r"buen(?:os|as)? (?:dias?|tardes?|noches?)",
    r"buen(?:as|os)",
    r"que tal",
    r"que onda",
    r"saludos",
    r"(?:muy )?buen dia",
    r"disculpe?a?",
    r"perdon",
    r"oiga?",
    r"oye",
    r"senorita",
    r"joven",
    r"amig[oa]",
    r"licenciad[oa]",
    r"hi",
    r"hello",
    r"hey",
    r"good (?:morning|afternoon|evening)",
    r"(?:tengo |les hago |le hago |te hago )?una (?:pregunta|duda|consulta)",
    r"(?:quisiera|queria|quiero|me gustaria|necesito|nomas quiero|solo quiero) "
    r"(?:saber|preguntar(?:les|le|te)?|informacion|consultar(?:les|le|te)?)",
    r"por favor",
    r"me pueden? (?:ayudar|orientar|informar)",
)
_INICIO = re.compile(
    r"^(?:[¿¡]?(?:" + "|".join(_CORTESIAS) + r")\b[\s,.:;!?-]*)+",
)
_MIN_PALABRAS = 2


def _plano(texto: str) -> str:
    """Lowercase without accents, so one pattern covers "Buen día" and "buen dia"."""
    return sin_acentos(texto.lower())


def sin_cortesias(texto: str) -> str:
    """The message without the courtesies it opens with, when a question follows them."""
    plano = _plano(texto)
    inicio = _INICIO.match(plano)
    if not inicio or not inicio.group(0).strip():
        return texto
    # The match is on the accentless text; cut the original one at the same letter.
    resto = _recortar(texto, len(inicio.group(0)))
    if len(re.findall(r"\w+", resto)) < _MIN_PALABRAS:
        return texto
    return resto


def _recortar(texto: str, base: int) -> str:
    """``texto`` from its ``base``-th character of ``_plano`` on."""
    vistos = 0
    for i, c in enumerate(texto):
        if vistos >= base:
            return texto[i:].strip()
        vistos += len(_plano(c))
    return ""


_PREGUNTA = re.compile(r"[^?¿\n]*\?|[^?\n]+$")


def preguntas(texto: str) -> list[str]:
    """The questions a message asks, in order: segments ending in "?" (or the last line) with at
    least three words; the whole message when it asks one thing or has no question marks."""
    partes = [p.strip(" ¿?\n,.;") for p in _PREGUNTA.findall(texto)]
    completas = [p for p in partes if len(re.findall(r"\w+", p)) >= 3]
    return completas if len(completas) > 1 else [texto]


# Urgent messages must get their number at once, whatever the classifier makes of a long or
# misspelt message: a few narrow patterns (first person, present) that a PTI question does not
# match ("¿el IMSS cubre emergencias?" is a question, "tengo una emergencia" is not).
_URGENCIAS = (
    (
        "urgente_crisis_suicidio",
        r"\bsuicid\w*|\bquitarme la vida\b|\bme quiero morir\b|\bquiero morirme\b"
        r"|\bmatarme\b|\bno quiero (?:seguir )?vivir\b|\bhacerme dano\b|\bkill myself\b",
    ),
    (
        "urgente_detencion",
        r"\b(?:detuvo|detuvieron|agarro|agarraron|arresto|arrestaron|llevo|llevaron)\b.{0,40}"
        r"\b(?:ice|migra|migracion|inmigracion)\b"
        r"|\b(?:detenid[oa]s?|arrestad[oa]s?) (?:por|en) (?:el |la )?(?:ice|migra|migracion)\b",
    ),
    (
        "urgente_violencia",
        r"\bme (?:pega|golpea|golpeo|amenaza con|quiere matar)\b|\bviolencia domestica\b",
    ),
    (
        "urgente_emergencia_medica",
        r"\b(?:tengo|hay|es) una emergencia\b|\bno (?:puede|puedo) respirar\b|\binfarto\b"
        r"|\bse (?:desmayo|esta desangrando)\b|\bsobredosis\b",
    ),
    (
        "urgente_desaparecido",
        r"\b(?:esta|estan) desaparecid[oa]s?\b|\bno sabemos nada de (?:mi|el|ella)\b",
    ),
)
_URGENCIAS_RE = tuple((entrada, re.compile(patron)) for entrada, patron in _URGENCIAS)


#: Pointers to US agencies ("eso es de EE. UU.").
_PUNTEROS_EEUU = frozenset(
    {
        "fuera_social_security",
        "fuera_medicare",
        "fuera_medicaid",
        "fuera_seguro_medico_eeuu",
        "fuera_desempleo_eeuu",
        "fuera_apoyos_eeuu",
    }
)

#: Entries outside the AFORE and pension families whose training examples name the AFORE.
_CON_AFORE = frozenset(
    {
        "general_seguro_retiro",
        "tramite_gestores_fraude",
        "fuera_prestamos",
        "fuera_issste",
        "otras_ssf_vs_pti",
    }
)

#: Names in a message that settle which knowledge-base entries it can get, in ``_plano`` form.
#: A message that names the IMSS asks about the IMSS ("¿cómo cobro mi jubilación del IMSS desde
#: EE. UU.?") even in the words of Social Security questions: none of the real out-of-scope
#: questions of the training half nor any US pointer's example names it. One that names a
#: program asks about that program: of the training examples that name Modalidad 40, 226 of 227
#: are its entries (the other warns of "gestores"), as are all that name Infonavit, the
#: Modalidad 44 or the Seguro de Salud para la Familia (the Modalidad 33, facts.md). One that names
#: the AFORE asks about it or a pension: 232 of the 241 examples that name it are AFORE or pension
#: entries, and the other nine belong to the five entries of ``_CON_AFORE``.
_NOMBRES: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        re.compile(r"\b(?:imss|imms|instituto mexicano del seguro social)\b"),
        lambda entrada: entrada not in _PUNTEROS_EEUU,
    ),
    (
        re.compile(r"\b(?:modalidad|modality|mod|mode)\.? ?40\b|\bm ?40\b"),
        lambda entrada: entrada.startswith("otras_m40_") or entrada == "tramite_gestores_fraude",
    ),
    (re.compile(r"\binfonavit\b"), lambda entrada: entrada == "otras_infonavit"),
    (
        re.compile(r"\b(?:modalidad|modality|mod) ?44\b|\bm ?44\b"),
        lambda entrada: entrada == "otras_m44",
    ),
    (
        re.compile(
            r"seguro de (?:la )?salud para la familia|family health insurance"
            r"|\b(?:modalidad|modality|mod) ?33\b"
        ),
        lambda entrada: entrada.startswith("otras_ssf_"),
    ),
    (
        re.compile(r"\bafores?\b"),
        lambda entrada: entrada.startswith(("afore_", "pension_")) or entrada in _CON_AFORE,
    ),
)


def entradas_admitidas(texto: str) -> Callable[[str], bool]:
    """Which knowledge-base entries the names in a message admit (every one, if it names none)."""
    plano = _plano(texto)
    reglas = [admite for patron, admite in _NOMBRES if patron.search(plano)]
    return lambda entrada: all(admite(entrada) for admite in reglas)


def urgencia(texto: str) -> str | None:
    """The urgent knowledge-base entry a message calls for, if it describes an emergency."""
    plano = _plano(texto)
    return next((entrada for entrada, patron in _URGENCIAS_RE if patron.search(plano)), None)
