"""Handoff tickets (canalizaciones) for the promoter console: take, reply, close, deliver.

Every change commits inside the function and writes an ``auditoria`` row with
``folio="CAN-<id>"`` (:func:`id_canalizacion`) and ``actor="promotor:<id>"`` (``"api:admin"`` for
the admin API, which acts without a promoter). Log lines carry ids only: never the reply
text, the phone number or the web sender id.

A promoter's reply (``RespuestaCanalizacion``) reaches the person in one of two ways:

* ``twilio``: sent right away by ``servicio.twilio_salida.enviar_respuesta`` (SMS/WhatsApp, when
  Twilio is configured and, for WhatsApp, inside the 24-hour window);
* ``siguiente_mensaje``: the assistant's channels ask ``POST /v1/canalizaciones/entregas`` on every
  incoming message and show the pending replies before the bot's answer (``entregar_pendientes``).

:func:`entregar_ahora` tries the first and leaves the second. The console's replies and closings
and the admin API's ``POST /v1/canalizaciones/{id}/cerrar`` (with an optional ``respuesta``) all go
through :func:`responder` / :func:`cerrar`, so a reply is stored and delivered the same way.

Delivery is claimed with ``UPDATE … WHERE id = :id AND entregada_en IS NULL`` per reply and the
row count decides who delivers it, so two concurrent claims (two messages at once, or a message
racing the console's Twilio send) never deliver the same reply twice, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, case, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bot.tiempo import ahora_utc
from servicio.inscripcion import contactos
from servicio.inscripcion import modelos as m
from servicio.inscripcion.operaciones import ErrorApi

log = logging.getLogger("orienta.enrollment.canalizaciones")

MAX_TEXTO = 1000
VIA_TWILIO = "twilio"
VIA_SIGUIENTE_MENSAJE = "siguiente_mensaje"
VIAS = (VIA_TWILIO, VIA_SIGUIENTE_MENSAJE)

TOMADA = "canalizacion_tomada"
RESPONDIDA = "canalizacion_respondida"
CERRADA = "canalizacion_cerrada"

NO_EXISTE = "No existe una canalización con ese id."
YA_CERRADA = "La canalización ya está cerrada."
TOMADA_POR_OTRO = "Otra persona del equipo ya tomó esta canalización."
TEXTO_VACIO = "Escribe la respuesta para la persona."
TEXTO_LARGO = f"La respuesta es muy larga: escribe como máximo {MAX_TEXTO} caracteres."

_ESTADOS = (m.CANALIZACION_ABIERTA, m.CANALIZACION_TOMADA, m.CANALIZACION_CERRADA)


#: Audit actor of the admin API (an API key, not a promoter).
ACTOR_API = "api:admin"


PREFIJO_AUDITORIA = "CAN-"


def id_canalizacion(ticket_id: int) -> str:
    """The ticket's id in the audit log ("CAN-12"), next to registration folios ("OR-…")."""
    return f"{PREFIJO_AUDITORIA}{ticket_id}"


def ticket_de_id(id_auditoria: str | None) -> int | None:
    """The ticket number of an audit id ("CAN-12" -> 12); None for a folio or anything else."""
    resto = (id_auditoria or "").removeprefix(PREFIJO_AUDITORIA)
    return int(resto) if resto != (id_auditoria or "") and resto.isdigit() else None


def actor(promotor: m.Promotor | None) -> str:
    """The audit actor: "promotor:<id>", or :data:`ACTOR_API` without a promoter."""
    return f"promotor:{promotor.id}" if promotor is not None else ACTOR_API


def _auditar(session: Session, ticket_id: int, accion: str, promotor: m.Promotor | None) -> None:
    session.add(
        m.Auditoria(
            folio=id_canalizacion(ticket_id), accion=accion, en=ahora_utc(), actor=actor(promotor)
        )
    )


def _ticket(session: Session, ticket_id: int, *, bloquear: bool = False) -> m.Canalizacion:
    stmt = select(m.Canalizacion).where(m.Canalizacion.id == ticket_id)
    if bloquear:
        # PostgreSQL: two promoters taking the same ticket at once are serialised here.
        # SQLite ignores FOR UPDATE; its writers are serialised by the database lock anyway.
        # populate_existing: a row already in the session (the console loads it first) is
        # refreshed, so the checks below see the current state, not a stale one.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    fila = session.execute(stmt).scalar_one_or_none()
    if fila is None:
        raise ErrorApi(404, NO_EXISTE, "id")
    return fila


