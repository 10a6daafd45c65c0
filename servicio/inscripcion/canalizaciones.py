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

The ticket's thread (``RespuestaCanalizacion`` rows, ``autor`` persona/asistente/promotor/nota/
sistema) also holds the conversation before the handoff (``historial`` at creation), what the
person writes while the ticket is open or taken (:func:`mensaje_de_persona`, deduplicated by the
channel's ``id_externo``), private notes (never delivered) and system events. Only rows with an
``estado_entrega`` go to the person. States: abierta (waiting) → tomada (with a promoter) →
cerrada (``motivo_cierre``); a closed ticket sends the person back to the bot.

Delivery is claimed with ``UPDATE … WHERE id = :id AND entregada_en IS NULL`` per reply and the
row count decides who delivers it, so two concurrent claims (two messages at once, or a message
racing the console's Twilio send) never deliver the same reply twice, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import canales, ventanillas
from bot.tiempo import ahora_utc
from servicio.inscripcion import contactos
from servicio.inscripcion import modelos as m
from servicio.inscripcion.operaciones import ErrorApi

log = logging.getLogger("orienta.enrollment.canalizaciones")

MAX_TEXTO = 1000
VIA_TWILIO = "twilio"
VIA_SIGUIENTE_MENSAJE = "siguiente_mensaje"
VIA_SOCKETIO = "socketio"
VIAS = (VIA_TWILIO, VIA_SIGUIENTE_MENSAJE, VIA_SOCKETIO)
MAX_HISTORIAL = 30
MAX_DIRECCIONES = 200

TOMADA = "canalizacion_tomada"
RESPONDIDA = "canalizacion_respondida"
CERRADA = "canalizacion_cerrada"
ASIGNADA = "canalizacion_asignada"
NOTA = "canalizacion_nota"
MENSAJE_PERSONA = "canalizacion_mensaje_persona"
VUELTA_AL_ASISTENTE = "canalizacion_volvio_al_asistente"
VENCIDA = "canalizacion_vencida"
CREADA = "canalizacion_creada"

MOTIVO_VOLVIO = "la persona volvió al asistente"
MOTIVO_FUERA_DE_HORARIO = "sin respuesta fuera de horario"
MOTIVO_CERRADA_SIN_MOTIVO = "cerrada por el equipo"
#: What the person reads when the ticket closes: what happens next.
AVISO_CIERRE = "Tu conversación con la promotora terminó. Si necesitas algo más, escribe PROMOTOR."
#: The author's name the person sees on notices that no promoter wrote.
NOMBRE_SISTEMA = "Orienta"
NO_COINCIDE = "No existe una canalización con ese id para esa conversación."
COLEGA_INVALIDO = "Elige a una persona activa del mismo consulado."

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


def _auditar_asistente(session: Session, ticket_id: int, accion: str) -> None:
    """Audit row of something the assistant's channels did (actor NULL, as the model says)."""
    session.add(
        m.Auditoria(folio=id_canalizacion(ticket_id), accion=accion, en=ahora_utc(), actor=None)
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


def _nuevo_mensaje(
    session: Session,
    fila: m.Canalizacion,
    autor: str,
    texto: str,
    *,
    promotor: m.Promotor | None = None,
    para_persona: bool = False,
    id_externo: str | None = None,
) -> m.RespuestaCanalizacion:
    """Adds one message to the ticket's thread (no commit). ``para_persona``: it waits for
    delivery (a reply or a notice); anything else is never sent."""
    mensaje = m.RespuestaCanalizacion(
        canalizacion_id=fila.id,
        promotor_id=promotor.id if promotor is not None else None,
        texto=texto,
        creada_en=ahora_utc(),
        autor=autor,
        id_externo=id_externo,
        estado_entrega=m.ENTREGA_PENDIENTE if para_persona else None,
    )
    session.add(mensaje)
    return mensaje


def _evento(session: Session, fila: m.Canalizacion, texto: str, promotor=None) -> None:
    """A system event in the thread ("Ana tomó el caso"): seen by the team, never sent."""
    _nuevo_mensaje(session, fila, m.AUTOR_SISTEMA, texto, promotor=promotor)


def anotar_evento(session: Session, ticket_id: int, texto: str) -> None:
    """A system event in the thread from outside this module (a WhatsApp template sent)."""
    fila = _ticket(session, ticket_id)
    _evento(session, fila, texto)
    session.commit()


def nombre_corto(promotor: m.Promotor | None) -> str:
    """The name the person sees: the promoter's first name, or "Orienta" for notices."""
    if promotor is None:
        return NOMBRE_SISTEMA
    return (promotor.nombre or "").split()[0] if (promotor.nombre or "").strip() else "Promotora"


# ------------------------------------------------------------------ creación
def _origen(payload: Any) -> str:
    """The console's Preguntar talks to the bot as ``consola-…``: its tickets are never real."""
    if str(payload.direccion_canal).startswith(canales.PREFIJO_CONSOLA):
        return m.ORIGEN_CONSOLA_PREGUNTAR
    return payload.origen.value if payload.origen is not None else m.ORIGEN_REAL


def _registro_de(session: Session, canal: str, direccion: str) -> m.Registro | None:
    """The person's newest registration with the ticket's phone number (WhatsApp/SMS)."""
    if canales.medio_de_ticket(canal) is None:
        return None
    return session.execute(
        select(m.Registro)
        .where(m.Registro.telefono == direccion, m.Registro.estado != m.ESTADO_ELIMINADO)
        .order_by(m.Registro.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _consulado(payload: Any, registro: m.Registro | None) -> str | None:
    """The queue: the consulate the bot gave, the registration's, or the one nearest the
    person's city (bot.ventanillas, the registrations' rule)."""
    if payload.consulado:
        return payload.consulado
    if registro is not None and registro.consulado:
        return registro.consulado
    return ventanillas.consulado_cercano(payload.ciudad) if payload.ciudad else None


def crear(session: Session, payload: Any) -> tuple[m.Canalizacion, bool]:
    """Opens a ticket (``esquemas.CanalizacionIn``) with the conversation before the handoff
    as the thread's first messages; (ticket, True).

    An address that already has a ticket not closed gets that one back, (ticket, False): a
    person asking twice, or a test run 48 times, never opens a second case.
    """
    canal = payload.canal.value
    existente = activa(session, canal, payload.direccion_canal)
    if existente is not None:
        session.rollback()
        return existente, False
    registro = _registro_de(session, canal, payload.direccion_canal)
    fila = m.Canalizacion(
        resumen=payload.resumen,
        canal=canal,
        direccion_canal=payload.direccion_canal,
        consulado=_consulado(payload, registro),
        estado=m.CANALIZACION_ABIERTA,
        creada_en=ahora_utc(),
        origen=_origen(payload),
        folio=registro.folio if registro is not None else None,
    )
    session.add(fila)
    session.flush()
    for mensaje in payload.historial[:MAX_HISTORIAL]:
        _nuevo_mensaje(session, fila, mensaje.autor.value, mensaje.texto[:MAX_TEXTO])
    _auditar_asistente(session, fila.id, CREADA)
    session.commit()
    log.info("canalizacion creada id=%s origen=%s", fila.id, fila.origen)
    return fila, True


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


def bandeja(
    session: Session,
    *,
    dentro: ColumnElement[bool] | None = None,
    consulado: str | None = None,
    incluir_pruebas: bool = False,
    estado: str | None = None,
    limite: int = 300,
) -> list[m.Canalizacion]:
    """The console's queue: tickets not closed (or of ``estado``), the longest waiting first;
    only real ones unless ``incluir_pruebas`` (tests, benchmarks, Preguntar)."""
    stmt = select(m.Canalizacion)
    if dentro is not None:
        stmt = stmt.where(dentro)
    if estado in _ESTADOS:
        stmt = stmt.where(m.Canalizacion.estado == estado)
    else:
        stmt = stmt.where(m.Canalizacion.estado != m.CANALIZACION_CERRADA)
    if consulado:
        stmt = stmt.where(m.Canalizacion.consulado == consulado)
    if not incluir_pruebas:
        stmt = stmt.where(m.Canalizacion.origen == m.ORIGEN_REAL)
    if estado == m.CANALIZACION_CERRADA:
        stmt = stmt.order_by(m.Canalizacion.id.desc())
    else:
        stmt = stmt.order_by(m.Canalizacion.creada_en, m.Canalizacion.id)
    return list(session.execute(stmt.limit(limite)).scalars())


def buscar(
    session: Session, q: str, dentro: ColumnElement[bool] | None = None
) -> list[m.Canalizacion]:
    """By case number ("12", "#12", "CAN-12"), registration folio, or the person's name (the
    registrations' search key, ``Registro.nombre_busqueda``)."""
    from bot import lectura

    q = " ".join((q or "").split())[:120]
    if not q:
        return []
    numero = q.upper().removeprefix("#").removeprefix(PREFIJO_AUDITORIA)
    C = m.Canalizacion
    if numero.isdigit():
        condicion = C.id == int(numero)
    elif q.upper().startswith("OR-"):
        condicion = C.folio == q.upper()
    else:
        clave = lectura.minusculas_sin_acentos(q)
        folios = select(m.Registro.folio).where(m.Registro.nombre_busqueda.contains(clave))
        condicion = C.folio.in_(folios)
    stmt = select(C).where(condicion)
    if dentro is not None:
        stmt = stmt.where(dentro)
    return list(session.execute(stmt.order_by(C.id.desc()).limit(50)).scalars())


def ultimos_mensajes(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """Per ticket: the id of its newest thread message (0 when none), for the console's poll."""
    ids = list(ids)
    if not ids:
        return {}
    M = m.RespuestaCanalizacion
    filas = session.execute(
        select(M.canalizacion_id, func.max(M.id))
        .where(M.canalizacion_id.in_(ids))
        .group_by(M.canalizacion_id)
    ).tuples()
    ultimo = dict(filas.all())
    return {i: int(ultimo.get(i) or 0) for i in ids}


def hilo(session: Session, ticket_id: int) -> list[m.RespuestaCanalizacion]:
    """The whole thread of a ticket, oldest first (the ticket page)."""
    stmt = (
        select(m.RespuestaCanalizacion)
        .where(m.RespuestaCanalizacion.canalizacion_id == ticket_id)
        .order_by(m.RespuestaCanalizacion.id)
    )
    return list(session.execute(stmt).scalars())


def respuestas(session: Session, ticket_id: int) -> list[m.RespuestaCanalizacion]:
    """The promoters' replies of a ticket, oldest first."""
    return [r for r in hilo(session, ticket_id) if r.autor == m.AUTOR_PROMOTOR]


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
    _evento(session, fila, f"{promotor.nombre} tomó el caso.", promotor)
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
    respuesta = _nuevo_mensaje(
        session, fila, m.AUTOR_PROMOTOR, limpio, promotor=promotor, para_persona=True
    )
    session.flush()
    if fila.tomada_por == promotor.id:  # whoever answers has read the thread up to here
        fila.leida_hasta = respuesta.id
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
    motivo: str | None = None,
    http_client: Any = None,
) -> m.Canalizacion:
    """Closes the ticket (``promotor`` None: the admin API). 404 unknown; 409 already closed or
    held by another promoter (admins may close any ticket). Pending replies are still delivered
    after closing.

    A ``respuesta`` (422, campo ``respuesta``, if longer than 1000 characters) is stored as a
    reply to the person and delivered like the console's: by Twilio now when possible
    (:func:`entregar_ahora`), otherwise with the person's next message. It is also kept on the
    ticket (``Canalizacion.respuesta``, shown by the admin API). ``motivo`` (at most 200
    characters) is the closing reason; the person always gets :data:`AVISO_CIERRE`, so they know
    the bot answers again.
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
    nuevas = []
    if limpio is not None:
        fila.respuesta = limpio
        nuevas.append(
            _nuevo_mensaje(
                session, fila, m.AUTOR_PROMOTOR, limpio, promotor=promotor, para_persona=True
            )
        )
        _auditar(session, fila.id, RESPONDIDA, promotor)
    motivo_final = " ".join((motivo or "").split())[:200] or MOTIVO_CERRADA_SIN_MOTIVO
    nuevas.append(_cerrar_sin_commit(session, fila, promotor, motivo_final, CERRADA))
    session.commit()
    log.info("canalizacion cerrada id=%s actor=%s", fila.id, actor(promotor))
    for nueva in nuevas:
        entregar_ahora(session, nueva, fila, http_client=http_client)
    return fila


def _cerrar_sin_commit(
    session: Session,
    fila: m.Canalizacion,
    promotor: m.Promotor | None,
    motivo: str,
    accion: str,
    *,
    avisar: bool = True,
    asistente: bool = False,
) -> m.RespuestaCanalizacion | None:
    """Closes with ``motivo``: system event, audit row and (``avisar``) the closing notice for
    the person, returned for delivery."""
    fila.estado = m.CANALIZACION_CERRADA
    fila.cerrada_en = ahora_utc()
    fila.motivo_cierre = motivo
    quien = promotor.nombre if promotor is not None else NOMBRE_SISTEMA
    _evento(session, fila, f"Caso cerrado por {quien}: {motivo}.", promotor)
    if asistente:
        _auditar_asistente(session, fila.id, accion)
    else:
        _auditar(session, fila.id, accion, promotor)
    if not avisar:
        return None
    return _nuevo_mensaje(session, fila, m.AUTOR_SISTEMA, AVISO_CIERRE, para_persona=True)


def cerrar_por_vencimiento(session: Session, ticket_id: int, aviso: str) -> bool:
    """Closes a ticket nobody took in time (``canalizaciones_vencidas``) with
    :data:`MOTIVO_FUERA_DE_HORARIO` and ``aviso`` queued for the person. False if a promoter
    took it (or it closed) meanwhile: the row is locked and checked again."""
    fila = _ticket(session, ticket_id, bloquear=True)
    if fila.estado != m.CANALIZACION_ABIERTA:
        session.rollback()
        return False
    _cerrar_sin_commit(
        session, fila, None, MOTIVO_FUERA_DE_HORARIO, VENCIDA, avisar=False, asistente=True
    )
    aviso_fila = _nuevo_mensaje(session, fila, m.AUTOR_SISTEMA, aviso, para_persona=True)
    session.commit()
    log.info("canalizacion vencida cerrada id=%s", fila.id)
    entregar_ahora(session, aviso_fila, fila)
    return True


def borrar(session: Session, ids: list[int]) -> None:
    """Deletes tickets with their whole thread and their idempotency replays (no commit): the
    person's erasure and the retention purge."""
    if not ids:
        return
    session.execute(
        delete(m.RespuestaCanalizacion).where(m.RespuestaCanalizacion.canalizacion_id.in_(ids))
    )
    session.execute(
        delete(m.IdempotencyKey).where(
            m.IdempotencyKey.folio.in_([id_canalizacion(t) for t in ids])
        )
    )
    session.execute(delete(m.Canalizacion).where(m.Canalizacion.id.in_(ids)))


def asignar(
    session: Session, ticket_id: int, promotor: m.Promotor, colega_id: int
) -> m.Canalizacion:
    """Gives the ticket to a colleague (``tomada_por`` is who it is assigned to).

    The colleague must be an active account of the ticket's consulate (or of the promoter's,
    for a ticket without one); 422 otherwise. 409 if closed or held by someone else (admins may
    reassign any ticket). Audited; a system event in the thread; the unread marker restarts.
    """
    try:
        fila = _ticket(session, ticket_id, bloquear=True)
        if fila.estado == m.CANALIZACION_CERRADA:
            raise ErrorApi(409, YA_CERRADA, "id")
        if fila.tomada_por not in (None, promotor.id) and not _es_admin(promotor):
            raise ErrorApi(409, TOMADA_POR_OTRO, "id")
        colega = session.get(m.Promotor, colega_id)
        consulado = fila.consulado or promotor.consulado
        if (
            colega is None
            or not colega.activo
            or (colega.rol != m.ROL_ADMIN and colega.consulado != consulado)
        ):
            raise ErrorApi(422, COLEGA_INVALIDO, "colega")
    except ErrorApi:
        session.rollback()
        raise
    if fila.tomada_por != colega.id:
        fila.estado = m.CANALIZACION_TOMADA
        fila.tomada_por, fila.tomada_en, fila.leida_hasta = colega.id, ahora_utc(), None
        _evento(session, fila, f"{promotor.nombre} asignó el caso a {colega.nombre}.", promotor)
        _auditar(session, fila.id, ASIGNADA, promotor)
    session.commit()
    log.info("canalizacion asignada id=%s a=%s por=%s", fila.id, colega.id, promotor.id)
    return fila


def colegas(session: Session, fila: m.Canalizacion, promotor: m.Promotor) -> list[m.Promotor]:
    """Who the ticket may be assigned to: active accounts of its consulate, and admins."""
    consulado = fila.consulado or promotor.consulado
    stmt = (
        select(m.Promotor)
        .where(m.Promotor.activo.is_(True))
        .where((m.Promotor.consulado == consulado) | (m.Promotor.rol == m.ROL_ADMIN))
        .order_by(m.Promotor.nombre)
    )
    return list(session.execute(stmt).scalars())


def anotar(
    session: Session, ticket_id: int, promotor: m.Promotor, texto: str | None
) -> m.RespuestaCanalizacion:
    """A private note of the team in the thread: never delivered to the person.
    422 empty or too long; 404 unknown; notes are allowed on closed tickets too."""
    limpio = validar_texto(texto)
    fila = _ticket(session, ticket_id)
    nota = _nuevo_mensaje(session, fila, m.AUTOR_NOTA, limpio, promotor=promotor)
    _auditar(session, fila.id, NOTA, promotor)
    session.commit()
    log.info("canalizacion nota id=%s nota=%s promotor=%s", fila.id, nota.id, promotor.id)
    return nota


def marcar_leida(session: Session, fila: m.Canalizacion, promotor: m.Promotor) -> None:
    """The holder opened the ticket: the person's messages so far are no longer unread."""
    if fila.tomada_por != promotor.id:
        return
    ultimo = session.execute(
        select(func.max(m.RespuestaCanalizacion.id)).where(
            m.RespuestaCanalizacion.canalizacion_id == fila.id
        )
    ).scalar()
    if ultimo is not None and ultimo != fila.leida_hasta:
        fila.leida_hasta = ultimo
        session.commit()


def no_leidos(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """Per ticket: the person's messages after the holder last opened it (0 when none)."""
    ids = list(ids)
    if not ids:
        return {}
    M, C = m.RespuestaCanalizacion, m.Canalizacion
    stmt = (
        select(M.canalizacion_id, func.count(M.id))
        .join(C, C.id == M.canalizacion_id)
        .where(
            M.canalizacion_id.in_(ids),
            M.autor == m.AUTOR_PERSONA,
            M.id > func.coalesce(C.leida_hasta, 0),
            # Only messages of the handoff itself (the conversation before it has no
            # id_externo): context is not something new to read.
            M.id_externo.is_not(None),
        )
        .group_by(M.canalizacion_id)
    )
    cuenta = dict(session.execute(stmt).tuples().all())
    return {i: int(cuenta.get(i, 0)) for i in ids}


# ------------------------------------------------------------------ del lado del canal
def _ticket_de_direccion(
    session: Session, ticket_id: int, canal: str, direccion: str
) -> m.Canalizacion:
    """The ticket if it was opened from that channel address; otherwise the same 404 as an
    unknown id (a caller cannot learn which tickets exist)."""
    fila = session.execute(
        select(m.Canalizacion)
        .where(m.Canalizacion.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if fila is None or fila.canal != canal or fila.direccion_canal != direccion:
        raise ErrorApi(404, NO_COINCIDE, "ticket")
    return fila


def activa(session: Session, canal: str, direccion: str) -> m.Canalizacion | None:
    """The newest ticket not closed for that channel address (the handoff in progress)."""
    return session.execute(
        select(m.Canalizacion)
        .where(
            m.Canalizacion.canal == canal,
            m.Canalizacion.direccion_canal == direccion,
            m.Canalizacion.estado != m.CANALIZACION_CERRADA,
        )
        .order_by(m.Canalizacion.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class MensajeRecibido:
    primero: bool
    duplicado: bool
    estado: str


def mensaje_de_persona(
    session: Session, ticket_id: int, canal: str, direccion: str, texto: str, id_externo: str
) -> MensajeRecibido:
    """Stores what the person wrote while the ticket waits or is taken.

    404 unknown ticket or another address; 409 closed (the bot answers again). ``duplicado``:
    that ``id_externo`` is already in the thread (a redelivered webhook), nothing added.
    ``primero``: the first message of the person since the handoff (the channel acknowledges
    it). Audited without the text.
    """
    try:
        fila = _ticket_de_direccion(session, ticket_id, canal, direccion)
        if fila.estado == m.CANALIZACION_CERRADA:
            raise ErrorApi(409, YA_CERRADA, "ticket")
    except ErrorApi:
        session.rollback()
        raise
    M = m.RespuestaCanalizacion
    ya = session.execute(
        select(M.id).where(M.canalizacion_id == fila.id, M.id_externo == id_externo)
    ).first()
    if ya is not None:
        session.rollback()
        return MensajeRecibido(False, True, fila.estado)
    anteriores = session.execute(
        select(func.count(M.id)).where(
            M.canalizacion_id == fila.id, M.autor == m.AUTOR_PERSONA, M.id_externo.is_not(None)
        )
    ).scalar_one()
    _nuevo_mensaje(session, fila, m.AUTOR_PERSONA, texto.strip(), id_externo=id_externo)
    fila.actividad_persona_en = ahora_utc()
    _auditar_asistente(session, fila.id, MENSAJE_PERSONA)
    try:
        session.commit()
    except IntegrityError:  # the same id_externo stored by a concurrent request
        session.rollback()
        return MensajeRecibido(False, True, fila.estado)
    log.info("canalizacion mensaje de la persona id=%s", fila.id)
    return MensajeRecibido(anteriores == 0, False, fila.estado)


def volver_al_asistente(session: Session, ticket_id: int, canal: str, direccion: str) -> bool:
    """The person asked for the bot again ("menú", "volver al asistente"): closes the ticket
    with :data:`MOTIVO_VOLVIO`. Idempotent: an already closed ticket changes nothing. 404 as
    :func:`mensaje_de_persona`. The person is not sent the closing notice (the bot answers)."""
    try:
        fila = _ticket_de_direccion(session, ticket_id, canal, direccion)
    except ErrorApi:
        session.rollback()
        raise
    if fila.estado == m.CANALIZACION_CERRADA:
        session.rollback()
        return False
    _cerrar_sin_commit(
        session, fila, None, MOTIVO_VOLVIO, VUELTA_AL_ASISTENTE, avisar=False, asistente=True
    )
    session.commit()
    log.info("canalizacion cerrada id=%s: la persona volvió al asistente", fila.id)
    return True


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
#: Messages for the person not delivered yet (a failed send may still go with the next message).
_POR_ENTREGAR = (m.ENTREGA_PENDIENTE, m.ENTREGA_FALLIDA)


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
                m.RespuestaCanalizacion.estado_entrega.in_(_POR_ENTREGAR),
            )
            .values(entregada_en=ahora, entregada_via=via, estado_entrega=m.ENTREGA_ENTREGADA)
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
            m.RespuestaCanalizacion.estado_entrega.in_(_POR_ENTREGAR),
        )
        .order_by(m.RespuestaCanalizacion.id)
    )
    return list(session.execute(stmt).scalars())


def entregar_pendientes(
    session: Session,
    canal: str,
    direccion: str,
    limite: int | None = None,
    via: str = VIA_SIGUIENTE_MENSAJE,
) -> list[m.RespuestaCanalizacion]:
    """Claims the pending replies for ``canal``/``direccion`` (oldest first, at most ``limite``)
    as delivered by ``via`` and returns them; the caller shows them to the person.

    A reply claimed by a concurrent call (or by the Twilio send) is left out, so the same reply
    is never returned twice.
    """
    candidatas = pendientes(session, canal, direccion)
    return _entregar(session, candidatas, limite, via)


def _entregar(
    session: Session, candidatas: list[m.RespuestaCanalizacion], limite: int | None, via: str
) -> list[m.RespuestaCanalizacion]:
    if limite is not None:
        candidatas = candidatas[: max(0, limite)]
    if not candidatas:
        session.rollback()
        return []
    ganadas = set(_reclamar(session, [r.id for r in candidatas], via))
    session.commit()
    entregadas = [r for r in candidatas if r.id in ganadas]
    for r in entregadas:
        session.refresh(r)
    if entregadas:
        log.info(
            "canalizacion respuestas entregadas via=%s ids=%s",
            via,
            ",".join(str(r.id) for r in entregadas),
        )
    return entregadas


def entregar_pendientes_web(
    session: Session, direcciones: Iterable[str], limite: int = 200
) -> list[tuple[str, m.RespuestaCanalizacion]]:
    """The web chat's poll: pending replies for any of its connected ``direcciones``, claimed
    as delivered ``socketio`` (the same atomic claim, so two replicas never both send one)."""
    direcciones = sorted({d for d in direcciones if d})[:MAX_DIRECCIONES]
    if not direcciones:
        return []
    M, C = m.RespuestaCanalizacion, m.Canalizacion
    filas = session.execute(
        select(M, C.direccion_canal)
        .join(C, C.id == M.canalizacion_id)
        .where(
            C.canal == "web",
            C.direccion_canal.in_(direcciones),
            M.entregada_en.is_(None),
            M.estado_entrega.in_(_POR_ENTREGAR),
        )
        .order_by(M.id)
    ).all()
    direccion_de = {r.id: d for r, d in filas}
    entregadas = _entregar(session, [r for r, _ in filas], limite, VIA_SOCKETIO)
    return [(direccion_de[r.id], r) for r in entregadas]


def nombre_autor(session: Session, mensaje: m.RespuestaCanalizacion) -> str:
    """The author's name as the person sees it ("Ana", or "Orienta" for notices)."""
    promotor = session.get(m.Promotor, mensaje.promotor_id) if mensaje.promotor_id else None
    if mensaje.autor == m.AUTOR_SISTEMA:
        return NOMBRE_SISTEMA
    return nombre_corto(promotor)


def marcar_fallida(session: Session, respuesta_id: int, motivo: str) -> None:
    """A send that failed: shown as such in the console (``motivo``, no personal data), never
    counted as delivered; the next message of the person may still carry it."""
    session.execute(
        update(m.RespuestaCanalizacion)
        .where(
            m.RespuestaCanalizacion.id == respuesta_id,
            m.RespuestaCanalizacion.entregada_en.is_(None),
        )
        .values(estado_entrega=m.ENTREGA_FALLIDA, fallo=motivo[:200])
        .execution_options(synchronize_session=False)
    )
    session.commit()
    log.info("canalizacion respuesta no entregada id=%s motivo=%s", respuesta_id, motivo[:80])


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
        .values(entregada_en=None, entregada_via=None, estado_entrega=m.ENTREGA_PENDIENTE)
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
