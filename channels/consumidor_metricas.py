"""Consumer of Rasa's RabbitMQ event stream that feeds the console's statistics (production).

In production Rasa publishes every tracker event with its own ``pika`` event broker
(deploy/endpoints.prod.yml) to the durable queue ``orienta_eventos``. This process reads it and
hands each event to the same code as the embedded broker (``channels.metricas.BrokerMetricas``:
``bot.analitica.Analizador`` masks and counts, a thread posts batches to ``/v1/metricas``), so the
statistics never read the tracker tables.

    python -m channels.consumidor_metricas

Environment: ORIENTA_RABBITMQ_URL (``amqp://user:pass@host:5672/``) or ORIENTA_RABBITMQ_HOST,
ORIENTA_RABBITMQ_USER, ORIENTA_RABBITMQ_PASSWORD; ORIENTA_RABBITMQ_COLA (default
``orienta_eventos``); ORIENTA_SERVICE_URL and ORIENTA_ASSISTANT_API_KEY for the service.

Messages are acknowledged once analysed (the posting thread retries and keeps a bounded buffer):
a crash can lose at most the records not yet posted, never block Rasa.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from urllib.parse import quote

import aio_pika

from bot.secretos import rechazar_marcador
from channels.metricas import BrokerMetricas

log = logging.getLogger("orienta.consumidor_metricas")

COLA = "orienta_eventos"
PREFETCH = 200


def url_amqp(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if env.get("ORIENTA_RABBITMQ_URL"):
        return env["ORIENTA_RABBITMQ_URL"]
    rechazar_marcador("ORIENTA_RABBITMQ_PASSWORD", env.get("ORIENTA_RABBITMQ_PASSWORD"))
    usuario = quote(env.get("ORIENTA_RABBITMQ_USER", "guest"), safe="")
    clave = quote(env.get("ORIENTA_RABBITMQ_PASSWORD", "guest"), safe="")
    host = env.get("ORIENTA_RABBITMQ_HOST", "localhost")
    puerto = env.get("ORIENTA_RABBITMQ_PORT", "5672")
    return f"amqp://{usuario}:{clave}@{host}:{puerto}/"


def procesar(cuerpo: bytes, broker: BrokerMetricas) -> bool:
    """One RabbitMQ message → the analyser. False for a body that is not an event (dropped)."""
    try:
        evento = json.loads(cuerpo)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(evento, dict) or "event" not in evento:
        return False
    broker.publish(evento)
    return True


async def consumir(url: str, cola: str, broker: BrokerMetricas, parar: asyncio.Event) -> None:
    conexion = await aio_pika.connect_robust(url)
    try:
        canal = await conexion.channel()
        await canal.set_qos(prefetch_count=PREFETCH)
        # Same declaration as Rasa's pika broker, so either side may start first.
        queue = await canal.declare_queue(cola, durable=True)

        async def al_recibir(mensaje: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with mensaje.process():
                if not procesar(mensaje.body, broker):
                    log.warning("mensaje descartado: no es un evento de Rasa")

        etiqueta = await queue.consume(al_recibir)
        log.info("consumiendo la cola %s", cola)
        await parar.wait()
        await queue.cancel(etiqueta)
    finally:
        await conexion.close()


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    broker = BrokerMetricas()
    parar = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, parar.set)
    try:
        await consumir(url_amqp(), os.environ.get("ORIENTA_RABBITMQ_COLA", COLA), broker, parar)
    finally:
        await broker.close()  # posts what is left


if __name__ == "__main__":
    asyncio.run(main())
