"""Rasa 3.6's socket.io channel, fixed for python-socketio >= 5.10.

With ``session_persistence: true`` Rasa puts each socket in a room named after the conversation's
``session_id`` and sends the bot's answers to that room. Rasa 3.6 calls
``sio.enter_room(sid, session_id)`` without ``await``; in python-socketio 5.10+ ``enter_room`` is a
coroutine, so the socket never joins the room and **no answer ever reaches the browser** (the log
shows ``RuntimeWarning: coroutine 'AsyncServer.enter_room' was never awaited``).

This subclass keeps Rasa's channel as is and only replaces the ``session_request`` handler with
one that awaits ``enter_room``. It also shows promoters' replies to a handoff ticket
(``channels/entregas.py``) before the bot's answer to the person's next message.
Enable it in credentials.yml with the same settings::

    bot.web.rasa_socketio.SocketIOInput:
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
from sanic import Blueprint

from channels.entregas import con_respuestas_pendientes

log = logging.getLogger(__name__)

SESSION_ID_MAX = 128
#: The key to use in credentials.yml.
CHANNEL = f"{__name__}.SocketIOInput"


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"  # same channel name: same webhook path and tracker metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Promoters' replies waiting for this conversation go out as `bot_uttered` before the
        # answer to the new message. The sender_id is the session_id (session_persistence) or
        # the socket id, the same id actions/canalizacion.py stores as the ticket's address.
        blueprint = super().blueprint(con_respuestas_pendientes(on_new_message, "web"))
        sio = self.sio

        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not 0 < len(session_id) <= SESSION_ID_MAX:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):  # python-socketio >= 5.10
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            log.debug("socket %s joined session %s", sid, session_id)

        sio.on("session_request", session_request, namespace=self.namespace)
        return blueprint
