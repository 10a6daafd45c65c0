"""Rasa's RabbitMQ (pika) event broker, publishing only what the metrics need.

Rasa's own ``type: pika`` publishes every tracker event whole: what people wrote, every slot
(CURP, name, e-mail, income), the session metadata with the phone number. The queue and its
consumer would then hold in clear what the tracker store keeps encrypted. This broker runs each
event through ``bot.analitica.minimizar`` first (hashed conversation id, channel label, intent,
action and form names, the ``consulado`` and ``folio`` slots, a masked text only for NLU
fallbacks) and drops the events the metrics do not read. ``deploy/endpoints.prod.yml``::

    event_broker:
      type: channels.broker_minimo.PikaMinimo
"""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.pika import PikaEventBroker

from bot.analitica import minimizar
from bot.secretos import rechazar_marcador

__all__ = ["PikaMinimo"]


class PikaMinimo(PikaEventBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        password = kwargs.get("password", args[2] if len(args) > 2 else None)
        rechazar_marcador("ORIENTA_RABBITMQ_PASSWORD", password)
        super().__init__(*args, **kwargs)

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        minimo = minimizar(event)
        if minimo is not None:
            super().publish(minimo, headers)
