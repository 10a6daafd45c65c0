"""Periodic handoff chores: tickets waiting too long outside office hours, and the 180-day purge.

There is no periodic job in the service yet (the only CronJob, ``tracker-retencion``, runs
``channels.retencion`` in the Rasa image), so this module is a CLI to run from cron or a
Kubernetes CronJob with the service's image::

    python -m servicio.inscripcion.canalizaciones_vencidas            # dry run: counts only
    python -m servicio.inscripcion.canalizaciones_vencidas --aplicar  # close and purge

1. :func:`cerrar_vencidas`: a ticket still *waiting* (no promoter took it) for more than
   ``ORIENTA_CANALIZACION_HORAS_ESPERA`` hours (2 by default), and *now outside its consulate's
   office hours* in the consulate's own time zone, is closed with
   :data:`canalizaciones.MOTIVO_FUERA_DE_HORARIO` and a notice queued for the person saying what
   happens next. Office hours: ``ORIENTA_CANALIZACION_HORARIO`` ("9-17", local, Monday to
   Friday); the zone comes from the consulate's state (``bot.tiempo.ZONAS_POR_ESTADO``; no
   hours or zones exist in ``data/ventanillas``).
2. :func:`purgar_cerradas`: the thread and the ticket of cases closed more than
   ``ORIENTA_CANALIZACION_RETENCION_DIAS`` (180) days ago are deleted, like the person's data.

Prints counts only, never a text, a number or an address.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tiempo import ahora_utc, en_utc, zona_de_consulado
from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import modelos as m

log = logging.getLogger("orienta.enrollment.canalizaciones_vencidas")

#: What the person reads when nobody could answer in time.
AVISO_VENCIDA = (
    "Orienta: nadie del equipo pudo contestarte a tiempo, perdona. Tu caso se cerró; si aún "
    "necesitas ayuda, escribe PROMOTOR en horario de oficina (lunes a viernes, 9 a 17 h) o "
    "sigue con el asistente."
)
ZONA_POR_OMISION = "America/Chicago"


class AjustesVencidas(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORIENTA_CANALIZACION_", extra="ignore")

    horas_espera: float = 2.0
    #: Office hours, local time of the consulate, Monday to Friday: "inicio-fin" in hours.
    horario: str = "9-17"
    retencion_dias: int = 180

    def horas(self) -> tuple[int, int]:
        inicio, _, fin = self.horario.partition("-")
        return int(inicio), int(fin)


def zona_de(consulado: str | None) -> ZoneInfo:
    """The consulate's time zone from its state ("Dallas, TX" → America/Chicago)."""
    return zona_de_consulado(consulado, ZONA_POR_OMISION)


def en_horario(consulado: str | None, ahora: datetime, ajustes: AjustesVencidas) -> bool:
    """True on a weekday between the opening and closing hour, the consulate's local time."""
    local = en_utc(ahora).astimezone(zona_de(consulado))
    inicio, fin = ajustes.horas()
    return local.weekday() < 5 and inicio <= local.hour < fin


@dataclass(frozen=True)
class Resultado:
    vencidas: int
    purgadas: int


def vencidas(session: Session, ahora: datetime, ajustes: AjustesVencidas) -> list[m.Canalizacion]:
    """Tickets nobody took for more than the waiting hours, now outside office hours."""
    limite = ahora - timedelta(hours=ajustes.horas_espera)
    candidatas = session.execute(
        select(m.Canalizacion).where(
            m.Canalizacion.estado == m.CANALIZACION_ABIERTA, m.Canalizacion.creada_en < limite
        )
    ).scalars()
    return [c for c in candidatas if not en_horario(c.consulado, ahora, ajustes)]


def cerrar_vencidas(
    session: Session, ahora: datetime | None = None, ajustes: AjustesVencidas | None = None
) -> int:
    """Closes the overdue tickets with a notice for the person; how many were closed."""
    ahora, ajustes = ahora or ahora_utc(), ajustes or AjustesVencidas()
    cerradas = 0
    for fila in vencidas(session, ahora, ajustes):
        cerradas += tickets.cerrar_por_vencimiento(session, fila.id, AVISO_VENCIDA)
    return cerradas


def purgar_cerradas(
    session: Session, ahora: datetime | None = None, ajustes: AjustesVencidas | None = None
) -> int:
    """Deletes the threads and tickets closed more than the retention days ago."""
    ahora, ajustes = ahora or ahora_utc(), ajustes or AjustesVencidas()
    limite = ahora - timedelta(days=ajustes.retencion_dias)
    ids = list(
        session.execute(
            select(m.Canalizacion.id).where(
                m.Canalizacion.estado == m.CANALIZACION_CERRADA,
                m.Canalizacion.cerrada_en < limite,
            )
        ).scalars()
    )
    if ids:
        tickets.borrar(session, ids)
    session.commit()
    return len(ids)


def ejecutar(session: Session, aplicar: bool, ahora: datetime | None = None) -> Resultado:
    ahora, ajustes = ahora or ahora_utc(), AjustesVencidas()
    if not aplicar:
        limite = ahora - timedelta(days=ajustes.retencion_dias)
        viejas = session.execute(
            select(m.Canalizacion.id).where(
                m.Canalizacion.estado == m.CANALIZACION_CERRADA,
                m.Canalizacion.cerrada_en < limite,
            )
        ).all()
        return Resultado(len(vencidas(session, ahora, ajustes)), len(viejas))
    return Resultado(
        cerrar_vencidas(session, ahora, ajustes), purgar_cerradas(session, ahora, ajustes)
    )


def main(argv: list[str] | None = None) -> int:
    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.bd import crear_fabrica_sesiones, crear_motor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aplicar", action="store_true", help="cerrar y borrar (si no, contar)")
    parser.add_argument(
        "--cada",
        type=float,
        metavar="MIN",
        help="aplicar y repetir cada MIN minutos (make run; en Kubernetes, un CronJob)",
    )
    args = parser.parse_args(argv)
    aplicar = args.aplicar or args.cada is not None
    fabrica = crear_fabrica_sesiones(crear_motor(AjustesServicio().database_url))
    while True:
        try:
            with fabrica() as session:
                r = ejecutar(session, aplicar)
        except Exception as error:  # noqa: BLE001 - the loop retries; a single pass reports it
            log.error("canalizaciones vencidas: la pasada falló (%s)", type(error).__name__)
            if args.cada is None:
                return 1
        else:
            verbo = "cerrados" if aplicar else "por cerrar"
            print(
                f"casos vencidos {verbo}: {r.vencidas}; casos purgados (180 días): {r.purgadas}",
                flush=True,
            )
            if args.cada is None:
                return 0
        time.sleep(max(60.0, args.cada * 60))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["AjustesVencidas", "cerrar_vencidas", "en_horario", "purgar_cerradas", "zona_de"]
