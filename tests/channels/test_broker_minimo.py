"""RabbitMQ carries only what the metrics need (channels/broker_minimo.py, bot.analitica.minimizar).

Rasa's pika broker used to publish whole events: texts, every slot (CURP, name, e-mail, income)
and the session metadata with the phone number, in clear, to the queue and its consumer.
"""

from __future__ import annotations

import json

from bot.analitica import Analizador, conversacion_id, minimizar
from channels.broker_minimo import PikaMinimo

SENDER = "tw-0123456789abcdef0123"
TELEFONO = "+13125550100"
CURP = "HEGG560427MVZRRL04"


def user(texto, intent, confianza=0.9, **extra):
    return {
        "event": "user",
        "sender_id": SENDER,
        "timestamp": 1764650000.0,
        "text": texto,
        "input_channel": "twilio_orienta",
        "metadata": {"telefono": TELEFONO, "canal": "whatsapp"},
        "parse_data": {
            "intent": {"name": intent, "confidence": confianza},
            "entities": [{"entity": "curp", "value": CURP}],
            "text": texto,
        },
        **extra,
    }


def accion(nombre):
    return {"event": "action", "sender_id": SENDER, "timestamp": 1764650001.0, "name": nombre}


def conversacion():
    eventos = [
        {"event": "session_started", "sender_id": SENDER, "metadata": {"telefono": TELEFONO}},
        user("quiero inscribirme", "inscribirme"),
        accion("registro_form"),
        {"event": "active_loop", "sender_id": SENDER, "name": "registro_form"},
        accion("action_listen"),
        user(CURP, "informar"),
        {"event": "slot", "sender_id": SENDER, "name": "curp", "value": CURP},
        {"event": "slot", "sender_id": SENDER, "name": "email", "value": "gloria@example.com"},
        {"event": "slot", "sender_id": SENDER, "name": "consulado", "value": "Chicago, IL"},
        {"event": "slot", "sender_id": SENDER, "name": "folio", "value": "OR-7K2M9P4QXZ"},
        {"event": "bot", "sender_id": SENDER, "text": f"Tu CURP {CURP} quedó registrada"},
        {"event": "active_loop", "sender_id": SENDER, "name": None},
        accion("action_listen"),
        user(f"asdf {CURP} qwer", "nlu_fallback", 0.2),
        accion("action_default_fallback"),
        accion("action_listen"),
    ]
    for evento in eventos:
        evento.setdefault("timestamp", 1764650002.0)
    return eventos


def test_nothing_personal_leaves_the_rasa_process():
    publicado = json.dumps([m for e in conversacion() if (m := minimizar(e)) is not None])
    for dato in (CURP, TELEFONO, "gloria@example.com", SENDER, "quiero inscribirme"):
        assert dato not in publicado, dato
    assert "Chicago, IL" in publicado and "OR-7K2M9P4QXZ" in publicado  # what the funnel needs


def test_the_metrics_are_the_same_from_the_minimised_stream():
    completo, minimo = Analizador(), Analizador()
    de_completo = [r for e in conversacion() for r in completo.procesar(e)]
    de_minimo = [r for e in conversacion() if (m := minimizar(e)) for r in minimo.procesar(m)]
    assert de_minimo == de_completo
    assert {r["conversacion"] for r in de_minimo} == {conversacion_id(SENDER)}
    (fallback,) = [r for r in de_minimo if r.get("fallback")]
    assert fallback["texto"] and CURP not in fallback["texto"] and fallback["canal"] == "whatsapp"


def test_console_conversations_keep_their_channel():
    evento = {**user("hola", "saludo"), "sender_id": "consola-3-ab12cd", "input_channel": "rest"}
    assert minimizar(evento)["canal"] == "consola"


def test_the_broker_publishes_the_minimised_events(monkeypatch):
    publicados = []
    monkeypatch.setattr(
        "rasa.core.brokers.pika.PikaEventBroker.publish",
        lambda self, event, headers=None: publicados.append(event),
    )
    broker = PikaMinimo.__new__(PikaMinimo)  # no connection needed to publish through it
    for evento in conversacion():
        broker.publish(evento)
    assert publicados == [m for e in conversacion() if (m := minimizar(e)) is not None]
    assert not any(e["event"] == "bot" for e in publicados)


def test_placeholder_passwords_refuse_to_start():
    """deploy/.env.example's values copied as they are: Rasa's stores and broker refuse them."""
    import pytest
    from rasa.utils.endpoints import EndpointConfig

    from bot.secretos import SecretoInvalido
    from channels.cerrojo import RedisLockStoreAtomico

    with pytest.raises(SecretoInvalido, match="ORIENTA_RABBITMQ_PASSWORD"):
        PikaMinimo("rabbitmq", "orienta", "CAMBIAR-password-rabbitmq")
    with pytest.raises(SecretoInvalido, match="ORIENTA_REDIS_PASSWORD"):
        RedisLockStoreAtomico(EndpointConfig(url="redis", password="CAMBIAR-password-redis"))
    RedisLockStoreAtomico(EndpointConfig(url="redis", password=""))  # local Redis without AUTH
