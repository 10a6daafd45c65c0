"""``POST /v1/metricas``: anonymous usage records from the assistant's event broker."""

from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic
from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from bot.canales import CANALES
from servicio.inscripcion.api import ERRORS, AssistantDep, SessionDep
from servicio.inscripcion.metricas import ingerir

MAX_REGISTROS = 500

Conversacion = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Canal = Annotated[str, StringConstraints(pattern="^(" + "|".join(CANALES) + ")$")]


class _Registro(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MensajeIn(_Registro):
    tipo: Literal["mensaje"]
    en: datetime
    canal: Canal
    conversacion: Conversacion
    intent: Annotated[str, StringConstraints(max_length=80)] | None = None
    confianza: Annotated[float, Field(ge=0, le=1)] | None = None
    fallback: StrictBool
    texto: Annotated[str, StringConstraints(max_length=300)] | None = None


class RegistroIniciadoIn(_Registro):
    tipo: Literal["registro_iniciado"]
    conversacion: Conversacion
    canal: Canal
    en: datetime
    consulado: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None


class ConsuladoIn(_Registro):
    tipo: Literal["consulado"]
    conversacion: Conversacion
    consulado: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    en: datetime | None = None


class RegistroEnviadoIn(_Registro):
    tipo: Literal["registro_enviado"]
    conversacion: Conversacion
    folio: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    en: datetime
    canal: Canal | None = None


MODELOS = {
    "mensaje": MensajeIn,
    "registro_iniciado": RegistroIniciadoIn,
    "consulado": ConsuladoIn,
    "registro_enviado": RegistroEnviadoIn,
}


class Recibidas(BaseModel):
    recibidas: int


def validar(cuerpo: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate each record with the model its ``tipo`` names, so an error lists only that
    model's fields (a plain Union would report every member's errors)."""
    if len(cuerpo) > MAX_REGISTROS:
        raise RequestValidationError(
            [
                {
                    "loc": ("body",),
                    "type": "value_error",
                    "msg": f"Se admiten como máximo {MAX_REGISTROS} registros por envío.",
                }
            ]
        )
    errores: list[dict[str, Any]] = []
    validos: list[dict[str, Any]] = []
    for i, item in enumerate(cuerpo):
        modelo = MODELOS.get(str(item.get("tipo")))
        if modelo is None:
            errores.append(
                {
                    "loc": ("body", i, "tipo"),
                    "type": "enum",
                    "msg": "tipo desconocido",
                    "ctx": {"expected": ", ".join(MODELOS)},
                }
            )
            continue
        try:
            validos.append(modelo(**item).model_dump())
        except pydantic.ValidationError as error:
            errores.extend({**e, "loc": ("body", i, *e["loc"])} for e in error.errors())
    if errores:
        raise RequestValidationError(errores)
    return validos


Cuerpo = Annotated[
    list[dict[str, Any]],
    Body(
        description=(
            "Hasta 500 registros; cada uno con `tipo` = `mensaje`, `registro_iniciado`, "
            "`consulado` o `registro_enviado`. `conversacion` es un hash (32 hex), nunca el "
            "identificador original; `texto` solo en mensajes sin respuesta, ya enmascarado."
        ),
    ),
]

router = APIRouter(prefix="/v1")


@router.post(
    "/metricas",
    response_model=Recibidas,
    tags=["metricas"],
    responses=ERRORS,
    summary="Registrar métricas anónimas del asistente",
)
def recibir_metricas(
    *,
    cuerpo: Cuerpo,
    session: SessionDep,
    _role: AssistantDep,
):
    registros = validar(cuerpo)
    return {"recibidas": ingerir(session, registros)}
