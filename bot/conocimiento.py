"""The knowledge base: one entry per question that has one answer (data/conocimiento/*.yml).

Each entry has a short answer (an SMS), a detailed one (what "más" gives), its source and date, a
"revisar antes de" date and the ways people ask it. Yearly values (UMA, minimum wage, the weeks a
Ley 97 pension needs) are never typed into the texts: they are placeholders filled from the yearly
tables in bot/parametros, so a new year changes one table, not a hundred answers.

Pure: reads YAML and formats text; the generator (scripts/generar_conocimiento.py) turns the
entries into Rasa's own formats (retrieval intents ``faq/<id>``, responses ``utter_faq/<id>``).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from bot.parametros import semanas_ley97, vigentes_en

RUTA = Path(__file__).resolve().parent.parent / "data" / "conocimiento"
INTENT = "faq"
TIPOS = ("pti", "adyacente", "fuera_de_alcance", "urgente")
MAX_SMS = 320
MAS = "Escribe MÁS para detalles."
CONFIRMA = "confírmalo con el IMSS"
VALORES = (
    "anio",
    "uma_diaria",
    "uma_mensual",
    "salario_minimo_diario",
    "salario_minimo_mensual",
    "semanas_ley97",
)
_DE_LA_TABLA = {"uma_diaria", "uma_mensual", "salario_minimo_diario", "salario_minimo_mensual"}
_ID = re.compile(r"[a-z][a-z0-9_]{2,39}")


class EntradaInvalida(ValueError):
    """A knowledge-base entry that breaks a rule; the message names the entry and the rule."""


@dataclass(frozen=True)
class Entrada:
    id: str
    tema: str
    titulo: str
    tipo: str
    corta: str
    detalle: str
    fuente: str
    revisar_antes_de: date
    incierto: bool
    preguntas: tuple[str, ...]

    @property
    def respuesta(self) -> str:
        """Rasa's response for the entry's retrieval intent."""
        return f"utter_{INTENT}/{self.id}"

    @property
    def respuesta_detalle(self) -> str:
        return f"utter_{INTENT}_detalle_{self.id}"


@dataclass(frozen=True)
class ValoresDelAnio:
    """The yearly values the texts refer to, from the latest table not after the given date."""

    anio: int
    tabla: int  # the year of the table the values come from (may be older than `anio`)
    valores: dict[str, str]

    @property
    def de_otro_anio(self) -> bool:
        return self.tabla != self.anio


def _pesos(valor: Decimal) -> str:
    return f"{valor.quantize(Decimal('0.01')):,.2f}"


def valores_del_anio(hoy: date) -> ValoresDelAnio:
    """Values in force on `hoy` (bot.parametros.vigentes_en: the minimum wage from 1 January,
    the UMA from 1 February); a year not in the tables yet uses the last one and says which,
    never an error."""
    vigentes = vigentes_en(hoy)
    dias = vigentes.tabla.dias_por_mes
    uma, sm = vigentes.uma.valor, vigentes.salario_minimo.valor
    valores = {
        "anio": str(hoy.year),
        "uma_diaria": _pesos(uma),
        "uma_mensual": _pesos(uma * dias),
        "salario_minimo_diario": _pesos(sm),
        "salario_minimo_mensual": _pesos(sm * dias),
        "semanas_ley97": f"{semanas_ley97(hoy.year):,}",
    }
    tabla = max(vigentes.salario_minimo.anio_tabla, vigentes.uma.anio_tabla)
    return ValoresDelAnio(hoy.year, tabla, valores)


def _placeholders(texto: str) -> set[str]:
    return {campo for _, campo, _, _ in string.Formatter().parse(texto) if campo}


def _entrada(tema: str, crudo: dict, origen: str) -> Entrada:
    try:
        entrada = Entrada(
            id=str(crudo["id"]),
            tema=tema,
            titulo=str(crudo["titulo"]).strip(),
            tipo=str(crudo["tipo"]),
            corta=" ".join(str(crudo["corta"]).split()),
            detalle=str(crudo["detalle"]).strip(),
            fuente=str(crudo["fuente"]).strip().rstrip("."),
            revisar_antes_de=crudo["revisar_antes_de"],
            incierto=bool(crudo["incierto"]),
            preguntas=tuple(str(p).strip() for p in crudo["preguntas"]),
        )
    except (KeyError, TypeError) as error:
        raise EntradaInvalida(f"{origen}: entrada sin el campo {error}") from None
    revisar(entrada, origen)
    return entrada


def revisar(e: Entrada, origen: str = "") -> None:
    """The rules every entry keeps (the content tests check the generated texts as well)."""
    donde = f"{origen}: {e.id}" if origen else e.id
    problemas = []
    if not _ID.fullmatch(e.id):
        problemas.append("el id debe ser ascii en minúsculas con _ (3 a 40)")
    if e.tipo not in TIPOS:
        problemas.append(f"tipo desconocido {e.tipo!r}")
    if not e.titulo or len(e.titulo) > 40:
        problemas.append("el título debe tener de 1 a 40 caracteres")
    if len({p.lower() for p in e.preguntas}) < 10:
        problemas.append("necesita al menos 10 maneras distintas de preguntarlo")
    if not isinstance(e.revisar_antes_de, date):
        problemas.append("revisar_antes_de debe ser una fecha AAAA-MM-DD")
    desconocidos = (_placeholders(e.corta) | _placeholders(e.detalle)) - set(VALORES)
    if desconocidos:
        problemas.append(f"valores desconocidos {sorted(desconocidos)}")
    if e.incierto and not (CONFIRMA in e.corta and CONFIRMA in e.detalle):
        problemas.append(f"un tema incierto debe decir «{CONFIRMA}» en ambas respuestas")
    if problemas:
        raise EntradaInvalida(f"{donde}: " + "; ".join(problemas))


def cargar(ruta: Path = RUTA) -> tuple[Entrada, ...]:
    """Every entry of every file, in file order; ids unique across files."""
    entradas: list[Entrada] = []
    vistos: dict[str, str] = {}
    for archivo in sorted(ruta.glob("*.yml")):
        datos = yaml.safe_load(archivo.read_text(encoding="utf-8")) or {}
        for crudo in datos.get("entradas", []):
            e = _entrada(str(datos.get("tema", archivo.stem)), crudo, archivo.name)
            if e.id in vistos:
                otro = vistos[e.id]
                raise EntradaInvalida(f"{archivo.name}: {e.id} repetido (ya está en {otro})")
            vistos[e.id] = archivo.name
            entradas.append(e)
    return tuple(entradas)


def texto_corto(e: Entrada, valores: ValoresDelAnio) -> str:
    return f"{e.corta.format(**valores.valores)}\n{MAS}\nFuente: {e.fuente}."


def texto_detalle(e: Entrada, valores: ValoresDelAnio) -> str:
    nota = (
        f"\n(Valores de {valores.tabla}: los de {valores.anio} aún no se publican.)"
        if valores.de_otro_anio and (_placeholders(e.detalle) & _DE_LA_TABLA)
        else ""
    )
    return f"{e.detalle.format(**valores.valores)}{nota}\nFuente: {e.fuente}."


def por_id(entradas: tuple[Entrada, ...]) -> dict[str, Entrada]:
    return {e.id: e for e in entradas}
