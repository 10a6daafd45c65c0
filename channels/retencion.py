"""Tracker retention: deletes whole conversations that have been quiet for more than N days.

Rasa's SQL tracker store keeps every session of every conversation forever; the encrypted events
still hold CURPs, phones and incomes (channels/almacen.py). A registration lives in the service,
not in the tracker, so an old conversation is only history. Only *whole* conversations whose
newest event is older than the limit go: a conversation still in use keeps its form state.

    python -m channels.retencion                 # dry run: how many would go
    python -m channels.retencion --aplicar       # delete (daily CronJob in deploy/k8s)
    python -m channels.retencion --dias 90 --url postgresql://…/orienta_tracker

The database comes from the same variables as deploy/endpoints.prod.yml (``ORIENTA_PG_*``,
``ORIENTA_TRACKER_DB``); the limit from ``ORIENTA_TRACKER_RETENCION_DIAS`` (180). Only counts are
printed: a sender id can be a phone number.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import sqlalchemy as sa

DIAS_POR_OMISION = 180
LOTE = 500  # conversations per transaction: no long locks on a busy table

EVENTOS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp"))


@dataclass(frozen=True)
class Resumen:
    conversaciones: int
    eventos: int


def url_desde_entorno() -> sa.engine.URL:
    env = os.environ
    return sa.engine.URL.create(
        "postgresql+psycopg2",
        username=env.get("ORIENTA_PG_USER") or None,
        password=env.get("ORIENTA_PG_PASSWORD") or None,
        host=env.get("ORIENTA_PG_HOST") or "localhost",
        port=int(env.get("ORIENTA_PG_PORT") or 5432),
        database=env.get("ORIENTA_TRACKER_DB") or "orienta_tracker",
    )


def _inactivas(limite: float) -> sa.sql.Select:
    return (
        sa.select(EVENTOS.c.sender_id)
        .group_by(EVENTOS.c.sender_id)
        .having(sa.func.max(EVENTOS.c.timestamp) < limite)
    )


def purgar(
    engine: sa.engine.Engine, dias: float, aplicar: bool, ahora: float | None = None
) -> Resumen:
    """Counts (and with ``aplicar`` deletes) the conversations quiet for more than ``dias``."""
    if dias <= 0:
        raise ValueError("dias debe ser mayor que 0")
    limite = (ahora if ahora is not None else time.time()) - dias * 86400
    if not aplicar:
        with engine.connect() as conn:
            viejas = _inactivas(limite).subquery()
            conversaciones = conn.scalar(sa.select(sa.func.count()).select_from(viejas))
            eventos = conn.scalar(
                sa.select(sa.func.count()).where(EVENTOS.c.sender_id.in_(sa.select(viejas)))
            )
        return Resumen(int(conversaciones or 0), int(eventos or 0))
    conversaciones = eventos = 0
    while True:
        with engine.begin() as conn:
            lote = conn.scalars(_inactivas(limite).limit(LOTE)).all()
            if not lote:
                break
            borrados = conn.execute(sa.delete(EVENTOS).where(EVENTOS.c.sender_id.in_(lote)))
            conversaciones += len(lote)
            eventos += borrados.rowcount
    return Resumen(conversaciones, eventos)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--dias",
        type=float,
        default=float(os.environ.get("ORIENTA_TRACKER_RETENCION_DIAS") or DIAS_POR_OMISION),
    )
    ap.add_argument("--aplicar", action="store_true", help="borrar (sin esto solo cuenta)")
    ap.add_argument("--url", help="URL de SQLAlchemy de la base del tracker")
    args = ap.parse_args(argv)
    if args.dias <= 0:
        print("--dias debe ser mayor que 0", file=sys.stderr)
        return 2
    engine = sa.create_engine(args.url or url_desde_entorno(), future=True)
    try:
        resumen = purgar(engine, args.dias, args.aplicar)
    except sa.exc.SQLAlchemyError as error:
        print(f"No se pudo leer la base del tracker ({type(error).__name__})", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    verbo = "borradas" if args.aplicar else "se borrarían (use --aplicar)"
    print(
        f"Conversaciones sin actividad en {args.dias:g} días {verbo}: "
        f"{resumen.conversaciones} ({resumen.eventos} eventos)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
