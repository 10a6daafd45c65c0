"""The RabbitMQ consumer of Rasa's events (production statistics): Rasa's own pika broker
publishes, the consumer hands the events to the metrics analyser. Uses the RabbitMQ server on
127.0.0.1:5672 (guest/guest) with a throwaway queue."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid

import aio_pika
import pytest

from channels import consumidor_metricas as consumidor

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


class Recolector:
    def __init__(self) -> None:
        self.eventos: list[dict] = []

    def publish(self, evento: dict) -> None:
        self.eventos.append(evento)


@pytest.mark.parametrize("cuerpo", [b"no es json", b"[1, 2]", b'{"sender_id": "x"}', b"\xff\xfe"])
def test_bodies_that_are_not_events_are_dropped(cuerpo):
    recolector = Recolector()
    assert consumidor.procesar(cuerpo, recolector) is False
    assert recolector.eventos == []


def test_an_event_reaches_the_analyser():
    recolector = Recolector()
    evento = {"sender_id": "abc", "event": "action", "name": "action_listen"}
    assert consumidor.procesar(json.dumps(evento).encode(), recolector)
    assert recolector.eventos == [evento]


def test_amqp_url_from_parts_escapes_the_password():
    env = {
        "ORIENTA_RABBITMQ_HOST": "mq",
        "ORIENTA_RABBITMQ_USER": "u",
        "ORIENTA_RABBITMQ_PASSWORD": "p@s/s",
    }
    assert consumidor.url_amqp(env) == "amqp://u:p%40s%2Fs@mq:5672/"
    assert consumidor.url_amqp({"ORIENTA_RABBITMQ_URL": "amqp://x/"}) == "amqp://x/"


def _rabbit() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.servidores  # RabbitMQ
async def test_events_published_by_rasa_reach_the_consumer():
    if not _rabbit():
        pytest.skip("RabbitMQ no responde en 127.0.0.1:5672")
    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import EndpointConfig

    cola = f"orienta_test_{uuid.uuid4().hex[:8]}"
    config = EndpointConfig(
        type="pika", url="127.0.0.1", username="guest", password="guest", queues=[cola]
    )
    broker = await EventBroker.create(config)
    recolector, parar = Recolector(), asyncio.Event()
    tarea = asyncio.create_task(consumidor.consumir(AMQP, cola, recolector, parar))
    try:
        for n in range(3):
            broker.publish({"sender_id": "conv", "event": "action", "name": f"a{n}"})
        for _ in range(100):
            if len(recolector.eventos) >= 3:
                break
            await asyncio.sleep(0.1)
        assert [e["name"] for e in recolector.eventos] == ["a0", "a1", "a2"]
    finally:
        parar.set()
        await asyncio.wait_for(tarea, 10)
        await broker.close()
        conexion = await aio_pika.connect(AMQP)
        async with conexion:
            canal = await conexion.channel()
            await canal.queue_delete(cola)
