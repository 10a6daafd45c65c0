"""Pure quote arithmetic for the PTI monthly contribution (an estimate, never the official amount).

Method (all Decimal, each share rounded to centavos with ROUND_HALF_UP):

* salario base de cotización (SBC) diario = ingreso mensual en MXN / días por mes (30.4);
* ``sbc`` rates apply to SBC diario × 30.4 (i.e. the monthly income);
* ``uma`` rates (EyM cuota fija) apply to UMA diaria × 30.4;
* ``excedente_3_uma`` rates apply to max(0, SBC diario − 3 UMA diarias) × 30.4;
* the member pays both shares (trabajador + patrón). Totals are sums of the rounded shares,
  and the n-month totals are the monthly total × n.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.parametros import TablaParametros, cargar_parametros

__all__ = [
    "AVISO_ESTIMACION",
    "PERIODOS_MESES",
    "IngresoFueraDeRango",
    "LineaCuota",
    "Cuota",
    "redondear_centavos",
    "limites_de_ingreso",
    "calcular_cuota",
    "cuota_del_anio",
]

AVISO_ESTIMACION = (
    "Esta cantidad es una estimación con fines informativos. El monto oficial es el que calcula "
    "el IMSS al generar tu línea de captura."
)
PERIODOS_MESES = (1, 2, 3, 6, 12)
CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


def redondear_centavos(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class IngresoFueraDeRango(ValueError):
    def __init__(self, mensaje: str, piso: Decimal, tope: Decimal):
        super().__init__(mensaje)
        self.mensaje, self.piso, self.tope = mensaje, piso, tope


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
    anio: int
    tabla_version: str
    dias_por_mes: Decimal
    ingreso_mensual_mxn: Decimal
    sbc_diario: Decimal
    piso_mensual: Decimal
    tope_mensual: Decimal
    lineas: tuple[LineaCuota, ...]
    total_trabajador: Decimal
    total_patron: Decimal
    total_mensual: Decimal
    totales_por_periodo: dict[int, Decimal]


def limites_de_ingreso(params: TablaParametros) -> tuple[Decimal, Decimal]:
    """Monthly floor and cap (MXN, rounded to centavos)."""
    return (
        redondear_centavos(params.piso.diario * params.dias_por_mes),
        redondear_centavos(params.tope.diario * params.dias_por_mes),
    )


def calcular_cuota(monthly_income_mxn: Decimal, params: TablaParametros) -> Cuota:
    income = redondear_centavos(Decimal(monthly_income_mxn))
    piso, tope = limites_de_ingreso(params)
    if income < piso or income > tope:
        raise IngresoFueraDeRango(
            f"El ingreso mensual declarado ({income:,.2f} MXN) debe estar entre {piso:,.2f} MXN "
            f"({params.piso.descripcion} × {params.dias_por_mes} días) y {tope:,.2f} MXN "
            f"({params.tope.descripcion} × {params.dias_por_mes} días) para {params.anio}.",
            piso,
            tope,
        )
    days = params.dias_por_mes
    sbc_diario = income / days
    bases = {
        "sbc": income,
        "uma": params.uma_diaria * days,
        "excedente_3_uma": max(Decimal(0), sbc_diario - 3 * params.uma_diaria) * days,
    }
    lines = []
    for rate in params.cuotas:
        base = bases[rate.base]
        worker = redondear_centavos(base * rate.trabajador / _HUNDRED)
        employer = redondear_centavos(base * rate.patron / _HUNDRED)
        lines.append(
            LineaCuota(
                clave=rate.clave,
                seguro=rate.seguro,
                concepto=rate.concepto,
                base=rate.base,
                base_mensual=redondear_centavos(base),
                tasa_trabajador=rate.trabajador,
                tasa_patron=rate.patron,
                cuota_trabajador=worker,
                cuota_patron=employer,
                total=worker + employer,
                fundamento=rate.fundamento,
                supuesto=rate.supuesto,
                nota=rate.nota,
            )
        )
    total_w = sum((ln.cuota_trabajador for ln in lines), Decimal("0.00"))
    total_e = sum((ln.cuota_patron for ln in lines), Decimal("0.00"))
    total = total_w + total_e
    return Cuota(
        anio=params.anio,
        tabla_version=params.version,
        dias_por_mes=days,
        ingreso_mensual_mxn=income,
        sbc_diario=redondear_centavos(sbc_diario),
        piso_mensual=piso,
        tope_mensual=tope,
        lineas=tuple(lines),
        total_trabajador=total_w,
        total_patron=total_e,
        total_mensual=total,
        totales_por_periodo={n: total * n for n in PERIODOS_MESES},
    )


def cuota_del_anio(monthly_income_mxn: Decimal, year: int) -> Cuota:
    """Load the year's table (raises ``ParamsNotFound``) and compute the quote."""
    return calcular_cuota(monthly_income_mxn, cargar_parametros(year))
