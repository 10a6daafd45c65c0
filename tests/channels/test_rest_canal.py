"""REST channel (channels/rest.py): the input checks hold on every route of the channel.

Sanic matches ``/webhook/`` to the ``/webhook`` route (strict_slashes off); the checks used to be a
middleware keyed on ``path.endswith("/webhook")``, so a trailing slash skipped all of them.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sanic import Sanic

from channels.rest import MAX_TEXTO, TEXTO_LARGO, RestInput
from tests.channels.conftest import RasaFalso, _arrancar, _parar

RUTAS = ["/webhooks/rest/webhook", "/webhooks/rest/webhook/"]


@pytest.fixture
async def rest(rasa: RasaFalso):
    Sanic.test_mode = True
    app = Sanic(f"prueba_rest_{uuid.uuid4().hex[:8]}", configure_logging=False)
    canal = RestInput()
    app.blueprint(canal.blueprint(rasa), url_prefix="/webhooks/" + canal.url_prefix())
    cola, tarea = await _arrancar(app)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    yield http
    await http.aclose()
    await _parar(cola, tarea)


@pytest.mark.parametrize("ruta", RUTAS)
async def test_prefijo_de_twilio_rechazado_en_toda_ruta(rest, rasa: RasaFalso, ruta: str):
    r = await rest.post(ruta, json={"sender": "tw-0123456789abcdef0123", "message": "hola"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["campo"] == "sender"
    assert rasa.recibidos == []


@pytest.mark.parametrize("ruta", RUTAS)
async def test_metadata_e_input_channel_ignorados_en_toda_ruta(rest, rasa: RasaFalso, ruta: str):
    cuerpo = {
        "sender": "ana-1",
        "message": "hola",
        "input_channel": "twilio_orienta",
        "metadata": {"telefono": "+13125550100", "canal": "whatsapp"},
    }
    r = await rest.post(ruta, json=cuerpo)
    assert r.status_code == 200
    (mensaje,) = rasa.recibidos
    assert mensaje.input_channel == "rest"
    assert not mensaje.metadata


@pytest.mark.parametrize("ruta", RUTAS)
async def test_texto_largo_no_llega_a_rasa_en_toda_ruta(rest, rasa: RasaFalso, ruta: str):
    r = await rest.post(ruta, json={"sender": "ana-1", "message": "a" * (MAX_TEXTO + 1)})
    assert r.json() == [{"recipient_id": "ana-1", "text": TEXTO_LARGO}]
    assert rasa.recibidos == []


@pytest.mark.parametrize("ruta", RUTAS)
async def test_cuerpo_que_no_es_objeto_en_toda_ruta(rest, rasa: RasaFalso, ruta: str):
    r = await rest.post(ruta, content=b"[1, 2]", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert rasa.recibidos == []


async def test_salud(rest):
    r = await rest.get("/webhooks/rest/")
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize("sender", ["web-abc123", "WEB-abc", "tw-x", " tw-x"])
async def test_prefijos_reservados_de_otros_canales(rest, rasa: RasaFalso, sender: str):
    r = await rest.post(RUTAS[0], json={"sender": sender, "message": "hola"})
    assert r.status_code == 422
    assert rasa.recibidos == []
