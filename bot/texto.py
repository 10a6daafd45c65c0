"""Text that arrives from outside (chat channels, analytics): what is dropped before using it."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CARACTERES_DE_CONTROL",
    "clave_de_pregunta",
    "limpiar_texto",
    "sin_acentos",
    "sin_caracteres_de_control",
]

#: C0/C1 controls (not tab/newline/carriage return), DEL, bidi embeddings/overrides/isolates,
#: lone surrogates and non-characters: they spoof what a promoter reads in the console (bidi
#: overrides reorder it) and PostgreSQL rejects \x00 in text columns.
CARACTERES_DE_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def sin_caracteres_de_control(texto: str) -> str:
    """The text without the characters of :data:`CARACTERES_DE_CONTROL` (spaces kept)."""
    return CARACTERES_DE_CONTROL.sub("", texto)


def sin_acentos(texto: str) -> str:
    """The text without diacritics ("á" -> "a", "ñ" -> "n"), one character for each one of the
    text's composed characters, so positions in both match."""
    descompuesto = unicodedata.normalize("NFKD", texto)
    return "".join(c for c in descompuesto if not unicodedata.combining(c))


def limpiar_texto(texto: str) -> str:
    """The text without control characters, bidi overrides or lone surrogates, stripped."""
    return sin_caracteres_de_control(texto).strip()


def clave_de_pregunta(texto: str) -> str:
    """A question's identity when it is looked for among others: case, accents and punctuation
    aside, so "¿Cuál es…?" and "cual es…" are the same question."""
    return " ".join(re.sub(r"[^\w\s]", " ", sin_acentos(str(texto).lower())).split())
