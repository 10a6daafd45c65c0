"""Rasa's REST channel plus promoters' replies (``channels/entregas.py``).

Same name (``rest``) and URL (``POST /webhooks/rest/webhook``) as Rasa's built-in channel; the
replies to a handoff ticket waiting for this ``sender`` come first in the JSON answer (and first
in the stream with ``?stream=true``). In credentials.yml, instead of ``rest:``::

    channels.rest.RestInput:
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint

from channels.entregas import con_respuestas_pendientes

#: The key to use in credentials.yml.
CHANNEL = f"{__name__}.RestInput"


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # same webhook path (/webhooks/rest/webhook) and input_channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # actions/canalizacion.py stores ("web", sender_id) for REST conversations.
        return super().blueprint(con_respuestas_pendientes(on_new_message, "web"))


__all__ = ["CHANNEL", "RestInput"]
