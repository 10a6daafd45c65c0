"""Yearly parameter tables (UMA, salario mínimo, rates) stored as YAML next to this file.

Files are named ``pti_<year>.yaml``. A missing year raises :class:`ParamsNotFound`: the
service never guesses a year's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

__all__ = [
    "Tasa",
    "LimiteSalarial",
    "TablaParametros",
    "SinTablaDelAnio",
    "cargar_parametros",
    "anios_disponibles",
    "semanas_ley97",
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
    patron: Decimal  # percent
    trabajador: Decimal  # percent
    fundamento: str
    supuesto: bool
    nota: str


@dataclass(frozen=True)
class LimiteSalarial:
    descripcion: str
    supuesto: bool
    nota: str
    diario: Decimal


@dataclass(frozen=True)
class TablaParametros:
    anio: int
    version: str
    dias_por_mes: Decimal
    uma_diaria: Decimal
    salario_minimo_diario: Decimal
    piso: LimiteSalarial
    tope: LimiteSalarial
    cuotas: tuple[Tasa, ...]
    fuentes: tuple[str, ...]


def anios_disponibles() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in PARAMS_DIR.glob("pti_*.yaml"))


_BASES = {"uma", "sbc", "excedente_3_uma"}


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
        rates.append(
            Tasa(
                clave=item["clave"],
                seguro=item["seguro"],
                concepto=item["concepto"],
                base=item["base"],
                patron=Decimal(item["patron"]),
                trabajador=Decimal(item["trabajador"]),
                fundamento=item["fundamento"],
                supuesto=bool(item["supuesto"]),
                nota=item.get("nota", ""),
            )
        )
    piso, tope = data["piso"], data["tope"]
    return TablaParametros(
        anio=int(data["anio"]),
        version=str(data["version"]),
        dias_por_mes=Decimal(data["dias_por_mes"]),
        uma_diaria=uma,
        salario_minimo_diario=sm,
        piso=LimiteSalarial(
            piso["descripcion"],
            bool(piso["supuesto"]),
            piso["nota"],
            sm * Decimal(piso["veces_salario_minimo"]),
        ),
        tope=LimiteSalarial(
            tope["descripcion"],
            bool(tope["supuesto"]),
            tope["nota"],
            uma * Decimal(tope["veces_uma"]),
        ),
        cuotas=tuple(rates),
        fuentes=tuple(data["fuentes"]),
    )


@cache
def _semanas() -> dict[int, int]:
    datos = yaml.safe_load((PARAMS_DIR / "semanas_ley97.yaml").read_text(encoding="utf-8"))
    return {int(anio): int(n) for anio, n in datos["semanas"].items()}


def semanas_ley97(anio: int) -> int:
    """Weeks of contributions a Ley 97 pension needs in `anio` (1,000 from 2031 on)."""
    tabla = _semanas()
    return tabla[min(max(anio, min(tabla)), max(tabla))]
