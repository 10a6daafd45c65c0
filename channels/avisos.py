"""The case's notices and the reminders' opt-out, on the assistant's side (issue 15).

* :func:`avisos_pendientes`: notices of the person's pre-registration (a promoter moved the case,
  a payment reminder for the web chat) waiting for their next message
  (``POST /v1/avisos/entregas``); ``channels/entregas.py`` shows them with the promoters'
  replies, before the bot's answer.
* :func:`cambio_de_recordatorios`: a message that is only BAJA, ALTO, PARAR, CANCELAR
  RECORDATORIOS, STOP… (or RECORDATORIOS to come back) is an opt-out (opt-in) of the monthly
  payment reminders (``bot/recordatorios.py``): the service records it at once
  (``POST /v1/recordatorios/baja`` / ``alta``) and the person gets the confirmation right away,
  without a bot turn.

Never raise: on any failure they log a warning without personal data and return ``[]``/``None``
(the opt-out confirmation then is not shown, so the person can write it again).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx

from bot import recordatorios

log = logging.getLogger("orienta.avisos")

RUTA_AVISOS = "/v1/avisos/entregas"
RUTA_BAJA = "/v1/recordatorios/baja"
RUTA_ALTA = "/v1/recordatorios/alta"
URL_POR_OMISION = "http://localhost:8000"
TIMEOUT_S = 2.0


def _ajustes() -> tuple[str, str]:
    base = os.environ.get("ORIENTA_SERVICE_URL") or URL_POR_OMISION
    return base.rstrip("/"), os.environ.get("ORIENTA_ASSISTANT_API_KEY", "")


async def _post(
    ruta: str,
    cuerpo: dict[str, Any],
    transport: Any = None,
    cliente: httpx.AsyncClient | None = None,
) -> dict | None:
    """``cliente``: a shared client (``channels/entregas.py`` passes its own, one per loop)."""
    base, clave = _ajustes()
    peticion = {"url": base + ruta, "json": cuerpo, "headers": {"X-API-Key": clave}}
    try:
        if cliente is not None:
            r = await cliente.post(**peticion)
        else:
            async with httpx.AsyncClient(timeout=TIMEOUT_S, transport=transport) as propio:
                r = await propio.post(**peticion)
        if r.status_code != 200:
            log.warning("avisos: el servicio respondió %s (%s)", r.status_code, ruta)
            return None
        datos = r.json()
    except Exception as error:  # noqa: BLE001 - the bot must answer whatever happens here
        log.warning("avisos: sin respuesta del servicio (%s, %s)", type(error).__name__, ruta)
        return None
    return datos if isinstance(datos, dict) else None


async def avisos_pendientes(
    canal: str,
    direccion: str,
    *,
    transport: Any = None,
    cliente: httpx.AsyncClient | None = None,
) -> list[str]:
    """The person's pending notices (marked delivered by the service when returned)."""
    if not canal or not direccion:
        return []
    cuerpo = {"canal": canal, "direccion": direccion}
    datos = await _post(RUTA_AVISOS, cuerpo, transport, cliente)
    avisos = (datos or {}).get("avisos") or []
    return [str(a) for a in avisos if str(a or "").strip()]


async def cambio_de_recordatorios(
    canal: str, direccion: str, texto: str | None, *, transport: Any = None
) -> str | None:
    """The confirmation to send if ``texto`` is an opt-out/opt-in word, else None (a normal
    message for the bot)."""
    if recordatorios.es_baja(texto):
        ruta, confirmacion = RUTA_BAJA, recordatorios.CONFIRMACION_BAJA
    elif recordatorios.es_alta(texto):
        ruta, confirmacion = RUTA_ALTA, recordatorios.CONFIRMACION_ALTA
    else:
        return None
    if not canal or not direccion:
        return None
    datos = await _post(ruta, {"canal": canal, "direccion": direccion}, transport)
    if datos is None:
        return None
    registros = datos.get("registros")
    log.info("avisos: recordatorios %s registros=%s", ruta.rsplit("/", 1)[-1], registros)
    if ruta == RUTA_ALTA and not registros:
        return None  # nothing to remind them of: "RECORDATORIOS" goes to the bot as any text
    return str(datos.get("mensaje") or confirmacion)


__all__ = ["avisos_pendientes", "cambio_de_recordatorios"]
