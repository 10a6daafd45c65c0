"""Yearly parameter tables (UMA, salario mínimo, rates) stored as YAML next to this file.

Files are named ``pti_<year>.yaml``; ``cesantia_vejez.yaml`` holds the Cesantía y Vejez employer
rate by income band and year. :func:`cargar_parametros` reads one year's table and raises
:class:`SinTablaDelAnio` when it is missing. :func:`vigentes_en` is what a quote uses: the values
in force on a date, each by its own calendar (the minimum wage changes on 1 January, the UMA on
1 February, the Cesantía y Vejez column on 1 January). A value whose table is not there yet is
taken from the latest table and marked, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

__all__ = [
    "BandaCesantia",
    "ColumnaCesantia",
    "LimiteSalarial",
    "RiesgoTrabajo",
    "SinTablaDelAnio",
    "TablaCesantia",
    "TablaParametros",
    "Tasa",
    "ValorDelAnio",
    "Vigentes",
    "anio_de_la_uma",
    "anios_disponibles",
    "cargar_cesantia",
    "cargar_parametros",
    "semanas_ley97",
    "vigentes_en",
]

PARAMS_DIR = Path(__file__).resolve().parent


class SinTablaDelAnio(LookupError):
    def __init__(self, year: int):
        years = ", ".join(str(y) for y in anios_disponibles())
        super().__init__(
            f"No hay tabla de parámetros para el año {year}. Años disponibles: {years}."
        )
        self.year = year


@dataclass(frozen=True)
class Tasa:
    clave: str
    seguro: str
    concepto: str
    base: str  # "uma" | "sbc" | "excedente_3_uma"
    patron: Decimal | None  # percent; None: by income band (cesantia_vejez.yaml)
    trabajador: Decimal  # percent
    fundamento: str
    supuesto: bool
    nota: str


@dataclass(frozen=True)
class LimiteSalarial:
    descripcion: str
    supuesto: bool
    nota: str
    diario: Decimal  # with this table's own minimum wage or UMA
    veces: Decimal
    unidad: str  # "salario_minimo" | "uma"


@dataclass(frozen=True)
class RiesgoTrabajo:
    """The RT premium is not published for PTI: the estimate leaves it out and its range's top
    assumes up to ``prima_maxima_supuesta`` percent of the income."""

    prima_maxima_supuesta: Decimal
    fundamento: str
    nota: str


@dataclass(frozen=True)
class TablaParametros:
    anio: int
    version: str
    dias_por_mes: Decimal
    uma_diaria: Decimal
    salario_minimo_diario: Decimal
    piso: LimiteSalarial
    tope: LimiteSalarial
    riesgo_trabajo: RiesgoTrabajo
    cuotas: tuple[Tasa, ...]
    fuentes: tuple[str, ...]


def anios_disponibles() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in PARAMS_DIR.glob("pti_*.yaml"))


_BASES = {"uma", "sbc", "excedente_3_uma"}
_POR_BANDA = "banda"


def _limite(crudo: dict, sm: Decimal, uma: Decimal) -> LimiteSalarial:
    if "veces_salario_minimo" in crudo:
        veces, unidad, valor = Decimal(crudo["veces_salario_minimo"]), "salario_minimo", sm
    else:
        veces, unidad, valor = Decimal(crudo["veces_uma"]), "uma", uma
    return LimiteSalarial(
        crudo["descripcion"], bool(crudo["supuesto"]), " ".join(crudo["nota"].split()),
        valor * veces, veces, unidad,
    )  # fmt: skip


@cache
def cargar_parametros(year: int) -> TablaParametros:
    path = PARAMS_DIR / f"pti_{int(year)}.yaml"
    if not path.is_file():
        raise SinTablaDelAnio(year)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    uma = Decimal(data["uma_diaria"])
    sm = Decimal(data["salario_minimo_diario"])
    rates = []
    for item in data["cuotas"]:
        if item["base"] not in _BASES:
            raise ValueError(f"{path.name}: base desconocida {item['base']!r}")
        patron = None if item["patron"] == _POR_BANDA else Decimal(item["patron"])
        rates.append(
            Tasa(
                clave=item["clave"],
                seguro=item["seguro"],
                concepto=item["concepto"],
                base=item["base"],
                patron=patron,
                trabajador=Decimal(item["trabajador"]),
                fundamento=item["fundamento"],
                supuesto=bool(item["supuesto"]),
                nota=item.get("nota", ""),
            )
        )
    rt = data["riesgo_trabajo"]
    return TablaParametros(
        anio=int(data["anio"]),
        version=str(data["version"]),
        dias_por_mes=Decimal(data["dias_por_mes"]),
        uma_diaria=uma,
        salario_minimo_diario=sm,
        piso=_limite(data["piso"], sm, uma),
        tope=_limite(data["tope"], sm, uma),
        riesgo_trabajo=RiesgoTrabajo(
            Decimal(rt["prima_maxima_supuesta"]), rt["fundamento"], " ".join(rt["nota"].split())
        ),
        cuotas=tuple(rates),
        fuentes=tuple(data["fuentes"]),
    )


# ------------------------------------------------------------------ Cesantía y Vejez
@dataclass(frozen=True)
class BandaCesantia:
    descripcion: str
    hasta_veces_uma: Decimal | None  # inclusive; None: no upper limit
    solo_salario_minimo: bool = False  # the first band: exactly 1 salario mínimo


@dataclass(frozen=True)
class ColumnaCesantia:
    anio: int
    tasas: tuple[Decimal, ...]  # employer percent, one per band
    incierto: bool
    nota: str


@dataclass(frozen=True)
class TablaCesantia:
    bandas: tuple[BandaCesantia, ...]
    columnas: dict[int, ColumnaCesantia]
    fuentes: tuple[str, ...]

    def banda(self, sbc_diario: Decimal, sm_diario: Decimal, uma_diaria: Decimal) -> int:
        """Index of the band of a daily base: 1 SM exactly, else its multiple of the UMA."""
        if sbc_diario <= sm_diario:
            return 0
        veces = sbc_diario / uma_diaria
        for i, banda in enumerate(self.bandas):
            if banda.solo_salario_minimo:
                continue
            if banda.hasta_veces_uma is None or veces <= banda.hasta_veces_uma:
                return i
        return len(self.bandas) - 1


@cache
def cargar_cesantia() -> TablaCesantia:
    data = yaml.safe_load((PARAMS_DIR / "cesantia_vejez.yaml").read_text(encoding="utf-8"))
    bandas = tuple(
        BandaCesantia(
            b["descripcion"],
            None if b.get("hasta_veces_uma") is None else Decimal(b["hasta_veces_uma"]),
            bool(b.get("solo_salario_minimo", False)),
        )
        for b in data["bandas"]
    )
    columnas = {}
    for anio, fila in data["anios"].items():
        tasas = tuple(Decimal(t) for t in fila["tasas"])
        if len(tasas) != len(bandas):
            raise ValueError(f"cesantia_vejez.yaml: {anio} tiene {len(tasas)} tasas")
        nota = " ".join(fila.get("nota", "").split())
        columnas[int(anio)] = ColumnaCesantia(int(anio), tasas, bool(fila.get("incierto")), nota)
    return TablaCesantia(bandas, columnas, tuple(data["fuentes"]))


# ------------------------------------------------------------------ values in force on a date
@dataclass(frozen=True)
class ValorDelAnio:
    """A yearly value: the year whose value applies and the year of the table it was taken from
    (older when that year's table is not there yet)."""

    valor: Decimal
    anio: int
    anio_tabla: int

    @property
    def de_otro_anio(self) -> bool:
        return self.anio_tabla != self.anio


@dataclass(frozen=True)
class Vigentes:
    fecha: date
    tabla: TablaParametros  # rates, days per month, floor/cap rules: the minimum wage's table
    salario_minimo: ValorDelAnio
    uma: ValorDelAnio
    cesantia: ColumnaCesantia
    anio_cesantia: int  # the year whose column applies (cesantia.anio may be older)
    bandas: TablaCesantia

    @property
    def anio(self) -> int:
        return self.fecha.year

    @property
    def piso_diario(self) -> Decimal:
        return self._limite(self.tabla.piso)

    @property
    def tope_diario(self) -> Decimal:
        return self._limite(self.tabla.tope)

    def _limite(self, limite: LimiteSalarial) -> Decimal:
        unidad = self.salario_minimo if limite.unidad == "salario_minimo" else self.uma
        return unidad.valor * limite.veces

    @property
    def anio_valores(self) -> int | None:
        """The latest table year used for a value whose own table is missing (None: none is)."""
        otros = [v.anio_tabla for v in (self.salario_minimo, self.uma) if v.de_otro_anio]
        if self.cesantia.anio != self.anio_cesantia:
            otros.append(self.cesantia.anio)
        return max(otros) if otros else None


def anio_de_la_uma(fecha: date) -> int:
    """Each UMA applies from 1 February to 31 January of the next year."""
    return fecha.year if fecha.month >= 2 else fecha.year - 1


def _cercano(anio: int, disponibles: list[int]) -> int:
    """The year itself, else the latest before it, else the earliest there is."""
    anteriores = [a for a in disponibles if a <= anio]
    return max(anteriores) if anteriores else min(disponibles)


def vigentes_en(fecha: date) -> Vigentes:
    """The values a quote for `fecha` uses. Never raises for a missing year."""
    anios = anios_disponibles()
    anio_sm = fecha.year
    tabla = cargar_parametros(_cercano(anio_sm, anios))
    anio_uma = anio_de_la_uma(fecha)
    tabla_uma = cargar_parametros(_cercano(anio_uma, anios))
    cesantia = cargar_cesantia()
    columna = cesantia.columnas[_cercano(fecha.year, sorted(cesantia.columnas))]
    # The last column (2030) is the law's final rate: later years use it as their own.
    anio_cesantia = min(fecha.year, max(cesantia.columnas))
    return Vigentes(
        fecha=fecha,
        tabla=tabla,
        salario_minimo=ValorDelAnio(tabla.salario_minimo_diario, anio_sm, tabla.anio),
        uma=ValorDelAnio(tabla_uma.uma_diaria, anio_uma, tabla_uma.anio),
        cesantia=columna,
        anio_cesantia=anio_cesantia,
        bandas=cesantia,
    )


# ------------------------------------------------------------------ Ley 97 weeks
@cache
def _semanas() -> dict[int, int]:
    datos = yaml.safe_load((PARAMS_DIR / "semanas_ley97.yaml").read_text(encoding="utf-8"))
    return {int(anio): int(n) for anio, n in datos["semanas"].items()}


def semanas_ley97(anio: int) -> int:
    """Weeks of contributions a Ley 97 pension needs in `anio` (1,000 from 2031 on)."""
    tabla = _semanas()
    return tabla[min(max(anio, min(tabla)), max(tabla))]
