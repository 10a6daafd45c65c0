"""The PTI monthly contribution estimate (never the official amount: IMSS's system gives that).

Fee model (facts-addendum-2026-12 §2; LSS art. 227 applies the régimen obligatorio rates to the
declared income, both the employer and the worker shares), all Decimal, each share rounded to
centavos with ROUND_HALF_UP:

* base: the declared monthly income in MXN, estimated at the floor (1 salario mínimo) or the cap
  (25 UMA) when it falls outside them, and said so; SBC diario = base / 30.4;
* ``uma`` rates (EyM cuota fija) apply to UMA diaria × 30.4; ``excedente_3_uma`` rates to
  max(0, SBC diario − 3 UMA) × 30.4; ``sbc`` rates to the base;
* the Cesantía y Vejez employer rate comes from the band of the SBC and the year's column;
* the Riesgos de Trabajo premium is unknown for PTI: the estimate (``total_mensual``) leaves it
  out, as the addendum's worked examples do, and the top of the range (``total_maximo``) adds the
  table's assumed maximum premium.

Each value is the one in force on the quote's date (bot.parametros.vigentes_en); a value whose
table is missing comes from the latest table and the quote says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.parametros import Vigentes, vigentes_en

__all__ = [
    "AVISO_ESTIMACION",
    "CALCULADORA_IMSS",
    "FUENTE_REFERENCIA_IMSS",
    "REFERENCIA_IMSS",
    "PERIODOS_MESES",
    "Aviso",
    "Cuota",
    "LineaCuota",
    "calcular_cuota",
    "cuota_del_anio",
    "cuota_en",
    "limites_de_ingreso",
    "redondear_centavos",
]

AVISO_ESTIMACION = (
    "Esta cantidad es una estimación de Orienta con fines informativos, no un cálculo del IMSS. "
    "El monto oficial es el que da el sistema del IMSS al generar tu línea de captura."
)
#: The one published figure to compare with (facts.md §3, facts-addendum §1.3): a reported
#: figure, not a price; the addendum reads it as the 2025 minimum-income fee.
REFERENCIA_IMSS = (
    "En junio de 2025 el IMSS reportó unos 88 dólares al mes (alrededor de 1,700 pesos), "
    "cerca del ingreso mínimo de 2025."
)
FUENTE_REFERENCIA_IMSS = "La Jornada, 15/06/2025"
#: Where the IMSS fee calculator is (facts.md §2 and §8: the PTI micrositio).
CALCULADORA_IMSS = "www.imss.gob.mx/personas-trabajadoras-independientes"
PERIODOS_MESES = (1, 2, 3, 6, 12)
CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

# Keys of the caveats a quote may carry (Aviso.clave), most important first.
VALORES_DE_OTRO_ANIO = "valores_de_otro_anio"
CESANTIA_INCIERTA = "cesantia_incierta"
AJUSTE_PISO = "piso"
AJUSTE_TOPE = "tope"
RIESGO_TRABAJO = "riesgo_trabajo"


def redondear_centavos(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pesos(valor: Decimal) -> str:
    return f"${valor.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def _lista(partes: list[str]) -> str:
    """ "a", "a y b", "a, b y c"."""
    return partes[0] if len(partes) == 1 else f"{', '.join(partes[:-1])} y {partes[-1]}"


@dataclass(frozen=True)
class Aviso:
    clave: str
    texto: str  # one Spanish sentence, tú


@dataclass(frozen=True)
class LineaCuota:
    clave: str
    seguro: str
    concepto: str
    base: str
    base_mensual: Decimal
    tasa_trabajador: Decimal
    tasa_patron: Decimal
    cuota_trabajador: Decimal
    cuota_patron: Decimal
    total: Decimal
    fundamento: str
    supuesto: bool
    nota: str


@dataclass(frozen=True)
class Cuota:
    fecha: date
    anio: int
    tabla_version: str
    dias_por_mes: Decimal
    ingreso_declarado_mxn: Decimal
    ingreso_mensual_mxn: Decimal  # the base used: declared, or the floor / cap
    ajuste: str | None  # None, AJUSTE_PISO or AJUSTE_TOPE
    sbc_diario: Decimal
    uma_diaria: Decimal
    anio_uma: int
    salario_minimo_diario: Decimal
    anio_salario_minimo: int
    anio_valores: int | None  # the latest table year used for a value not yet in our tables
    cesantia_banda: str
    cesantia_tasa_patron: Decimal
    cesantia_anio: int
    cesantia_incierta: bool
    piso_mensual: Decimal
    tope_mensual: Decimal
    lineas: tuple[LineaCuota, ...]
    total_trabajador: Decimal
    total_patron: Decimal
    total_mensual: Decimal  # without the Riesgos de Trabajo premium
    prima_riesgo_maxima: Decimal  # percent assumed at the top of the range
    riesgo_trabajo_maximo: Decimal
    total_maximo: Decimal  # total_mensual + riesgo_trabajo_maximo
    totales_por_periodo: dict[int, Decimal]
    avisos: tuple[Aviso, ...]


def limites_de_ingreso(vigentes: Vigentes) -> tuple[Decimal, Decimal]:
    """Monthly floor and cap (MXN, rounded to centavos) in force on the quote's date."""
    dias = vigentes.tabla.dias_por_mes
    return (
        redondear_centavos(vigentes.piso_diario * dias),
        redondear_centavos(vigentes.tope_diario * dias),
    )


