"""The registration folio: "OR-" + 10 Crockford base-32 characters ("OR-7K2M9QX4TB").

The service makes them (:func:`nuevo_folio`); the chat reads them as people write them
(:func:`normalizar_folio`, :func:`hay_folio`); the console and the handoff summary recognise the
stored form (:func:`es_folio`); scripts find them in the bot's answers (:data:`FOLIO_EN_TEXTO`).
"""

from __future__ import annotations

import re
import secrets

from bot.validacion import ErrorValidacion

__all__ = [
    "ALFABETO",
    "FOLIO_EN_TEXTO",
    "LARGO",
    "PREFIJO",
    "es_folio",
    "hay_folio",
    "normalizar_folio",
    "nuevo_folio",
]

PREFIJO = "OR-"
ALFABETO = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32 (no I, L, O, U)
LARGO = 10

_CLASE = "[" + ALFABETO + "]"
_FOLIO = re.compile(rf"^{re.escape(PREFIJO)}{_CLASE}{{{LARGO}}}$")
#: A folio as the service writes it, inside a longer text (the bot's answer).
FOLIO_EN_TEXTO = re.compile(rf"\b{re.escape(PREFIJO)}{_CLASE}{{{LARGO}}}\b")
# As people write it in a sentence: "or 7k2m 9qx4tb", "OR_7K2M9QX4TB" (upper-cased first).
_FOLIO_EN_FRASE = re.compile(r"\bOR[\s\-\._]*([0-9A-Z](?:[\s\-]?[0-9A-Z]){9})\b")
_CROCKFORD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARADORES = re.compile(r"[\s\-\._/]+")


def nuevo_folio() -> str:
    """A new random folio (50 bits)."""
    return PREFIJO + "".join(secrets.choice(ALFABETO) for _ in range(LARGO))


def es_folio(texto: str | None) -> bool:
    """True for a folio in its stored form, exactly ("OR-7K2M9QX4TB")."""
    return bool(_FOLIO.match(str(texto or "")))


def normalizar_folio(texto: str | None) -> str:
    """ "or 7k2m9qx4tb" -> "OR-7K2M9QX4TB". Raises ErrorValidacion if it is not a folio."""
    crudo = str(texto or "").strip().upper()
    compacto = _SEPARADORES.sub("", crudo)
    cuerpo = None
    if len(compacto) == len(PREFIJO) - 1 + LARGO and compacto.startswith(PREFIJO[:-1]):
        cuerpo = compacto[len(PREFIJO) - 1 :]
    elif len(compacto) == LARGO:
        cuerpo = compacto
    else:
        encontrado = _FOLIO_EN_FRASE.search(crudo)
        if encontrado:
            cuerpo = _SEPARADORES.sub("", encontrado.group(1))
    if cuerpo is not None:
        cuerpo = cuerpo.translate(_CROCKFORD)
        if len(cuerpo) == LARGO and all(c in ALFABETO for c in cuerpo):
            return PREFIJO + cuerpo
    raise ErrorValidacion("El folio no tiene el formato correcto.", "folio")


def hay_folio(texto: str | None) -> bool:
    """True when a sentence contains an "OR-..." folio (used on the activating message)."""
    encontrado = _FOLIO_EN_FRASE.search(str(texto or "").upper())
    if not encontrado:
        return False
    try:
        normalizar_folio(encontrado.group(0))
    except ErrorValidacion:
        return False
    return True
