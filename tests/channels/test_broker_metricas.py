"""channels.metricas.BrokerMetricas: batches, retries, bounded buffer, Rasa's broker factory."""

import asyncio
import json
import sqlite3
import time

import httpx
import respx

from tests.ayudas import ASSISTANT_KEY

# ------------------------------------------------------------------ broker
URL = "http://servicio.test/v1/metricas"


def _broker(**kw):
    from channels.metricas import BrokerMetricas

    kw.setdefault("max_bytes", 10**9)
    return BrokerMetricas(url="http://servicio.test", api_key="clave", iniciar_hilo=False, **kw)


def _turnos(broker, n, sender="ana"):
    for i in range(n):
        broker.publish(
            {
                "sender_id": sender,
                "event": "user",
                "timestamp": 1_767_225_600 + i,
                "text": "hola",
                "parse_data": {"intent": {"name": "saludo", "confidence": 0.9}},
                "input_channel": "rest",
            }
        )
        broker.publish({"sender_id": sender, "event": "action", "name": "action_listen"})


@respx.mock
def test_broker_envia_en_lotes_de_200():
    ruta = respx.post(URL).mock(return_value=httpx.Response(200, json={"recibidas": 1}))
    b = _broker()
    _turnos(b, 250)
    assert b.vaciar() is True
    assert [len(json.loads(c.request.content)) for c in ruta.calls] == [200, 50]
    assert ruta.calls[0].request.headers["X-API-Key"] == "clave"
    assert b.pendientes() == 0 and b.enviados == 250


def test_broker_corta_lotes_por_tamano_y_el_servicio_los_acepta(servicio_http):
    """Real batches (full fallback texts) stay under the real service's body limit."""
    from channels.metricas import BrokerMetricas

    b = BrokerMetricas(url=servicio_http.url, api_key=ASSISTANT_KEY, iniciar_hilo=False)
    for i in range(60):
        b.publish(
            {
                "sender_id": f"s{i}",
                "event": "user",
                "timestamp": 1_767_225_600 + i,
                "text": "¿qué pasó con mi trámite de la visa? " * 10,
                "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.2}},
                "input_channel": "socketio",
            }
        )
        b.publish({"sender_id": f"s{i}", "event": "action", "name": "action_fallback"})
        b.publish({"sender_id": f"s{i}", "event": "action", "name": "action_listen"})
    with respx.mock:
        ruta = respx.post(f"{servicio_http.url}/v1/metricas").pass_through()
        assert b.vaciar() is True and b.pendientes() == 0
    assert ruta.call_count > 1
    assert all(len(c.request.content) <= b.max_bytes for c in ruta.calls)
    with sqlite3.connect(servicio_http.bd) as bd:
        assert bd.execute("SELECT COUNT(*) FROM metricas_mensajes").fetchone() == (60,)


@respx.mock
def test_broker_reintenta_sin_perder_el_lote():
    ruta = respx.post(URL).mock(
        side_effect=[httpx.ConnectError("caído"), httpx.Response(503), httpx.Response(200)]
    )
    b = _broker()
    _turnos(b, 3)
    assert b.vaciar() is False and b.pendientes() == 3
    assert b.vaciar() is False and b.pendientes() == 3
    assert b.vaciar() is True and b.pendientes() == 0
    assert ruta.call_count == 3


@respx.mock
def test_broker_descarta_lote_rechazado_y_sigue():
    respx.post(URL).mock(side_effect=[httpx.Response(422), httpx.Response(200)])
    b = _broker(lote_max=2)
    _turnos(b, 3)
    assert b.vaciar() is True and b.pendientes() == 0 and b.enviados == 1


def test_broker_buffer_acotado_descarta_lo_mas_viejo(caplog):
    b = _broker(max_buffer=5)
    _turnos(b, 8)
    assert b.pendientes() == 5 and b.descartados == 3
    with respx.mock:
        ruta = respx.post(URL).mock(return_value=httpx.Response(200))
        b.vaciar()
    enviados = json.loads(ruta.calls[0].request.content)
    # The oldest three (seconds 0-2) were dropped.
    assert [r["en"] for r in enviados][0] == "2026-01-01T00:00:03+00:00"
    assert "se descartaron 3 registros" in caplog.text and "hola" not in caplog.text


def test_broker_publish_nunca_truena():
    b = _broker()
    for evento in (None, "x", {"sender_id": object(), "event": "user"}, {"event": []}):
        b.publish(evento)
    assert b.pendientes() == 0


def test_broker_hilo_envia_al_llegar_al_umbral_y_close_vacia():
    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import EndpointConfig

    from channels.metricas import BrokerMetricas

    async def escenario():
        cfg = EndpointConfig(
            url="http://servicio.test",
            type="channels.metricas.BrokerMetricas",
            umbral_envio=5,
            intervalo=30,
        )
        b = await EventBroker.create(cfg)
        assert isinstance(b, BrokerMetricas) and b.url == URL
        with respx.mock:
            ruta = respx.post(URL).mock(return_value=httpx.Response(200))
            _turnos(b, 5)
            limite = time.monotonic() + 5
            while ruta.call_count == 0 and time.monotonic() < limite:
                await asyncio.sleep(0.02)
            assert ruta.call_count == 1  # woken by the threshold, not the 30 s interval
            _turnos(b, 2)
            await b.close()
            assert ruta.call_count == 2 and b.pendientes() == 0

    asyncio.run(escenario())
