"""``POST /v1/metricas``: anonymous usage records from the assistant's event broker."""

# ruff: noqa: UP006, UP007, UP035, UP045
# pydantic 1.8.2 (pinned by Rasa) does not understand `X | None` or builtin generics
# in model/endpoint annotations, so this module keeps typing.Optional/List/Dict.
from datetime import datetime
from typing import Annotated, Any, Dict, List, Literal, Optional

import pydantic
from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Extra, StrictBool, confloat, constr

from bot.canales import CANALES
from servicio.inscripcion import _pydantic_compat  # noqa: F401  (patches pydantic for FastAPI)
from servicio.inscripcion.api import ERRORS, AssistantDep, SessionDep
from servicio.inscripcion.metricas import ingerir

MAX_REGISTROS = 500

Conversacion = constr(regex=r"^[0-9a-f]{32}$")
Canal = constr(regex="^(" + "|".join(CANALES) + ")$")


class _Registro(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class MensajeIn(_Registro):
    tipo: Literal["mensaje"]
    en: datetime
    canal: Canal
    conversacion: Conversacion
    intent: Optional[constr(max_length=80)] = None
    confianza: Optional[confloat(ge=0, le=1)] = None
    fallback: StrictBool
    texto: Optional[constr(max_length=300)] = None


class RegistroIniciadoIn(_Registro):
    tipo: Literal["registro_iniciado"]
    conversacion: Conversacion
    canal: Canal
    en: datetime
    consulado: Optional[constr(min_length=1, max_length=120)] = None


class ConsuladoIn(_Registro):
    tipo: Literal["consulado"]
    conversacion: Conversacion
    consulado: constr(min_length=1, max_length=120)
    en: Optional[datetime] = None


class RegistroEnviadoIn(_Registro):
    tipo: Literal["registro_enviado"]
    conversacion: Conversacion
    folio: constr(min_length=1, max_length=20)
    en: datetime
    canal: Optional[Canal] = None


MODELOS = {
    "mensaje": MensajeIn,
    "registro_iniciado": RegistroIniciadoIn,
    "consulado": ConsuladoIn,
    "registro_enviado": RegistroEnviadoIn,
}


class Recibidas(BaseModel):
    recibidas: int


def validar(cuerpo: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Validate each record with the model its ``tipo`` names (pydantic 1.8 has no
    discriminated unions: a plain Union would report every member's errors)."""
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
    errores: List[Dict[str, Any]] = []
    validos: List[Dict[str, Any]] = []
    for i, item in enumerate(cuerpo):
        modelo = MODELOS.get(item.get("tipo"))
        if modelo is None:
            errores.append(
                {
                    "loc": ("body", i, "tipo"),
                    "type": "type_error.enum",
                    "msg": "tipo desconocido",
                    "ctx": {"enum_values": list(MODELOS)},
                }
            )
            continue
        try:
            validos.append(modelo(**item).dict())
        except pydantic.ValidationError as error:
            errores.extend({**e, "loc": ("body", i, *e["loc"])} for e in error.errors())
    if errores:
        raise RequestValidationError(errores)
    return validos


Cuerpo = Annotated[
    List[Dict[str, Any]],
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