def _es_admin(promotor: m.Promotor | None) -> bool:
    """Admins (and the admin API, ``None``) may act on tickets held by someone else."""
    return promotor is None or promotor.rol == m.ROL_ADMIN


# ------------------------------------------------------------------ lectura
def listar(
    session: Session,
    estado: str | None,
    consulado: str | None = None,
    limite: int = 200,
    dentro: ColumnElement[bool] | None = None,
) -> list[m.Canalizacion]:
    """Newest first. Without ``estado``: open and taken tickets first, then closed ones.
    ``dentro``: an extra condition (the console account's scope)."""
    stmt = select(m.Canalizacion)
    if dentro is not None:
        stmt = stmt.where(dentro)
    if estado:
        if estado not in _ESTADOS:
            raise ErrorApi(422, "Elige un estado válido: abierta, tomada o cerrada.", "estado")
        stmt = stmt.where(m.Canalizacion.estado == estado).order_by(m.Canalizacion.id.desc())
    else:
        cerradas_al_final = case((m.Canalizacion.estado == m.CANALIZACION_CERRADA, 1), else_=0)
        stmt = stmt.order_by(cerradas_al_final, m.Canalizacion.id.desc())
    if consulado:
        stmt = stmt.where(m.Canalizacion.consulado == consulado)
    return list(session.execute(stmt.limit(max(1, min(int(limite), 1000)))).scalars())


def respuestas(session: Session, ticket_id: int) -> list[m.RespuestaCanalizacion]:
    """The replies of a ticket, oldest first (the ticket page's thread)."""
    stmt = (
        select(m.RespuestaCanalizacion)
        .where(m.RespuestaCanalizacion.canalizacion_id == ticket_id)
        .order_by(m.RespuestaCanalizacion.id)
    )
    return list(session.execute(stmt).scalars())


# ------------------------------------------------------------------ cambios
def _tomar_sin_commit(session: Session, fila: m.Canalizacion, promotor: m.Promotor) -> bool:
    """Takes the ticket for ``promotor``; True if something changed. Raises 409 as documented."""
    if fila.estado == m.CANALIZACION_CERRADA:
        raise ErrorApi(409, YA_CERRADA, "id")
    if fila.estado == m.CANALIZACION_TOMADA and fila.tomada_por == promotor.id:
        return False
    if (
        fila.estado == m.CANALIZACION_TOMADA
        and fila.tomada_por is not None
        and not _es_admin(promotor)
    ):
        raise ErrorApi(409, TOMADA_POR_OTRO, "id")
    fila.estado = m.CANALIZACION_TOMADA
    fila.tomada_por = promotor.id
    fila.tomada_en = ahora_utc()
    _auditar(session, fila.id, TOMADA, promotor)
    return True


def tomar(session: Session, ticket_id: int, promotor: m.Promotor) -> m.Canalizacion:
    """Assigns the ticket to ``promotor``.

    404 unknown id; 409 if closed; 409 if another promoter took it (an admin may take it over).
    Taking a ticket one already holds changes nothing and writes no audit row.
    """
    try:
        fila = _ticket(session, ticket_id, bloquear=True)
        cambio = _tomar_sin_commit(session, fila, promotor)
    except ErrorApi:
        session.rollback()
        raise
    session.commit()
    if cambio:
        log.info("canalizacion tomada id=%s promotor=%s", ticket_id, promotor.id)
    return fila


def validar_texto(texto: str | None, campo: str = "texto") -> str:
    limpio = (texto or "").strip()
    if not limpio:
        raise ErrorApi(422, TEXTO_VACIO, campo)
    if len(limpio) > MAX_TEXTO:
        raise ErrorApi(422, TEXTO_LARGO, campo)
    return limpio


