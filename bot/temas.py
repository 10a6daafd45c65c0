"""Topic inventory shared by the actions, the tests and (later) the promoters' console.

The intents themselves live in domain.yml; this module only adds what code needs on top:
human labels for suggestion buttons and the rule for which intents are factual topics.
"""

import re

# Factual PTI topics in menu order; each has `utter_<tema>` and `utter_<tema>_detalle` responses.
TEMAS: dict[str, str] = {
    "que_es_pti": "Qué es el programa PTI",
    "seguros_lista": "Los cinco seguros",
    "seguro_enfermedades": "Seguro de Enfermedades y Maternidad",
    "seguro_riesgos": "Seguro de Riesgos de Trabajo",
    "seguro_invalidez": "Seguro de Invalidez y Vida",
    "seguro_retiro": "Seguro de Retiro, Cesantía y Vejez",
    "seguro_guarderias": "Seguro de Guarderías y Prestaciones Sociales",
    "elegibilidad": "Quién puede inscribirse",
    "estatus_migratorio": "Estatus migratorio",
    "requisitos": "Requisitos",
    "obtener_nss": "Cómo obtener tu NSS",
    "procedimiento": "Pasos para inscribirte",
    "costo": "Cuánto cuesta",
    "pago": "Cómo y cuándo pagar",
    "familia": "Tu familia y beneficiarios",
    "donde_atencion": "Dónde te atienden",
    "teleconsulta": "Teleconsulta",
    "tiempos_espera": "Tiempos de espera",
    "afore": "Reactivar tu AFORE",
    "pension": "Pensión y semanas",
    "ventanillas_salud": "Ventanillas de Salud",
    "contacto": "Contactos oficiales",
    "costo_ayuda_consulado": "¿La ayuda cuesta?",
    "modalidad_40": "Diferencia con la Modalidad 40",
    "seguro_familia": "Diferencia con el Seguro de Salud para la Familia",
}

MAX_SUGERENCIAS = 3


def es_tema(intent: str | None) -> bool:
    return intent in TEMAS


def respuesta_corta(tema: str) -> str:
    return f"utter_{tema}"


def respuesta_detalle(tema: str) -> str:
    return f"utter_{tema}_detalle"


def tema_de_respuesta(action_name: str | None) -> str | None:
    """Maps `utter_costo` back to `costo`; anything else (incl. `_detalle`) to None."""
    if not action_name or not action_name.startswith("utter_"):
        return None
    tema = action_name[len("utter_") :]
    return tema if es_tema(tema) else None


def sugerencias(intent_ranking: list[dict], maximo: int = MAX_SUGERENCIAS) -> list[str]:
    """The most likely factual topics from an NLU intent ranking, best first."""
    temas = [r.get("name") for r in intent_ranking if es_tema(r.get("name"))]
    return temas[:maximo]  # type: ignore[return-value]  # es_tema() lets only TEMAS' names in


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