def _avisos(
    v: Vigentes, ajuste: str | None, piso: Decimal, tope: Decimal, incierta: bool
) -> list[Aviso]:
    avisos = []
    if v.anio_valores is not None:
        faltan = []  # (what, its year, the year of the table used instead)
        if v.salario_minimo.de_otro_anio:
            faltan.append(("el salario mínimo", v.salario_minimo.anio, v.salario_minimo.anio_tabla))
        if v.uma.de_otro_anio:
            faltan.append(("la UMA", v.uma.anio, v.uma.anio_tabla))
        if v.cesantia.anio != v.anio_cesantia:
            faltan.append(("la tasa de cesantía y vejez", v.anio_cesantia, v.cesantia.anio))
        if len({anio for _, anio, _ in faltan}) == 1:
            que = f"{_lista([n for n, _, _ in faltan])} de {faltan[0][1]}"
        else:
            que = _lista([f"{n} de {anio}" for n, anio, _ in faltan])
        usados = _lista([str(a) for a in sorted({t for _, _, t in faltan})])
        verbo = "aún no está" if len(faltan) == 1 else "aún no están"
        avisos.append(
            Aviso(
                VALORES_DE_OTRO_ANIO,
                f"Estimación con valores de {usados}: {que} {verbo} en nuestras fuentes.",
            )
        )
    if incierta:
        avisos.append(
            Aviso(
                CESANTIA_INCIERTA,
                f"Tasa de cesantía {v.cesantia.anio} por cotejar con el DOF; "
                "confírmalo con el IMSS.",
            )
        )
    if ajuste == AJUSTE_PISO:
        avisos.append(
            Aviso(
                AJUSTE_PISO,
                f"Usé el mínimo de referencia, {_pesos(piso)} (1 salario mínimo); "
                "confírmalo con el IMSS.",
            )
        )
    elif ajuste == AJUSTE_TOPE:
        avisos.append(
            Aviso(
                AJUSTE_TOPE,
                f"Usé el máximo de referencia, {_pesos(tope)} (25 UMA); confírmalo con el IMSS.",
            )
        )
    avisos.append(
        Aviso(RIESGO_TRABAJO, "El rango es por la prima de riesgo de trabajo, que no se publica.")
    )
    return avisos