def responder(
    session: Session, ticket_id: int, promotor: m.Promotor, texto: str | None
) -> m.RespuestaCanalizacion:
    """Stores a reply (pending delivery). Takes the ticket first if it is still open.

    422 (campo ``texto``) if empty or longer than 1000 characters after trimming; 404 unknown;
    409 if closed or taken by another promoter (admins may answer any ticket).
    """
    limpio = validar_texto(texto)
    try:
        fila = _ticket(session, ticket_id, bloquear=True)
        if fila.estado == m.CANALIZACION_CERRADA:
            raise ErrorApi(409, YA_CERRADA, "id")
        if fila.estado == m.CANALIZACION_ABIERTA or fila.tomada_por is None:
            _tomar_sin_commit(session, fila, promotor)
        elif fila.tomada_por != promotor.id and not _es_admin(promotor):
            raise ErrorApi(409, TOMADA_POR_OTRO, "id")
    except ErrorApi:
        session.rollback()
        raise
    respuesta = m.RespuestaCanalizacion(
        canalizacion_id=fila.id, promotor_id=promotor.id, texto=limpio, creada_en=ahora_utc()
    )
    session.add(respuesta)
    _auditar(session, fila.id, RESPONDIDA, promotor)
    session.commit()
    log.info(
        "canalizacion respondida id=%s respuesta=%s promotor=%s", fila.id, respuesta.id, promotor.id
    )
    return respuesta


def cerrar(
    session: Session,
    ticket_id: int,
    promotor: m.Promotor | None,
    respuesta: str | None = None,
    *,
    http_client: Any = None,
) -> m.Canalizacion:
    """Closes the ticket (``promotor`` None: the admin API). 404 unknown; 409 already closed or
    held by another promoter (admins may close any ticket). Pending replies are still delivered
    after closing.

    A ``respuesta`` (422, campo ``respuesta``, if longer than 1000 characters) is stored as a
    reply to the person and delivered like the console's: by Twilio now when possible
    (:func:`entregar_ahora`), otherwise with the person's next message. It is also kept on the
    ticket (``Canalizacion.respuesta``, shown by the admin API).
    """
    limpio = validar_texto(respuesta, "respuesta") if (respuesta or "").strip() else None
    try:
        fila = _ticket(session, ticket_id, bloquear=True)
        if fila.estado == m.CANALIZACION_CERRADA:
            raise ErrorApi(409, YA_CERRADA, "id")
        if (
            not _es_admin(promotor)
            and fila.estado == m.CANALIZACION_TOMADA
            and fila.tomada_por not in (None, promotor.id if promotor else None)
        ):
            raise ErrorApi(409, TOMADA_POR_OTRO, "id")
    except ErrorApi:
        session.rollback()
        raise
    nueva = None
    if limpio is not None:
        fila.respuesta = limpio
        nueva = m.RespuestaCanalizacion(
            canalizacion_id=fila.id,
            promotor_id=promotor.id if promotor is not None else None,
            texto=limpio,
            creada_en=ahora_utc(),
        )
        session.add(nueva)
        _auditar(session, fila.id, RESPONDIDA, promotor)
    fila.estado = m.CANALIZACION_CERRADA
    fila.cerrada_en = ahora_utc()
    _auditar(session, fila.id, CERRADA, promotor)
    session.commit()
    log.info("canalizacion cerrada id=%s actor=%s", fila.id, actor(promotor))
    if nueva is not None:
        entregar_ahora(session, nueva, fila, http_client=http_client)
    return fila


def entregar_ahora(
    session: Session,
    respuesta: m.RespuestaCanalizacion,
    fila: m.Canalizacion,
    *,
    http_client: Any = None,
) -> bool:
    """Sends a stored reply by Twilio now if the ticket's channel and settings allow it (SMS;
    WhatsApp inside its 24-hour window). False: it waits for the person's next message."""
    from servicio import twilio_salida  # Twilio's client only when a reply is sent

    return twilio_salida.configurado(fila.canal) and twilio_salida.enviar_respuesta(
        session, respuesta, fila, http_client
    )


