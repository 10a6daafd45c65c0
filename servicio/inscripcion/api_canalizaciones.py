"""The assistant channels' side of a handoff (assistant API key).

* ``POST /v1/canalizaciones/entregas``: promoters' replies waiting for the person's next message,
  and the ticket in progress for that address (``canalizacion``: the bot stays quiet while one
  is open or taken);
* ``POST /v1/canalizaciones/{ticket}/mensajes``: what the person wrote during the handoff;
* ``POST /v1/canalizaciones/{ticket}/volver``: the person went back to the bot;
* ``POST /v1/canalizaciones/pendientes``: the web chat's poll for its connected sessions.

Contract (``entregas``):

The assistant's channels (``channels/entregas.py``) call it on every incoming message with the
channel and address the ticket was opened from; the replies returned are marked delivered
(``siguiente_mensaje``) in the same request, so the caller must show them. The Twilio channel
adds ``firmado: true`` (signature checked): the number is recorded as one that writes to us.
"""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import contactos
from servicio.inscripcion import esquemas as s
from servicio.inscripcion import modelos as m
from servicio.inscripcion.api import ERRORS, AssistantDep, SessionDep

MAX_POR_ENTREGA = 20


class EntregaIn(BaseModel):
    canal: s.Canal
    direccion: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    # At most this many replies (oldest first); the rest wait for the next message.
    maximo: Annotated[int, Field(ge=1, le=MAX_POR_ENTREGA)] | None = None
    # Only the Twilio channel sends it, after checking the request's signature: the number is
    # then recorded as one that writes to us (servicio/inscripcion/contactos.py).
    firmado: bool = False

    model_config = ConfigDict(extra="forbid")


Direccion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class RespuestaEntregada(BaseModel):
    ticket: int
    id: int
    texto: str
    autor_nombre: str


class CanalizacionActiva(BaseModel):
    ticket: int
    estado: s.EstadoCanalizacion


class EntregaOut(BaseModel):
    respuestas: list[RespuestaEntregada]
    canalizacion: CanalizacionActiva | None = None


class MensajeIn(BaseModel):
    canal: s.Canal
    direccion: Direccion
    texto: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    id_externo: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]

    model_config = ConfigDict(extra="forbid")


class MensajeOut(BaseModel):
    primero: bool
    duplicado: bool
    estado: s.EstadoCanalizacion


class VolverIn(BaseModel):
    canal: s.Canal
    direccion: Direccion

    model_config = ConfigDict(extra="forbid")


class VolverOut(BaseModel):
    cerrada: bool


class PendientesIn(BaseModel):
    canal: Annotated[str, StringConstraints(pattern="^web$")]
    direcciones: Annotated[list[Direccion], Field(max_length=tickets.MAX_DIRECCIONES)]

    model_config = ConfigDict(extra="forbid")


class RespuestaWeb(RespuestaEntregada):
    direccion: str


class PendientesOut(BaseModel):
    respuestas: list[RespuestaWeb]


def _entregada(session, r: m.RespuestaCanalizacion) -> dict:
    return {
        "ticket": r.canalizacion_id,
        "id": r.id,
        "texto": r.texto,
        "autor_nombre": tickets.nombre_autor(session, r),
    }


RESPUESTAS_TICKET = {
    **ERRORS,
    404: {"model": s.ErrorResponse, "description": "No existe ese caso para esa conversación"},
}


router = APIRouter(prefix="/v1")


@router.post(
    "/canalizaciones/entregas",
    response_model=EntregaOut,
    tags=["canalizaciones"],
    responses=ERRORS,
    summary="Respuestas de promotores pendientes para una dirección (se marcan entregadas)",
)
def entregas(*, payload: EntregaIn, session: SessionDep, _role: AssistantDep):
    if payload.firmado:
        contactos.registrar_firmado(session, payload.canal.value, payload.direccion)
    filas = tickets.entregar_pendientes(
        session, payload.canal.value, payload.direccion, payload.maximo or MAX_POR_ENTREGA
    )
    activa = tickets.activa(session, payload.canal.value, payload.direccion)
    return {
        "respuestas": [_entregada(session, r) for r in filas],
        "canalizacion": {"ticket": activa.id, "estado": activa.estado} if activa else None,
    }


@router.post(
    "/canalizaciones/pendientes",
    response_model=PendientesOut,
    tags=["canalizaciones"],
    responses=ERRORS,
    summary="Respuestas pendientes para las sesiones del chat web conectadas (se marcan "
    "entregadas por socket.io)",
)
def pendientes_web(*, payload: PendientesIn, session: SessionDep, _role: AssistantDep):
    filas = tickets.entregar_pendientes_web(session, payload.direcciones)
    return {"respuestas": [{**_entregada(session, r), "direccion": d} for d, r in filas]}


@router.post(
    "/canalizaciones/{ticket}/mensajes",
    response_model=MensajeOut,
    tags=["canalizaciones"],
    responses={**RESPUESTAS_TICKET, 409: {"model": s.ErrorResponse}},
    summary="Mensaje de la persona durante la canalización (idempotente por id_externo)",
)
def mensaje_persona(
    *, ticket: TicketId, payload: MensajeIn, session: SessionDep, _role: AssistantDep
):
    # 404 / 409 as the API's other errors: {"detail": [{"campo", "mensaje"}]}.
    r = tickets.mensaje_de_persona(
        session,
        ticket,
        payload.canal.value,
        payload.direccion,
        payload.texto,
        payload.id_externo,
    )
    return {"primero": r.primero, "duplicado": r.duplicado, "estado": r.estado}


@router.post(
    "/canalizaciones/{ticket}/volver",
    response_model=VolverOut,
    tags=["canalizaciones"],
    responses=RESPUESTAS_TICKET,
    summary="La persona vuelve al asistente: cierra la canalización (idempotente)",
)
def volver(*, ticket: TicketId, payload: VolverIn, session: SessionDep, _role: AssistantDep):
    tickets.volver_al_asistente(session, ticket, payload.canal.value, payload.direccion)
    return {"cerrada": True}
