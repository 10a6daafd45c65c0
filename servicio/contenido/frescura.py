"""What to look at first: yearly values (and the missing ones), and per-answer statistics.

The yearly values are read from bot/parametros (the fee model reads them there too), shown with
their source and the date each takes effect; they are not editable in the database yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import conocimiento as kb
from bot.parametros import anios_disponibles, cargar_parametros, semanas_ley97, vigentes_en
from bot.tiempo import ZONA_MX
from servicio.contenido.almacen import semilla
from servicio.inscripcion import modelos as m

PEDIR_HUMANO = "pedir_humano"


@dataclass(frozen=True)
class Valor:
    nombre: str
    anio: int
    valor: str
    rige_desde: date
    fuente: str


def valores_anuales() -> list[Valor]:
    filas = []
    for anio in anios_disponibles():
        t = cargar_parametros(anio)
        fuente = "; ".join(t.fuentes)[:300]
        filas.append(Valor("UMA diaria", anio, f"${t.uma_diaria}", date(anio, 2, 1), fuente))
        filas.append(
            Valor(
                "Salario mínimo diario",
                anio,
                f"${t.salario_minimo_diario}",
                date(anio, 1, 1),
                fuente,
            )
        )
        filas.append(
            Valor(
                "Semanas para pensión (Ley 97)",
                anio,
                f"{semanas_ley97(anio):,}",
                date(anio, 1, 1),
                "Expansión, 16/02/2026",
            )
        )
    return filas


def valores_faltantes(hoy: date) -> list[str]:
    """Values in force today taken from an older table, and next year's not yet there."""
    faltan = []
    vigentes = vigentes_en(hoy)
    if vigentes.salario_minimo.de_otro_anio:
        faltan.append(
            f"Falta el salario mínimo de {vigentes.salario_minimo.anio} (rige desde el 1 de "
            f"enero): se usa el de {vigentes.salario_minimo.anio_tabla}."
        )
    if vigentes.uma.de_otro_anio:
        faltan.append(
            f"Falta la UMA de {vigentes.uma.anio} (rige desde el 1 de febrero): se usa la de "
            f"{vigentes.uma.anio_tabla}."
        )
    siguiente = hoy.year + 1
    if siguiente not in anios_disponibles():
        faltan.append(
            f"Aún no están los valores de {siguiente} (salario mínimo desde el 1 de enero, "
            f"UMA desde el 1 de febrero)."
        )
    return faltan


@dataclass(frozen=True)
class UsoRespuesta:
    entrada: str
    titulo: str
    veces: int
    pidio_humano: int

    @property
    def tasa(self) -> float:
        return self.pidio_humano / self.veces if self.veces else 0.0


def uso_por_respuesta(session: Session, hoy: date, dias: int = 30) -> list[UsoRespuesta]:
    """How often each answer was given, and how often the person's very next message asked
    for a human: the answers to improve first (highest share first)."""
    inicio = datetime.combine(hoy - timedelta(days=dias), time(), ZONA_MX).astimezone(timezone.utc)
    M = m.MetricaMensaje
    filas = session.execute(
        select(M.conversacion, M.intent).where(M.en >= inicio).order_by(M.conversacion, M.en, M.id)
    ).all()
    veces, humano = Counter[str](), Counter[str]()
    # The answer given in the previous message of the same conversation, if any.
    conversacion_previa, respuesta_previa = None, None
    prefijo = f"{kb.INTENT}/"
    for conversacion, intent in filas:
        dada = intent[len(prefijo) :] if intent and intent.startswith(prefijo) else None
        if intent == PEDIR_HUMANO and respuesta_previa and conversacion == conversacion_previa:
            humano[respuesta_previa] += 1
        if dada:
            veces[dada] += 1
        conversacion_previa, respuesta_previa = conversacion, dada
    titulos = {i: e.titulo for i, e in semilla().items()}
    usos = [
        UsoRespuesta(i, titulos.get(i, i), n, humano[i]) for i, n in veces.items() if i in titulos
    ]
    return sorted(usos, key=lambda u: (-u.tasa, -u.veces, u.entrada))