# ------------------------------------------------------------------ entrega
def _reclamar(session: Session, ids: Iterable[int], via: str) -> list[int]:
    """Marks each reply delivered unless someone else already did; returns the ids won.

    One UPDATE per row, in id order (so concurrent claimers lock rows in the same order and
    cannot deadlock on PostgreSQL); the row count says whether this transaction won the row.
    The caller commits.
    """
    if via not in VIAS:
        raise ValueError(f"vía de entrega desconocida: {via!r}")
    ahora, ganados = ahora_utc(), []
    for rid in sorted(set(ids)):
        resultado = session.execute(
            update(m.RespuestaCanalizacion)
            .where(
                m.RespuestaCanalizacion.id == rid,
                m.RespuestaCanalizacion.entregada_en.is_(None),
            )
            .values(entregada_en=ahora, entregada_via=via)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult, resultado).rowcount == 1:
            ganados.append(rid)
    return ganados


def pendientes(session: Session, canal: str, direccion: str) -> list[m.RespuestaCanalizacion]:
    """Undelivered replies for every ticket opened from that channel address, oldest first."""
    stmt = (
        select(m.RespuestaCanalizacion)
        .join(m.Canalizacion, m.Canalizacion.id == m.RespuestaCanalizacion.canalizacion_id)
        .where(
            m.Canalizacion.canal == canal,
            m.Canalizacion.direccion_canal == direccion,
            m.RespuestaCanalizacion.entregada_en.is_(None),
        )
        .order_by(m.RespuestaCanalizacion.id)
    )
    return list(session.execute(stmt).scalars())


def entregar_pendientes(
    session: Session, canal: str, direccion: str, limite: int | None = None
) -> list[m.RespuestaCanalizacion]:
    """Claims the pending replies for ``canal``/``direccion`` (oldest first, at most ``limite``)
    as delivered ``siguiente_mensaje`` and returns them; the caller shows them to the person.

    A reply claimed by a concurrent call (or by the Twilio send) is left out, so the same reply
    is never returned twice.
    """
    candidatas = pendientes(session, canal, direccion)
    if limite is not None:
        candidatas = candidatas[: max(0, limite)]
    if not candidatas:
        session.rollback()
        return []
    ganadas = set(_reclamar(session, [r.id for r in candidatas], VIA_SIGUIENTE_MENSAJE))
    session.commit()
    entregadas = [r for r in candidatas if r.id in ganadas]
    for r in entregadas:
        session.refresh(r)
    if entregadas:
        log.info(
            "canalizacion respuestas entregadas via=%s ids=%s",
            VIA_SIGUIENTE_MENSAJE,
            ",".join(str(r.id) for r in entregadas),
        )
    return entregadas


def marcar_entregada(session: Session, respuesta_id: int, via: str) -> bool:
    """Marks one reply delivered by ``via``; False if it was already delivered (or unknown)."""
    ganada = bool(_reclamar(session, [respuesta_id], via))
    session.commit()
    if ganada:
        log.info("canalizacion respuesta entregada id=%s via=%s", respuesta_id, via)
    return ganada


def desmarcar_entrega(session: Session, respuesta_id: int, via: str) -> bool:
    """Undoes a claim by ``via`` (a Twilio send that failed): the reply is pending again."""
    resultado = session.execute(
        update(m.RespuestaCanalizacion)
        .where(
            m.RespuestaCanalizacion.id == respuesta_id,
            m.RespuestaCanalizacion.entregada_via == via,
        )
        .values(entregada_en=None, entregada_via=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return cast(CursorResult, resultado).rowcount == 1


def ultimo_contacto(session: Session, canal: str, direccion: str) -> datetime | None:
    """The last time the person wrote from that number in a request signed by Twilio (used for
    WhatsApp's 24-hour window). Ticket creation and deliveries no longer count: only the
    channel that checked the signature vouches for a number (``contactos.py``)."""
    return contactos.ultimo_firmado(session, canal, direccion)


__all__ = [
    "MAX_TEXTO",
    "VIA_SIGUIENTE_MENSAJE",
    "VIA_TWILIO",
    "ACTOR_API",
    "actor",
    "cerrar",
    "desmarcar_entrega",
    "entregar_ahora",
    "id_canalizacion",
    "ticket_de_id",
    "entregar_pendientes",
    "listar",
    "marcar_entregada",
    "pendientes",
    "responder",
    "respuestas",
    "tomar",
    "ultimo_contacto",
    "validar_texto",
]