def calcular_cuota(monthly_income_mxn: Decimal, vigentes: Vigentes) -> Cuota:
    """The estimate for a declared monthly income (MXN) with the values in force on a date."""
    v, params = vigentes, vigentes.tabla
    declared = redondear_centavos(Decimal(monthly_income_mxn))
    piso, tope = limites_de_ingreso(v)
    ajuste = AJUSTE_PISO if declared < piso else AJUSTE_TOPE if declared > tope else None
    income = piso if ajuste == AJUSTE_PISO else tope if ajuste == AJUSTE_TOPE else declared
    days = params.dias_por_mes
    uma = v.uma.valor
    sbc_diario = income / days
    # The band is read on the daily base in centavos: the floor (9,577.22 / 30.4 = 315.0401)
    # is exactly 1 SM.
    banda = v.bandas.banda(redondear_centavos(sbc_diario), v.salario_minimo.valor, uma)
    tasa_cv = v.cesantia.tasas[banda]
    # An uncertain column only matters where it differs from a sourced one (not at 1 SM: 3.150).
    otras = [c.tasas[banda] for c in v.bandas.columnas.values() if not c.incierto]
    incierta = v.cesantia.incierto and tasa_cv not in otras
    bases = {
        "sbc": income,
        "uma": uma * days,
        "excedente_3_uma": max(Decimal(0), sbc_diario - 3 * uma) * days,
    }
    lines = []
    for rate in params.cuotas:
        base = bases[rate.base]
        patron = tasa_cv if rate.patron is None else rate.patron
        worker = redondear_centavos(base * rate.trabajador / _HUNDRED)
        employer = redondear_centavos(base * patron / _HUNDRED)
        nota = rate.nota
        if rate.patron is None:
            nota = f"{nota} Banda {v.bandas.bandas[banda].descripcion}, año {v.cesantia.anio}."
            if incierta:
                nota = f"{nota} {v.cesantia.nota}"
        lines.append(
            LineaCuota(
                clave=rate.clave,
                seguro=rate.seguro,
                concepto=rate.concepto,
                base=rate.base,
                base_mensual=redondear_centavos(base),
                tasa_trabajador=rate.trabajador,
                tasa_patron=patron,
                cuota_trabajador=worker,
                cuota_patron=employer,
                total=worker + employer,
                fundamento=rate.fundamento,
                supuesto=rate.supuesto or (rate.patron is None and incierta),
                nota=nota,
            )
        )
    total_w = sum((ln.cuota_trabajador for ln in lines), Decimal("0.00"))
    total_e = sum((ln.cuota_patron for ln in lines), Decimal("0.00"))
    total = total_w + total_e
    prima = params.riesgo_trabajo.prima_maxima_supuesta
    rt_max = redondear_centavos(income * prima / _HUNDRED)
    return Cuota(
        fecha=v.fecha,
        anio=v.anio,
        tabla_version=params.version,
        dias_por_mes=days,
        ingreso_declarado_mxn=declared,
        ingreso_mensual_mxn=income,
        ajuste=ajuste,
        sbc_diario=redondear_centavos(sbc_diario),
        uma_diaria=uma,
        anio_uma=v.uma.anio_tabla,
        salario_minimo_diario=v.salario_minimo.valor,
        anio_salario_minimo=v.salario_minimo.anio_tabla,
        anio_valores=v.anio_valores,
        cesantia_banda=v.bandas.bandas[banda].descripcion,
        cesantia_tasa_patron=tasa_cv,
        cesantia_anio=v.cesantia.anio,
        cesantia_incierta=incierta,
        piso_mensual=piso,
        tope_mensual=tope,
        lineas=tuple(lines),
        total_trabajador=total_w,
        total_patron=total_e,
        total_mensual=total,
        prima_riesgo_maxima=prima,
        riesgo_trabajo_maximo=rt_max,
        total_maximo=total + rt_max,
        totales_por_periodo={n: total * n for n in PERIODOS_MESES},
        avisos=tuple(_avisos(v, ajuste, piso, tope, incierta)),
    )


def cuota_en(monthly_income_mxn: Decimal, fecha: date) -> Cuota:
    """The estimate for a month: the values in force on `fecha` (never an error for a year)."""
    return calcular_cuota(monthly_income_mxn, vigentes_en(fecha))


def cuota_del_anio(monthly_income_mxn: Decimal, year: int) -> Cuota:
    """The estimate with a year's own values (1 February: the first day all of them apply)."""
    return cuota_en(monthly_income_mxn, date(year, 2, 1))
