"""``POST /v1/nlg``: Rasa's NLG endpoint, answered from the published answers.

Rasa's request: ``{"response": name, "arguments": {...}, "tracker": {...}, "channel": {"name"}}``;
the answer: ``{"text", "buttons", "image", "elements", "custom"}`` (rasa/core/nlg/callback.py).
Only the knowledge base's responses (``utter_faq/<id>``, ``utter_faq_detalle_<id>``) are known
here: any other gets a 404 (the service's usual error body) so the assistant uses its domain.
The header ``X-Contenido-Version`` (and ``GET /v1/nlg/version``) lets channels/nlg.py cache
safely: it changes on every publish, rollback and day.
"""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.tiempo import ahora_utc, dia_en_mexico
from servicio.contenido import almacen
from servicio.inscripcion.api import ERRORS, AssistantDep, SessionDep

CABECERA_VERSION = "X-Contenido-Version"

router = APIRouter(prefix="/v1/nlg", tags=["contenido"])


class PeticionNlg(BaseModel):
    model_config = ConfigDict(extra="allow")

    response: str = Field(max_length=120)
    arguments: dict[str, Any] = Field(default_factory=dict)
    # Rasa sends the whole tracker; nothing of it is read or kept here (it carries texts).
    tracker: dict[str, Any] = Field(default_factory=dict)
    channel: dict[str, Any] = Field(default_factory=dict)


class Version(BaseModel):
    version: str


@router.post("", responses=ERRORS, summary="Respuesta para el NLG de Rasa")
def nlg(*, peticion: PeticionNlg, session: SessionDep, _role: AssistantDep) -> Response:
    hoy = dia_en_mexico(ahora_utc())
    version = almacen.version_contenido(session, hoy)
    cuerpo = almacen.respuesta_nlg(session, peticion.response, hoy)
    if cuerpo is None:
        desconocida = {"campo": "response", "mensaje": "Esa respuesta no está en el contenido."}
        return JSONResponse(
            {"detail": [desconocida]}, status_code=404, headers={CABECERA_VERSION: version}
        )
    return JSONResponse(cuerpo, headers={CABECERA_VERSION: version})


@router.get("/version", response_model=Version, responses=ERRORS, summary="Versión del contenido")
def version(*, session: SessionDep, _role: AssistantDep):
    return {"version": almacen.version_contenido(session, dia_en_mexico(ahora_utc()))}
