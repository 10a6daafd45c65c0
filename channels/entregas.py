"""Promoters' replies that wait for the person's next message (``siguiente_mensaje``).

Each input channel calls :func:`consultar` with the channel and address the ticket
was opened from (``actions/canalizacion.py``: ``whatsapp``/``telefono`` + E.164 phone, or ``web`` +
the Rasa ``sender_id``) and shows the texts before the bot's answer to the current message.

The service marks the replies delivered when it returns them. Any failure (service down, slow,
wrong key) returns ``[]`` after a warning without personal data: the replies stay pending for the
next message, and the bot's answer is never affected.

The same answer says whether the address has an active handoff ticket (``canalizacion``): then
``channels/canalizacion.py`` sends the person's message to the ticket's thread instead of the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.mensajes import texto_respuesta_promotor
from channels import avisos

log = logging.getLogger("orienta.canalizaciones.entregas")
# httpx logs every request at INFO: one line per person's message in Rasa's log, and nothing an
# operator needs (failures are logged here as warnings).
logging.getLogger("httpx").setLevel(logging.WARNING)

RUTA = "/v1/canalizaciones/entregas"
URL_POR_OMISION = "http://localhost:8000"
TIMEOUT_S = 2.0
#: Replies per message at most (the rest arrive with the following messages).
MAXIMO_POR_MENSAJE = 5


def _ajustes() -> tuple[str, str]:
    base = os.environ.get("ORIENTA_SERVICE_URL") or URL_POR_OMISION
    return base.rstrip("/"), os.environ.get("ORIENTA_ASSISTANT_API_KEY", "")


# One client per event loop: a new httpx client builds an SSL context (loads the CA bundle),
# which was a quarter of a Rasa replica's CPU under load when done per message.
_clientes: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}


def _cliente_compartido() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    cliente = _clientes.get(loop)
    if cliente is None or cliente.is_closed:
        for viejo in [lp for lp in _clientes if lp.is_closed()]:
            del _clientes[viejo]  # loops of finished tests or restarts
        cliente = _clientes[loop] = httpx.AsyncClient(timeout=TIMEOUT_S)
    return cliente


@dataclass(frozen=True)
class Canalizacion:
    """The address's active handoff ticket (``estado``: ``abierta`` or ``tomada``)."""

    ticket: int
    estado: str


@dataclass(frozen=True)
class Entregas:
    """What the service said about an address: the replies to show now (ready-to-send texts,
    and the raw items for channels that show them as a person's message) and the active ticket.
    ``respondio``: False when the service did not answer (then ``canalizacion`` is unknown)."""

    textos: list[str] = field(default_factory=list)
    canalizacion: Canalizacion | None = None
    respondio: bool = False
    respuestas: list[dict[str, Any]] = field(default_factory=list)


def _canalizacion(valor: Any) -> Canalizacion | None:
    if not isinstance(valor, dict):
        return None
    try:
        return Canalizacion(int(valor["ticket"]), str(valor.get("estado") or ""))
    except (KeyError, TypeError, ValueError):
        return None


async def consultar(
    canal: str,
    direccion: str,
    *,
    maximo: int = MAXIMO_POR_MENSAJE,
    firmado: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Entregas:
    """The promoters' pending replies and the active ticket, then the case's pending notices
    (``channels/avisos.py``, issue 15) after the replies' texts; both fetched at once.
    Never raises."""
    de_promotores, notas = await asyncio.gather(
        _de_promotores(canal, direccion, maximo=maximo, firmado=firmado, transport=transport),
        avisos.avisos_pendientes(
            canal,
            direccion,
            transport=transport,
            cliente=_cliente_compartido() if transport is None else None,
        ),
    )
    if not notas:
        return de_promotores
    return Entregas(
        [*de_promotores.textos, *notas],
        de_promotores.canalizacion,
        de_promotores.respondio,
        de_promotores.respuestas,
    )


async def _de_promotores(
    canal: str,
    direccion: str,
    *,
    maximo: int = MAXIMO_POR_MENSAJE,
    firmado: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Entregas:
    """The replies pending for ``canal``/``direccion`` (oldest first) and its active ticket.

    ``firmado``: only the Twilio channel, after checking the request's signature; the service
    then records the number as one that writes to us (the console messages no other).
    Never raises: on any failure returns an empty ``Entregas`` and logs a warning (no phone,
    no text).
    """
    if not canal or not direccion:
        return Entregas()
    base, clave = _ajustes()
    peticion: dict[str, Any] = {
        "url": base + RUTA,
        "json": {
            "canal": canal,
            "direccion": direccion,
            "maximo": maximo,
            **({"firmado": True} if firmado else {}),
        },
        "headers": {"X-API-Key": clave},
    }
    try:
        if transport is None:
            r = await _cliente_compartido().post(**peticion)
        else:  # tests
            async with httpx.AsyncClient(timeout=TIMEOUT_S, transport=transport) as cliente:
                r = await cliente.post(**peticion)
        if r.status_code != 200:
            log.warning("entregas: el servicio respondió %s (canal=%s)", r.status_code, canal)
            return Entregas()
        cuerpo = r.json()
        respuestas = [
            item
            for item in cuerpo.get("respuestas") or []
            if isinstance(item, dict) and str(item.get("texto") or "").strip()
        ]
        textos = [
            texto_respuesta_promotor(item["ticket"], str(item["texto"])) for item in respuestas
        ]
        activa = _canalizacion(cuerpo.get("canalizacion"))
    except Exception as error:  # noqa: BLE001 - the bot must answer whatever happens here
        log.warning(
            "entregas: sin respuestas pendientes (%s, canal=%s)", type(error).__name__, canal
        )
        return Entregas()
    if textos:
        tickets = ",".join(str(item.get("ticket")) for item in respuestas)
        log.info(
            "entregas: %d respuesta(s) de promotor (canal=%s tickets=%s)",
            len(textos),
            canal,
            tickets,
        )
    return Entregas(textos, activa, True, respuestas)


async def respuestas_pendientes(
    canal: str,
    direccion: str,
    *,
    maximo: int = MAXIMO_POR_MENSAJE,
    firmado: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """Only the ready-to-send texts of :func:`consultar`. Never raises."""
    entregas = await consultar(
        canal, direccion, maximo=maximo, firmado=firmado, transport=transport
    )
    return entregas.textos


__all__ = [
    "Canalizacion",
    "Entregas",
    "consultar",
    "respuestas_pendientes",
]
