"""The content rules every answer keeps, for the content tests and the console's editor alike.

SMS length of the short answer (and its GSM-7 segments), a source line with a date, "tú" (never
"usted"), every figure present in the listed sources, and uncertain (⚠) topics keep "confírmalo
con el IMSS". Each rule gives its reason in Spanish; a change that breaks one cannot be published.

Pure: texts in, problems out. The sources are files (shared/knowledge/facts*.md and the seeds);
where they are not beside the checkout, the figure rule cannot run and says so (an ``aviso``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

from bot import conocimiento as kb
from bot.mensajes import a_gsm7, segmentos_sms

MAX_SMS = kb.MAX_SMS
#: 320 GSM-7 characters are 3 concatenated segments (153 each): the short answer's budget.
MAX_SEGMENTOS = 3
#: Figures up to 12 are list numbers and months, not claims.
MAYOR_QUE = 12
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def fuentes(shared: Path = SHARED) -> list[Path]:
    """The files every figure must come from (newest addendum included)."""
    return [
        shared / "knowledge" / "facts.md",
        shared / "knowledge" / "facts-addendum-2026-12.md",
        *sorted((shared / "seeds").glob("*.txt")),
    ]


# "Ej.: 15 mil pesos o (312) 555-1234": an example of how to answer is not a claim.
EJEMPLO = re.compile(r"\b(?:Ej\.|Ejemplo)\s*:.*$", re.MULTILINE)
USTED = re.compile(r"\busted(es)?\b", re.IGNORECASE)
# A source line names a date: 24/02/2026, a year, or "(s.f.)" (sin fecha, said openly).
FECHA_FUENTE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b(19|20)\d{2}\b|\bs\.\s?f\.")


def numeros(texto: str) -> set[str]:
    """Figures in a text, digits only ("1,700" -> "1700"; a phone number gives its groups)."""
    crudos = re.findall(r"\d+(?:[.,]\d+)*", EJEMPLO.sub("", texto))
    return {re.sub(r"\D", "", n) for n in crudos}


@cache
def _numeros_de(rutas: tuple[Path, ...]) -> frozenset[str]:
    return frozenset().union(*(numeros(p.read_text(encoding="utf-8")) for p in rutas))


def numeros_de_fuentes(rutas: Iterable[Path] | None = None) -> frozenset[str] | None:
    """Every figure of the sources; None when the sources are not there."""
    rutas = tuple(rutas if rutas is not None else fuentes())
    if not rutas or not rutas[0].exists():
        return None
    return _numeros_de(rutas)


def cifras_inventadas(texto: str, de_fuentes: frozenset[str]) -> list[str]:
    """Figures above 12 in ``texto`` that no source has, in order of appearance."""
    crudos = re.findall(r"\d+(?:[.,]\d+)*", EJEMPLO.sub("", texto))
    vistas: list[str] = []
    for crudo in crudos:
        n = re.sub(r"\D", "", crudo)
        if int(n) > MAYOR_QUE and n not in de_fuentes and crudo not in vistas:
            vistas.append(crudo)
    return vistas


def usa_usted(texto: str) -> bool:
    return bool(USTED.search(texto))


@dataclass(frozen=True)
class Revision:
    """Problems block publishing; avisos are shown but do not."""

    problemas: list[str] = field(default_factory=list)
    avisos: list[str] = field(default_factory=list)
    largo_sms: int = 0
    segmentos_sms: int = 0

    @property
    def aprobada(self) -> bool:
        return not self.problemas


@dataclass(frozen=True)
class Cambio:
    """What a promoter may edit of an entry (the ways of asking still need a retrain)."""

    titulo: str
    corta: str
    detalle: str
    fuente: str
    revisar_antes_de: date
    incierto: bool

    @classmethod
    def de_entrada(cls, e: kb.Entrada) -> Cambio:
        return cls(e.titulo, e.corta, e.detalle, e.fuente, e.revisar_antes_de, e.incierto)

    def aplicado_a(self, e: kb.Entrada) -> kb.Entrada:
        """The entry as it reads with this change (texts normalised as the loader does)."""
        return replace(
            e,
            titulo=" ".join(self.titulo.split()),
            corta=" ".join(self.corta.split()),
            detalle=self.detalle.strip(),
            fuente=" ".join(self.fuente.split()).rstrip("."),
            revisar_antes_de=self.revisar_antes_de,
            incierto=self.incierto,
        )


def _estructura(e: kb.Entrada) -> list[str]:
    """bot.conocimiento's own rules for an entry, as separate reasons."""
    try:
        kb.revisar(e)
    except kb.EntradaInvalida as error:
        texto = str(error).split(": ", 1)[-1]
        return [p.strip() for p in texto.split(";") if p.strip()]
    except (ValueError, KeyError, IndexError) as error:  # a malformed {placeholder}
        return [f"hay llaves {{ }} mal escritas ({type(error).__name__})"]
    return []


def revisar_textos(
    e: kb.Entrada,
    valores: kb.ValoresDelAnio,
    de_fuentes: frozenset[str] | None,
) -> Revision:
    """Every content rule for entry ``e`` with this year's values filled in."""
    problemas = _estructura(e)
    if problemas:
        return Revision(problemas)
    corta, detalle = kb.texto_corto(e, valores), kb.texto_detalle(e, valores)
    largo, segmentos = len(corta), segmentos_sms(a_gsm7(corta))
    avisos: list[str] = []
    if largo > MAX_SMS:
        problemas.append(
            f"la respuesta corta mide {largo} caracteres; en un SMS caben {MAX_SMS}: acórtala"
        )
    elif segmentos > MAX_SEGMENTOS:
        problemas.append(
            f"la respuesta corta ocupa {segmentos} partes de SMS (máximo {MAX_SEGMENTOS})"
        )
    if not e.fuente:
        problemas.append("falta la fuente (quién lo publicó y cuándo)")
    elif not FECHA_FUENTE.search(e.fuente):
        problemas.append(
            "la fuente debe llevar su fecha (p. ej. 24/02/2026, un año, o «(s.f.)» si no tiene)"
        )
    if usa_usted(corta) or usa_usted(detalle):
        problemas.append("habla de tú a la persona: quita «usted»")
    if de_fuentes is None:
        avisos.append("no se revisaron las cifras: las fuentes no están en este servidor")
    else:
        inventadas = cifras_inventadas(f"{corta}\n{detalle}", de_fuentes)
        if inventadas:
            problemas.append(
                "estas cifras no aparecen en las fuentes: "
                + ", ".join(inventadas)
                + " (usa un valor anual como {uma_diaria} o cita la fuente)"
            )
    return Revision(problemas, avisos, largo, segmentos)
