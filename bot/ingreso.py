"""Parse a declared income written freely in Spanish ("15 mil", "$2,000 dólares a la semana").

:func:`leer_monto` reads the amount and currency; :func:`leer_ingreso_mensual` also reads the
period: per week, fortnight or year it is converted to a month (the caller may say so out loud);
per day or per hour it raises :class:`IngresoNoMensual` (how many days a month someone works is a
guess we do not make for them). The quote, the chat registration and the console use the latter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from text_to_num import alpha2digit

from bot import lectura
from bot.validacion import ErrorValidacion

__all__ = [
    "ANIO",
    "QUINCENA",
    "SEMANA",
    "Ingreso",
    "IngresoMensual",
    "IngresoNoMensual",
    "Periodo",
    "leer_ingreso_mensual",
    "PERIODOS_ELEGIBLES",
    "leer_monto",
    "leer_tipo_cambio",
]

_EJEMPLO = 'Ejemplos: "12000", "15 mil pesos", "2,000 dólares" o "2000 usd".'

_USD = re.compile(r"\b(usd|us\$|dlls?|d[oó]lar(?:es)?|dollars?|dls)\b|u\$s")
_MXN = re.compile(r"\b(mxn|mx\$|pesos?|mxp)\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MULTIPLIER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mil\b|k\b)")


@dataclass(frozen=True)
class Ingreso:
    monto: Decimal
    moneda: str  # "MXN" or "USD"


def _to_decimal(token: str) -> Decimal:
    """Read '12,000', '12.000', '12,000.50', '1.5' or '1,5' as a Decimal."""
    if "," in token and "." in token:
        dec = "." if token.rfind(".") > token.rfind(",") else ","
        thousands = "," if dec == "." else "."
        token = token.replace(thousands, "").replace(dec, ".")
    else:
        sep = "," if "," in token else "." if "." in token else None
        if sep:
            parts = token.split(sep)
            if len(parts) > 2 or (len(parts[-1]) == 3 and len(parts[0]) <= 3):
                if not all(len(p) == 3 for p in parts[1:]):
                    raise ErrorValidacion(
                        f"No entendí la cantidad «{token}». {_EJEMPLO}", "ingreso"
                    )
                token = "".join(parts)
            else:
                token = token.replace(sep, ".")
    try:
        return Decimal(token)
    except InvalidOperation:
        raise ErrorValidacion(f"No entendí la cantidad «{token}». {_EJEMPLO}", "ingreso") from None


def leer_monto(text: str, moneda_por_omision: str = "MXN") -> Ingreso:
    """Return the amount and currency of a monthly income written by a person.

    Bare numbers are read in ``moneda_por_omision``. A text naming both pesos and dollars, or
    containing more than one amount ("entre 10 y 12 mil"), is ambiguous and rejected.
    """
    raw = str(text or "").strip().lower()
    if not raw:
        raise ErrorValidacion(f"Escribe cuánto ganas al mes. {_EJEMPLO}", "ingreso")
    is_usd = bool(_USD.search(raw))
    is_mxn = bool(_MXN.search(raw))
    if is_usd and is_mxn:
        raise ErrorValidacion(
            f"No sé si la cantidad está en pesos o en dólares; indica solo una moneda. {_EJEMPLO}",
            "ingreso",
        )
    moneda = "USD" if is_usd else "MXN" if is_mxn else moneda_por_omision
    work = _USD.sub(" ", _MXN.sub(" ", raw)).replace("$", " ")
    # "15 mil", "1.5k": a digit amount followed by a multiplier.
    work = _MULTIPLIER.sub(lambda m: str(_to_decimal(m.group(1)) * 1000), work)
    work = alpha2digit(work, "es")
    # alpha2digit leaves "15 1000" for mixed forms it did not catch above.
    numbers = _NUMBER.findall(work)
    if not numbers:
        raise ErrorValidacion(f"No encontré una cantidad en tu respuesta. {_EJEMPLO}", "ingreso")
    if len(numbers) > 1:
        raise ErrorValidacion(
            f"Encontré más de una cantidad; escribe solo tu ingreso mensual. {_EJEMPLO}", "ingreso"
        )
    monto = _to_decimal(numbers[0])
    if monto <= 0:
        raise ErrorValidacion(f"El ingreso debe ser mayor que cero. {_EJEMPLO}", "ingreso")
    return Ingreso(monto=monto.quantize(Decimal("0.01")), moneda=moneda)


# ------------------------------------------------------------------ income per period
@dataclass(frozen=True)
class Periodo:
    nombre: str  # "a la semana"
    factor: Decimal  # multiply to get a month
    explicacion: str  # "× 4.33 semanas"


SEMANA = Periodo("a la semana", Decimal("4.33"), "× 4.33 semanas por mes")
QUINCENA = Periodo("a la quincena", Decimal(2), "× 2 quincenas por mes")
ANIO = Periodo("al año", Decimal(1) / Decimal(12), "÷ 12 meses")

# Read on lectura.minusculas_sin_acentos's output (lower case, no accents: "año" is "ano").
_PERIODOS: tuple[tuple[re.Pattern, Periodo], ...] = (
    (
        re.compile(
            r"\b(?:a la|por|cada|x|la|en la)\s+semana\b|\bsemanal(?:es|mente)?\b"
            r"|\b(?:a|per)\s+week\b|\bweekly\b"
        ),
        SEMANA,
    ),
    (re.compile(r"\bquincena(?:l|les|lmente)?\b|\bcatorcena(?:l|les)?\b"), QUINCENA),
    (
        re.compile(
            r"\b(?:al|por|cada|x|el)\s+ano\b|\banual(?:es|mente)?\b|\b(?:a|per)\s+year\b"
            r"|\bannual(?:ly)?\b|\byearly\b"
        ),
        ANIO,
    ),
)
_NO_MENSUAL = re.compile(
    r"\b(?:al|por|cada|x|el)\s+dia\b|\bdiari[oa]s?\b|\b(?:a|per)\s+day\b|\bdaily\b"
    r"|\b(?:la|por|cada|x)\s+hora\b|\bla hora\b|\b(?:an|per)\s+hour\b|\bhourly\b"
)


class IngresoNoMensual(ErrorValidacion):
    """Income per day or per hour: we ask for the monthly amount instead of guessing."""


@dataclass(frozen=True)
class IngresoMensual:
    ingreso: Ingreso  # per month
    declarado: Ingreso  # as written
    periodo: Periodo | None  # None when it was already monthly


#: The periods a form can offer next to the amount (the console's select): key -> period.
PERIODOS_ELEGIBLES: dict[str, Periodo | None] = {
    "mes": None,
    "semana": SEMANA,
    "quincena": QUINCENA,
    "anio": ANIO,
}


def leer_ingreso_mensual(
    text: str, moneda_por_omision: str = "MXN", periodo_por_omision: Periodo | None = None
) -> IngresoMensual:
    """Monthly income from free text, with what was declared and its period.

    The one reading of income for the quote, the chat's registration and the console's:
    "3000 dólares a la semana", "por quincena", "al año" are turned into a month; per day or
    hour is refused (we ask for the month instead of guessing the days worked). A period in the
    text wins over ``periodo_por_omision`` (what a form's select says).

    Raises :class:`IngresoNoMensual` per day or hour, :class:`ErrorValidacion` otherwise
    (Spanish, with an example).
    """
    clave = lectura.minusculas_sin_acentos(text)
    if _NO_MENSUAL.search(clave):
        raise IngresoNoMensual(
            "Para calcular la cuota necesito tu ingreso al mes. Si te pagan por día u hora, "
            "multiplícalo por lo que trabajas en un mes. Ejemplos: 15 mil pesos o 2,000 dólares.",
            "ingreso",
        )
    declarado = leer_monto(text, moneda_por_omision)
    periodo = next((p for patron, p in _PERIODOS if patron.search(clave)), periodo_por_omision)
    if periodo is None:
        return IngresoMensual(declarado, declarado, None)
    monto = (declarado.monto * periodo.factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return IngresoMensual(Ingreso(monto, declarado.moneda), declarado, periodo)


# ------------------------------------------------------------------ the person's exchange rate
_NUM_TC = r"\$?\s*(\d{1,3}(?:[.,]\d{1,4})?)"
_TIPO_CAMBIO = re.compile(
    r"(?:tipo\s+de\s+cambio|\bt\.?\s?c\.?|\bcambio)\s*(?:de|a|:|=|en)?\s*" + _NUM_TC
    + r"(?:\s*(?:pesos?|mxn))?(?:\s*(?:por|x|el|cada)\s+(?:cada\s+)?dolar)?"
    + r"|\b(?:a|al)\s+" + _NUM_TC
    + r"(?:\s*(?:pesos?|mxn))?(?:\s*(?:por|x|el|cada)\s+(?:cada\s+)?dolar|\s*$)"
)  # fmt: skip
_TC_MINIMO, _TC_MAXIMO = Decimal(1), Decimal(100)


def leer_tipo_cambio(text: str) -> tuple[str, Decimal | None]:
    """The exchange rate a person gives with a dollar income ("2000 dólares a 17.50", "tipo de
    cambio 18.2", "a 17 pesos por dólar"), and the text without it, lower case and without
    accents (for :func:`leer_ingreso_mensual`).

    Only read when the text is in dollars; a rate outside 1 to 100 pesos is not a rate."""
    clave = lectura.minusculas_sin_acentos(text)
    if not _USD.search(clave):
        return text, None
    hallado = _TIPO_CAMBIO.search(clave)
    if hallado is None:
        return text, None
    try:
        tc = _to_decimal(hallado.group(1) or hallado.group(2))
    except ErrorValidacion:
        return text, None
    if not _TC_MINIMO <= tc <= _TC_MAXIMO:
        return text, None
    resto = (clave[: hallado.start()] + " " + clave[hallado.end() :]).strip()
    return resto, tc.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
