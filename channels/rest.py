"""Rasa's REST channel plus promoters' replies (``channels/entregas.py``) and input checks.

Same name (``rest``) and URL (``POST /webhooks/rest/webhook``) as Rasa's built-in channel; the
replies to a handoff ticket waiting for this ``sender`` come first in the JSON answer (and first
in the stream with ``?stream=true``). In credentials.yml, instead of ``rest:``::

    channels.rest.RestInput:

Unlike Rasa's channel (tests/e2e/test_entrada_mala.py):
- a body that is not a JSON object → 400, a missing or ill-typed ``sender``/``message`` → 422,
  with a Spanish ``{"detail": [{"campo": ..., "mensaje": ...}]}`` (Rasa answered 500, or ran the
  turn as the shared sender ``default``, or returned ``[]`` for ``message: null``);
- ``input_channel`` and ``metadata`` from the body are ignored: the actions trust
  ``metadata.telefono`` (Twilio's) to address handoff tickets and promoters' replies; an optional
  ``message_id`` (the client's id of the message) makes a retried request count once in a
  handoff ticket's thread;
- while a promoter has the conversation (``channels/canalizacion.py``) the message goes to the
  ticket's thread and the answer is the acknowledgement the first time, ``[]`` afterwards;
- the checks run in the route handler, so ``/webhook/`` (Sanic matches it too) gets them all;
- ``sender`` is at most 128 characters and may not start with a prefix reserved to another
  channel (``tw-`` Twilio, ``web-`` socket.io; ``bot/canales.py``);
- rate limits per conversation and per client address (``channels/limites.py``): a limited
  message gets 429 with a fixed Spanish reply and never reaches Rasa;
- control characters, bidi overrides and lone surrogates are removed from the text; an empty text
  or one over 1600 characters (Twilio's own cap) gets a fixed Spanish reply without running the
  model (100,000 characters kept the server busy for 47 s);
- a turn that raises gets a Spanish apology instead of ``[]``, and the text is not logged;
- a turn that sends no message at all (the action server is down: Rasa logs the error and
  answers nothing) gets ``TEXTO_SIN_RESPUESTA`` instead of ``[]`` (tests/e2e/test_fallas.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot import canales
from bot.texto import CARACTERES_DE_CONTROL, limpiar_texto
from channels.canalizacion import cerrojo_de, con_canalizacion
from channels.limites import Limites, direccion_de, limites

logger = logging.getLogger(__name__)

#: The key to use in credentials.yml.
CHANNEL = f"{__name__}.RestInput"

#: Longest text the model sees (Twilio's cap for one incoming message).
MAX_TEXTO = 1600
MAX_SENDER = 128

TEXTO_VACIO = "No recibí ningún texto. Escribe tu pregunta o MENÚ para ver los temas."
TEXTO_LARGO = (
    f"Tu mensaje es muy largo (más de {MAX_TEXTO} caracteres) y no lo pude leer. "
    "Escríbelo más corto, por ejemplo: ¿cuánto cuesta? O escribe MENÚ para ver los temas."
)
TEXTO_ERROR = (
    "Lo siento, una parte del sistema no está respondiendo en este momento. "
    "Intenta de nuevo en unos minutos o escribe PROMOTOR para hablar con una persona."
)

#: A turn that produced no message at all (Rasa 3.6 logs the error and answers nothing when the
#: action server is unreachable): the tracker keeps what the person gave, so "nothing lost" holds.
TEXTO_SIN_RESPUESTA = (
    "Perdón, tuve un problema para responderte. Intenta de nuevo en unos minutos; "
    "no perdí lo que ya me diste."
)


Manejador = Callable[[UserMessage], Awaitable[Any]]


def _error(status: int, campo: str, mensaje: str) -> HTTPResponse:
    return response.json({"detail": [{"campo": campo, "mensaje": mensaje}]}, status=status)


def _respuesta_fija(request: Request, sender: str, texto: str) -> HTTPResponse:
    mensaje = {"recipient_id": sender, "text": texto}
    if request.args.get("stream", "").lower() == "true":
        return response.text(json.dumps(mensaje) + "\n", content_type="text/event-stream")
    return response.json([mensaje])


@dataclass(frozen=True)
class Peticion:
    """What a checked webhook request hands to Rasa: nothing else from the body is used."""

    sender: str
    texto: str
    #: The client's own id of this message (optional ``message_id``): a retried request is
    #: stored once in a handoff ticket's thread (channels/canalizacion.py).
    id_mensaje: str | None = None


def validar_peticion(request: Request) -> HTTPResponse | Peticion:
    """The webhook's checks: a Spanish 4xx or fixed reply, or the clean sender and text.

    Called by the route handler itself (not a middleware keyed on the path), so every route
    Sanic matches to the webhook (``/webhook/`` included) runs them."""
    try:
        cuerpo = json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, ValueError):
        cuerpo = None
    if not isinstance(cuerpo, dict):
        return _error(
            400,
            "cuerpo",
            'El cuerpo debe ser un objeto JSON en UTF-8: {"sender": "...", "message": "..."}.',
        )
    sender = cuerpo.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not limpiar_texto(sender):
        return _error(422, "sender", "Falta «sender»: un texto que identifique la conversación.")
    sender = sender.strip()
    if len(sender) > MAX_SENDER or CARACTERES_DE_CONTROL.search(sender):
        return _error(
            422,
            "sender",
            f"«sender» debe tener a lo más {MAX_SENDER} caracteres, sin caracteres de control.",
        )
    reservado = canales.prefijo_reservado(sender)
    if reservado is not None:
        return _error(
            422,
            "sender",
            f"Los «sender» que empiezan con «{reservado}» son de otro canal.",
        )
    mensaje = cuerpo.get("message")
    if not isinstance(mensaje, str):
        return _error(422, "message", "Falta «message»: el texto del mensaje.")
    texto = limpiar_texto(mensaje)
    if not texto:
        return _respuesta_fija(request, sender, TEXTO_VACIO)
    if len(texto) > MAX_TEXTO:
        return _respuesta_fija(request, sender, TEXTO_LARGO)
    id_mensaje = cuerpo.get("message_id")
    if not isinstance(id_mensaje, str) or not 0 < len(id_mensaje.strip()) <= MAX_SENDER:
        id_mensaje = None
    return Peticion(sender, texto, id_mensaje.strip() if id_mensaje else None)


#: What an output channel can send; Rasa's ``send_response`` calls the others.
_ENVIOS = (
    "send_response",
    "send_text_message",
    "send_text_with_buttons",
    "send_quick_replies",
    "send_image_url",
    "send_attachment",
    "send_elements",
    "send_custom_json",
)


def _contar_envios(canal: OutputChannel) -> Callable[[], bool]:
    """Wraps the send methods of this output channel (created for one message, so the wrappers
    die with it); the returned function says whether anything was sent since."""
    enviado = False

    def contando(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def enviar(*args: Any, **kwargs: Any) -> Any:
            nonlocal enviado
            enviado = True
            return await original(*args, **kwargs)

        return enviar

    for nombre in _ENVIOS:
        if hasattr(canal, nombre):
            setattr(canal, nombre, contando(getattr(canal, nombre)))
    return lambda: enviado


def sin_silencio(on_new_message: Manejador) -> Manejador:
    """A turn that ends without sending anything answers TEXTO_SIN_RESPUESTA.

    Rasa 3.6 catches a failed custom action (action server down: "Encountered an exception while
    running action", rasa/core/processor.py ``_run_action``), drops its events and ends the turn
    without a message, so the channel would answer ``[]``. Wrap Rasa's own ``on_new_message``
    (inside ``con_canalizacion``, so a promoter's reply does not count as the bot's);
    any channel whose output channel is created per message can use it (socket.io)."""

    async def manejar(mensaje: UserMessage) -> Any:
        hubo_respuesta = _contar_envios(mensaje.output_channel)
        resultado = await on_new_message(mensaje)
        if not hubo_respuesta():
            logger.warning(
                "%s: turno sin respuesta del bot; se envía una disculpa", mensaje.input_channel
            )
            await mensaje.output_channel.send_text_message(mensaje.sender_id, TEXTO_SIN_RESPUESTA)
        return resultado

    return manejar


def con_disculpa(on_new_message: Manejador) -> Manejador:
    """A turn that raises answers TEXTO_ERROR; the log has the error type, not the text."""

    async def manejar(mensaje: UserMessage) -> Any:
        try:
            return await on_new_message(mensaje)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the person gets an answer whatever happens
            logger.error("rest: fallo al procesar un mensaje (%s)", type(error).__name__)
            await mensaje.output_channel.send_text_message(mensaje.sender_id, TEXTO_ERROR)
        return None

    return manejar


class RestInput(RasaRestInput):
    #: Rate limits (channels/limites.py); None: the process's, from the environment.
    limites: Limites | None = None

    @classmethod
    def name(cls) -> str:
        return "rest"  # same webhook path (/webhooks/rest/webhook) and input_channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's two routes, written here: the checks run inside the handler, and a turn
        cancelled by a timeout is logged without its text (Rasa logs ``text=``)."""
        # actions/canalizacion.py stores ("web", sender_id) for REST conversations.
        # While a promoter has the conversation, the message goes to the ticket's thread
        # instead of the bot (channels/canalizacion.py), under Rasa's lock for the sender.
        bp = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        app_de_rasa: list[Any] = [None]  # the Sanic app, whose Rasa agent has the lock store
        manejador = con_disculpa(
            con_canalizacion(
                sin_silencio(on_new_message), canales.WEB, lambda: cerrojo_de(app_de_rasa[0])
            )
        )

        @bp.route("/", methods=["GET"])
        async def salud(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def recibir(request: Request) -> ResponseStream | HTTPResponse:
            app_de_rasa[0] = request.app
            peticion = validar_peticion(request)
            if not isinstance(peticion, Peticion):
                return peticion
            lim = self.limites or limites()
            direccion = direccion_de(request.ip, request.headers.get("x-forwarded-for"), lim)
            limitado = lim.revisar(peticion.sender, direccion, peticion.texto)
            if limitado is not None:
                # Never reaches Rasa: the conversation is as it was (nothing lost).
                logger.info("rest: mensaje limitado por frecuencia")
                respuesta = _respuesta_fija(request, peticion.sender, limitado)
                respuesta.status = 429
                respuesta.headers["Retry-After"] = "60"
                return respuesta
            metadata = {"id_mensaje": peticion.id_mensaje} if peticion.id_mensaje else None
            if request.args.get("stream", "").lower() == "true":
                return response.stream(
                    self.stream_response(
                        manejador, peticion.texto, peticion.sender, self.name(), metadata
                    ),
                    content_type="text/event-stream",
                )
            colector = CollectingOutputChannel()
            mensaje = UserMessage(
                peticion.texto,
                colector,
                peticion.sender,
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await manejador(mensaje)
            except asyncio.CancelledError:
                logger.error("rest: turno cancelado antes de terminar")
            return response.json(colector.messages)

        return bp


__all__ = [
    "CHANNEL",
    "MAX_TEXTO",
    "TEXTO_SIN_RESPUESTA",
    "RestInput",
    "con_disculpa",
    "sin_silencio",
]
