"""What the assistant can answer, for the actions, the tests and the console.

The answers are the knowledge-base entries (bot.conocimiento, data/conocimiento/): Rasa's
ResponseSelector picks one for the retrieval intent ``faq``; this module reads that choice out of
a parsed message and gives the entries' titles for suggestion buttons and statistics.
"""

import re
from functools import cache

from bot import conocimiento
from bot.consulta import OTRA_PREGUNTA

INTENT = conocimiento.INTENT
MAX_SUGERENCIAS = 3
#: Below this the ResponseSelector's pick is a guess: shown as "¿Preguntas por esto?".
UMBRAL_SUGERENCIA = 0.15


@cache
def entradas() -> dict[str, conocimiento.Entrada]:
    return conocimiento.por_id(conocimiento.cargar())


@cache
def titulos() -> dict[str, str]:
    """Entry id -> its title, for buttons, handoff summaries and statistics."""
    return {i: e.titulo for i, e in entradas().items()}


def es_tema(entrada: str | None) -> bool:
    return entrada in entradas()


def respuesta_corta(entrada: str) -> str:
    return f"utter_{INTENT}/{entrada}"


def _id(clave: object) -> str | None:
    """``faq/<id>`` -> ``<id>`` when it is a known entry."""
    if isinstance(clave, str) and clave.startswith(f"{INTENT}/"):
        entrada = clave[len(INTENT) + 1 :]
        return entrada if es_tema(entrada) else None
    return None


def _selector(parse_data: dict | None) -> dict:
    selector = (parse_data or {}).get("response_selector") or {}
    return selector.get(INTENT) or selector.get("default") or {}


def entrada_elegida(parse_data: dict | None) -> str | None:
    """The entry the ResponseSelector chose for a message (whatever its intent)."""
    respuesta = _selector(parse_data).get("response") or {}
    return _id(respuesta.get("intent_response_key"))


def tema_de_mensaje(parse_data: dict | None) -> str | None:
    """The entry a message was answered with: only when its intent is the knowledge base."""
    intent = ((parse_data or {}).get("intent") or {}).get("name")
    return entrada_elegida(parse_data) if intent == INTENT else None


def otra_pregunta(parse_data: dict | None) -> str | None:
    """The entry of a second question in the same message, when the classifier found one."""
    otra = (parse_data or {}).get(OTRA_PREGUNTA) or {}
    return _id(otra.get("intent_response_key"))


def sugerencias(parse_data: dict | None, maximo: int = MAX_SUGERENCIAS) -> list[str]:
    """The most likely entries for a message, best first (for "¿Preguntas por esto?")."""
    ranking = _selector(parse_data).get("ranking") or []
    ids = [_id(r.get("intent_response_key")) for r in ranking if isinstance(r, dict)]
    return [i for i in ids if i][:maximo]


def pregunta_de(entrada: str) -> str:
    """A button's payload: the entry's shortest way of asking in three words or more, which the
    model answers with that entry (a button must also work as typed text, e.g. on SMS)."""
    preguntas = entradas()[entrada].preguntas
    completas = [p for p in preguntas if len(p.split()) >= 3] or list(preguntas)
    return min(completas, key=len)


# Small closed word lists are enough to tell English from Spanish in short chat messages;
# a language-id model would be one more dependency and slower for no gain here.
_INGLES = set(
    "the is are do does how what when where who which can could i my you your it "
    "much cost costs need needs insurance social security sign up apply pay "
    "family hello hi thanks thank please help with for of and to get have".split()
)
_ESPANOL = set(
    "el la los las de del que como cuanto cuando donde quien puedo mi mis tu es son "
    "para por con un una y o seguro hola gracias quiero tengo necesito pagar familia".split()
)
_PALABRA = re.compile(r"[a-záéíóúñü']+")


def parece_ingles(texto: str) -> bool:
    palabras = _PALABRA.findall(texto.lower())
    if not palabras:
        return False
    ingles = sum(p in _INGLES for p in palabras)
    espanol = sum(p in _ESPANOL for p in palabras)
    return ingles >= 1 and ingles > espanol


def sin_letras(texto: str) -> bool:
    """Emoji-only, punctuation-only or empty messages."""
    return not any(c.isalpha() for c in texto)
