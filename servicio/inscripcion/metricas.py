"""Ingest of the assistant's anonymous metrics (records built by ``bot.analitica.Analizador``).

``ingerir`` takes already-validated plain dicts (see ``api_metricas``) in the order they happened:
messages become ``metricas_mensajes`` rows, funnel records upsert ``embudo`` by conversation.
The upserts are ``INSERT … ON CONFLICT DO NOTHING`` followed by an ``UPDATE`` so two concurrent
batches for the same conversation never fail on the primary key (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.analitica import redactar
from bot.tiempo import en_utc
from servicio.inscripcion import modelos as m

E = m.EmbudoConversacion


def _insertar_si_falta(session: Session, valores: dict[str, Any]) -> None:
    dialecto = session.get_bind().dialect.name
    dialect_insert: Callable[..., Any]
    if dialecto == "postgresql":
        dialect_insert = postgresql.insert
    elif dialecto == "sqlite":
        dialect_insert = sqlite.insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        if session.get(E, valores["conversacion"]) is None:
            session.add(E(**valores))
            session.flush()
        return
    stmt = (
        dialect_insert(E).values(**valores).on_conflict_do_nothing(index_elements=["conversacion"])
    )
    session.execute(stmt)


def ingerir(session: Session, registros: Iterable[Mapping[str, Any]]) -> int:
    """Store the records and commit; returns how many were processed."""
    mensajes: list[dict[str, Any]] = []
    n = 0
    for r in registros:
        n += 1
        tipo = r["tipo"]
        conv = r["conversacion"]
        if tipo == "mensaje":
            fallback = bool(r["fallback"])
            # Defence in depth: mask again, and keep text only for unanswered messages.
            texto = (redactar(r.get("texto")) or None) if fallback else None
            mensajes.append(
                {
                    "en": en_utc(r["en"]),
                    "canal": r["canal"],
                    "conversacion": conv,
                    "intent": r.get("intent"),
                    "confianza": r.get("confianza"),
                    "fallback": fallback,
                    "texto": texto,
                }
            )
        elif tipo == "registro_iniciado":
            en = en_utc(r["en"])
            consulado = r.get("consulado")
            _insertar_si_falta(
                session,
                {
                    "conversacion": conv,
                    "canal": r["canal"],
                    "iniciado_en": en,
                    "consulado": consulado,
                },
            )
            # Rows created by an earlier-arriving registro_enviado: keep the earliest start.
            session.execute(
                update(E).where(E.conversacion == conv, E.iniciado_en > en).values(iniciado_en=en)
            )
            if consulado:
                session.execute(
                    update(E)
                    .where(E.conversacion == conv, E.consulado.is_(None))
                    .values(consulado=consulado)
                )
        elif tipo == "consulado":
            # Only conversations that started a registration: the slot is also set by the
            # "nearest desk" flow, and those people must not count as started registrations.
            # (The analyser carries a consulate seen earlier into registro_iniciado.)
            session.execute(
                update(E).where(E.conversacion == conv).values(consulado=r["consulado"])
            )
        elif tipo == "registro_enviado":
            en = en_utc(r["en"])
            _insertar_si_falta(
                session,
                {
                    "conversacion": conv,
                    "canal": r.get("canal") or "otro",
                    "iniciado_en": en,
                    "enviado_en": en,
                    "folio": r["folio"],
                },
            )
            session.execute(
                update(E).where(E.conversacion == conv).values(folio=r["folio"], enviado_en=en)
            )
    if mensajes:
        session.execute(insert(m.MetricaMensaje), mensajes)
    session.commit()
    return n
