"""``POST /v1/canalizaciones/entregas``: promoters' replies waiting for the person's next message.

The assistant's channels (``channels/entregas.py``) call it on every incoming message with the
channel and address the ticket was opened from; the replies returned are marked delivered
(``siguiente_mensaje``) in the same request, so the caller must show them. The Twilio channel
adds ``firmado: true`` (signature checked): the number is recorded as one that writes to us.
"""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import contactos
from servicio.inscripcion import esquemas as s
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


class RespuestaEntregada(BaseModel):
    ticket: int
    texto: str


class EntregaOut(BaseModel):
    respuestas: list[RespuestaEntregada]


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
    return {"respuestas": [{"ticket": r.canalizacion_id, "texto": r.texto} for r in filas]}
