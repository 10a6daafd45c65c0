"""Promoters' replies that wait for the person's next message (``siguiente_mensaje``).

Each input channel calls :func:`respuestas_pendientes` with the channel and address the ticket
was opened from (``actions/canalizacion.py``: ``whatsapp``/``telefono`` + E.164 phone, or ``web`` +
the Rasa ``sender_id``) and shows the texts before the bot's answer to the current message.

The service marks the replies delivered when it returns them. Any failure (service down, slow,
wrong key) returns ``[]`` after a warning without personal data: the replies stay pending for the
next message, and the bot's answer is never affected.

:func:`con_respuestas_pendientes` wraps Rasa's ``on_new_message`` for channels whose output channel
sends in order (socket.io, REST): the replies are sent through the message's own output channel
before the turn runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from bot import canales
from bot.mensajes import texto_respuesta_promotor
from channels import avisos

if TYPE_CHECKING:  # no Rasa import at run time: the console imports this module too
    from rasa.core.channels.channel import UserMessage

log = logging.getLogger("orienta.canalizaciones.entregas")
# httpx logs every request at INFO: one line per person's message in Rasa's log, and nothing an
# operator needs (failures are logged here as warnings).
logging.getLogger("httpx").setLevel(logging.WARNING)

RUTA = "/v1/canalizaciones/entregas"
URL_POR_OMISION = "http://localhost:8000"
TIMEOUT_S = 2.0
#: Replies per message at most (the rest arrive with the following messages).
MAXIMO_POR_MENSAJE = 5

Manejador = Callable[["UserMessage"], Awaitable[Any]]


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


async def respuestas_pendientes(
    canal: str,
    direccion: str,
    *,
    maximo: int = MAXIMO_POR_MENSAJE,
    firmado: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """The promoters' pending replies, then the case's pending notices (``channels/avisos.py``,
    issue 15), both fetched at once. Never raises."""
    replicas, notas = await asyncio.gather(
        _respuestas_de_promotor(
            canal, direccion, maximo=maximo, firmado=firmado, transport=transport
        ),
        avisos.avisos_pendientes(
            canal,
            direccion,
            transport=transport,
            cliente=_cliente_compartido() if transport is None else None,
        ),
    )
    return replicas + notas


async def _respuestas_de_promotor(
    canal: str,
    direccion: str,
    *,
    maximo: int = MAXIMO_POR_MENSAJE,
    firmado: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[str]:
    """Ready-to-send texts of the replies pending for ``canal``/``direccion`` (oldest first).

    ``firmado``: only the Twilio channel, after checking the request's signature; the service
    then records the number as one that writes to us (the console messages no other).
    Never raises: on any failure returns ``[]`` and logs a warning (no phone, no text).
    """
    if not canal or not direccion:
        return []
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
            return []
        respuestas = r.json().get("respuestas") or []
        textos = [
            texto_respuesta_promotor(item["ticket"], str(item["texto"]))
            for item in respuestas
            if isinstance(item, dict) and str(item.get("texto") or "").strip()
        ]
    except Exception as error:  # noqa: BLE001 - the bot must answer whatever happens here
        log.warning(
            "entregas: sin respuestas pendientes (%s, canal=%s)", type(error).__name__, canal
        )
        return []
    if textos:
        tickets = ",".join(str(item.get("ticket")) for item in respuestas if isinstance(item, dict))
        log.info(
            "entregas: %d respuesta(s) de promotor (canal=%s tickets=%s)",
            len(textos),
            canal,
            tickets,
        )
    return textos


def _mostrar_en_orden(mensaje: UserMessage) -> bool:
    """True for an output channel that collects the turn's messages in a list before answering
    (REST without streaming; the streaming one keeps a queue): there the lookup can run during
    the turn and its replies still go first."""
    return isinstance(getattr(mensaje.output_channel, "messages", None), list)


def con_respuestas_pendientes(on_new_message: Manejador, canal: str = canales.WEB) -> Manejador:
    """``on_new_message`` that first sends the pending replies for (canal, sender_id)."""

    async def manejar(mensaje: UserMessage) -> Any:
        if not mensaje.sender_id:
            return await on_new_message(mensaje)
        if _mostrar_en_orden(mensaje):
            # The service lookup overlaps the turn instead of adding its latency to it.
            busqueda = asyncio.create_task(respuestas_pendientes(canal, mensaje.sender_id))
            try:
                return await on_new_message(mensaje)
            finally:
                textos = await busqueda
                previas = [{"recipient_id": mensaje.sender_id, "text": t} for t in textos]
                mensaje.output_channel.messages[0:0] = previas
        for texto in await respuestas_pendientes(canal, mensaje.sender_id):
            try:
                await mensaje.output_channel.send_text_message(mensaje.sender_id, texto)
            except Exception as error:  # noqa: BLE001
                # Already marked delivered by the service; nothing to retry with.
                log.warning("entregas: no se pudo mostrar una respuesta (%s)", type(error).__name__)
        return await on_new_message(mensaje)

    return manejar


__all__ = [
    "con_respuestas_pendientes",
    "respuestas_pendientes",
]
