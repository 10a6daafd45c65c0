"""Rasa 3.6's socket.io channel, fixed for python-socketio >= 5.10.

With ``session_persistence: true`` Rasa puts each socket in a room named after the conversation's
``session_id`` and sends the bot's answers to that room. Rasa 3.6 calls
``sio.enter_room(sid, session_id)`` without ``await``; in python-socketio 5.10+ ``enter_room`` is a
coroutine, so the socket never joins the room and **no answer ever reaches the browser** (the log
shows ``RuntimeWarning: coroutine 'AsyncServer.enter_room' was never awaited``).

This subclass keeps Rasa's channel as is and only replaces the ``session_request`` handler with
one that awaits ``enter_room``. It also shows promoters' replies to a handoff ticket
(``channels/entregas.py``) before the bot's answer to the person's next message, and checks each
``user_uttered`` like the REST channel (``channels/rest.py``) before it reaches Rasa: control
characters, bidi overrides and lone surrogates are removed; an empty text or one over 1600
characters gets REST's fixed Spanish reply as ``bot_uttered`` without running the model; the
client's ``metadata`` is dropped (the actions trust ``metadata.telefono``, which only Twilio sets).
Messages are rate-limited per conversation and per client address (``channels/limites.py``): a
limited one gets a fixed Spanish ``bot_uttered`` and never reaches Rasa.

While a promoter has the conversation, its messages go to the ticket's thread instead of the bot
(``channels/canalizacion.py``); the client's ``id_mensaje`` (top level or in ``metadata``) is the
only client value kept, so a re-emitted message is stored once. Each replica keeps the sessions
connected to it and a background task (started on the first ``session_request`` of its event loop)
emits the promoters' replies to their rooms as they arrive (``EnVivo``), without the person writing.

Conversation ids are namespaced on the server: the browser's ``session_id`` names the Rasa
conversation (and room) ``web-<session_id>`` (``bot.canales.id_web``), so no web client can read
or write a Twilio conversation (``tw-…``) or any other channel's; a ``session_id`` that itself
starts with a reserved prefix is refused (a fresh one is issued, its messages are ignored).
Enable it in credentials.yml with the same settings::

    channels.socketio.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from bot import canales
from bot.texto import CARACTERES_DE_CONTROL, limpiar_texto
from channels.canalizacion import EnVivo, cerrojo_de, con_canalizacion
from channels.limites import Limites, direccion_de, limites
from channels.rest import (
    MAX_TEXTO,
    TEXTO_LARGO,
    TEXTO_VACIO,
    con_disculpa,
    sin_silencio,
)

log = logging.getLogger(__name__)

SESSION_ID_MAX = 128


def sesion_valida(session_id: Any) -> bool:
    """A client's session id: a short text without control characters or reserved prefix."""
    return (
        isinstance(session_id, str)
        and 0 < len(session_id) <= SESSION_ID_MAX
        and not CARACTERES_DE_CONTROL.search(session_id)
        and canales.prefijo_reservado(session_id) is None
    )


#: The key to use in credentials.yml.
CHANNEL = f"{__name__}.SocketIOInput"


