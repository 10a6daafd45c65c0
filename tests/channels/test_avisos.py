"""Issue 15 on the assistant's side: the case's notices shown with the next message, and the
reminders' opt-out words answered at once by the Twilio channel (channels/avisos.py). The
service is mocked with respx; no network."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest
import respx

from bot.recordatorios import CONFIRMACION_BAJA
from channels import avisos, entregas
from tests.channels.conftest import TELEFONO, Cliente, RasaFalso, parametros

SERVICIO = "http://servicio.test"


@pytest.fixture(autouse=True)
def _servicio(monkeypatch):
    monkeypatch.setenv("ORIENTA_SERVICE_URL", SERVICIO)
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", "clave-asistente-prueba")


@pytest.fixture
def servicio():
    with respx.mock(assert_all_called=False) as router:
        router.post(SERVICIO + "/v1/canalizaciones/entregas").mock(
            return_value=httpx.Response(200, json={"respuestas": []})
        )
        yield router


def _twiml(respuesta) -> list[str]:
    return [m.text or "" for m in ET.fromstring(respuesta.content).findall("Message")]


async def test_notices_come_after_the_promoters_replies(servicio):
    servicio.post(SERVICIO + "/v1/canalizaciones/entregas").mock(
        return_value=httpx.Response(200, json={"respuestas": [{"ticket": 4, "texto": "Hola"}]})
    )
    ruta = servicio.post(SERVICIO + "/v1/avisos/entregas").mock(
        return_value=httpx.Response(200, json={"avisos": ["Orienta (OR-1): tu trámite…"]})
    )
    textos = await entregas.respuestas_pendientes("web", "conversacion-1")
    assert textos == [
        "Respuesta de tu Ventanilla de Salud (caso 4): Hola",
        "Orienta (OR-1): tu trámite…",
    ]
    assert json.loads(ruta.calls.last.request.content) == {
        "canal": "web",
        "direccion": "conversacion-1",
    }


async def test_notices_never_break_the_turn(servicio):
    servicio.post(SERVICIO + "/v1/avisos/entregas").mock(side_effect=httpx.ConnectError("x"))
    assert await avisos.avisos_pendientes("web", "conversacion-1") == []
    assert await entregas.respuestas_pendientes("web", "conversacion-1") == []


@pytest.mark.parametrize("texto", ["BAJA", "stop", "Cancelar recordatorios"])
async def test_opt_out_words_call_the_service_and_confirm(servicio, texto):
    ruta = servicio.post(SERVICIO + "/v1/recordatorios/baja").mock(
        return_value=httpx.Response(200, json={"registros": 1, "mensaje": CONFIRMACION_BAJA})
    )
    assert await avisos.cambio_de_recordatorios("whatsapp", TELEFONO, texto) == CONFIRMACION_BAJA
    assert json.loads(ruta.calls.last.request.content) == {
        "canal": "whatsapp",
        "direccion": TELEFONO,
    }


async def test_a_normal_message_is_not_an_opt_out(servicio):
    ruta = servicio.post(SERVICIO + "/v1/recordatorios/baja")
    texto = "quiero darme de baja"
    assert await avisos.cambio_de_recordatorios("whatsapp", TELEFONO, texto) is None
    assert not ruta.called


async def test_opting_in_without_a_registration_goes_to_the_bot(servicio):
    servicio.post(SERVICIO + "/v1/recordatorios/alta").mock(
        return_value=httpx.Response(200, json={"registros": 0, "mensaje": "x"})
    )
    assert await avisos.cambio_de_recordatorios("telefono", TELEFONO, "RECORDATORIOS") is None


async def test_twilio_answers_baja_at_once_without_a_bot_turn(
    cliente: Cliente, rasa: RasaFalso, servicio
):
    ruta = servicio.post(SERVICIO + "/v1/recordatorios/baja").mock(
        return_value=httpx.Response(200, json={"registros": 1, "mensaje": CONFIRMACION_BAJA})
    )
    r = await cliente.enviar(parametros("BAJA", whatsapp=True))
    assert r.status_code == 200
    assert _twiml(r) == [CONFIRMACION_BAJA]
    assert rasa.textos == []
    assert json.loads(ruta.calls.last.request.content)["canal"] == "whatsapp"


async def test_twilio_sends_other_text_to_the_bot(cliente: Cliente, rasa: RasaFalso, servicio):
    await cliente.enviar(parametros("Hola", whatsapp=True))
    assert rasa.textos == ["Hola"]