class SocketIOInput(RasaSocketIOInput):
    #: Rate limits (channels/limites.py); None: the process's, from the environment.
    limites: Limites | None = None
    #: The Sanic app serving the sockets (its Rasa agent's lock store serialises a conversation).
    _app: Any = None
    #: Promoters' replies to the connected sessions (channels/canalizacion.py); set in blueprint.
    en_vivo: EnVivo | None = None

    def _recordar_app(self, sid: str) -> None:
        if self._app is not None:
            return
        try:
            environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        except (KeyError, AttributeError):
            environ = {}
        peticion = environ.get("sanic.request")
        self._app = getattr(peticion, "app", None)

    def _direccion(self, sid: str, lim: Limites) -> str:
        """The socket's client address (the HTTP request that opened it)."""
        try:
            environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        except (KeyError, AttributeError):
            environ = {}
        peticion = environ.get("sanic.request")
        if peticion is None:
            return ""
        return direccion_de(peticion.ip, peticion.headers.get("x-forwarded-for"), lim)

    @classmethod
    def name(cls) -> str:
        return "socketio"  # same channel name: same webhook path and tracker metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Promoters' replies waiting for this conversation go out as `bot_uttered` before the
        # answer to the new message. The sender_id is "web-<session_id>" (session_persistence) or
        # the socket id, the same id actions/canalizacion.py stores as the ticket's address.
        # Same wrappers as REST: promoters' replies first, an apology instead of silence or an
        # error when a turn fails (e.g. the action server is down).
        # While a promoter has the conversation its messages go to the ticket's thread instead
        # of the bot (channels/canalizacion.py), under Rasa's lock for the conversation.
        manejador = con_disculpa(
            con_canalizacion(
                sin_silencio(on_new_message), canales.WEB, lambda: cerrojo_de(self._app)
            )
        )
        blueprint = super().blueprint(manejador)
        sio = self.sio

        async def emitir(sala: str, datos: dict) -> None:
            await sio.emit(self.bot_message_evt, datos, room=sala, namespace=self.namespace)

        # The promoters' replies reach the browser without the person writing: this replica polls
        # the service for the sessions connected to it.
        en_vivo = self.en_vivo = EnVivo(emitir)
        sala_de: dict[str, str] = {}  # socket id -> room (web-<session_id>)
        rasa_disconnect = sio.handlers[self.namespace or "/"]["disconnect"]

        async def disconnect(sid: str, *args: Any) -> None:
            sala = sala_de.pop(sid, None)
            if sala is not None:
                en_vivo.salir(sala)
            await rasa_disconnect(sid)

        sio.on("disconnect", disconnect, namespace=self.namespace)

        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not sesion_valida(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                sala = canales.id_web(session_id)
                entered = sio.enter_room(sid, sala, namespace=self.namespace)
                if inspect.isawaitable(entered):  # python-socketio >= 5.10
                    await entered
                anterior = sala_de.get(sid)
                if anterior != sala:
                    if anterior is not None:
                        en_vivo.salir(anterior)
                    sala_de[sid] = sala
                    en_vivo.entrar(sala)
                en_vivo.arrancar()
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            log.debug("socket %s joined session %s", sid, session_id)

        sio.on("session_request", session_request, namespace=self.namespace)

        rasa_user_uttered = sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def user_uttered(sid: str, data: Any) -> None:
            datos = dict(data) if isinstance(data, dict) else {}
            session_id = datos.get("session_id")
            if self.session_persistence:
                if not sesion_valida(session_id):
                    # Rasa warns and ignores a message without a valid session_id.
                    await rasa_user_uttered(sid, {**datos, "session_id": None})
                    return
                # What Rasa uses as sender_id and room: the channel's namespace, never the
                # client's raw id.
                datos["session_id"] = canales.id_web(session_id)
            # Like REST: no client-chosen metadata (the actions trust metadata.telefono); only
            # the client's id of the message (a re-emitted message is stored once in a handoff
            # ticket's thread), from ``id_mensaje`` or ``metadata.id_mensaje``.
            del_cliente = datos.pop(self.metadata_key, None)
            id_mensaje = datos.pop("id_mensaje", None)
            if id_mensaje is None and isinstance(del_cliente, dict):
                id_mensaje = del_cliente.get("id_mensaje")
            if isinstance(id_mensaje, str) and sesion_valida(id_mensaje):
                datos[self.metadata_key] = {"id_mensaje": id_mensaje}
            self._recordar_app(sid)
            mensaje = datos.get("message")
            texto = limpiar_texto(mensaje) if isinstance(mensaje, str) else ""
            fija = TEXTO_VACIO if not texto else TEXTO_LARGO if len(texto) > MAX_TEXTO else None
            if fija is not None:
                # The length only, never the text (it may hold personal data).
                log.info("socketio: mensaje vacío o de %d caracteres; respuesta fija", len(texto))
                destino = datos["session_id"] if self.session_persistence else sid
                salida = SocketIOOutput(sio, self.bot_message_evt)
                await salida.send_text_message(destino, fija)
                return
            datos["message"] = texto
            conversacion = datos["session_id"] if self.session_persistence else sid
            lim = self.limites or limites()
            limitado = lim.revisar(conversacion, self._direccion(sid, lim), texto)
            if limitado is not None:
                # Never reaches Rasa: the conversation is as it was (nothing lost).
                log.info("socketio: mensaje limitado por frecuencia")
                salida = SocketIOOutput(sio, self.bot_message_evt)
                await salida.send_text_message(conversacion, limitado)
                return
            await rasa_user_uttered(sid, datos)

        sio.on(self.user_message_evt, user_uttered, namespace=self.namespace)
        return blueprint
