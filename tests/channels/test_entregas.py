"""Promoters' replies delivered with the person's next message (channels/entregas.py) in the
Twilio, REST and socket.io channels. The service is mocked with respx; no network."""

from __future__ import annotations

import json
import logging
import uuid
import xml.etree.ElementTree as ET

import httpx
import pytest
import respx
from sanic import Sanic

from channels import entregas
from tests.channels.conftest import TELEFONO, Cliente, RasaFalso, _arrancar, _parar, parametros

SERVICIO = "http://servicio.test"
RUTA = SERVICIO + "/v1/canalizaciones/entregas"
CLAVE = "clave-asistente-prueba"


@pytest.fixture(autouse=True)
def _servicio(monkeypatch):
    monkeypatch.setenv("ORIENTA_SERVICE_URL", SERVICIO)
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", CLAVE)


@pytest.fixture
def servicio():
    """respx mock of the service; ASGI test clients are not affected (no httpcore)."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def responde(servicio, *respuestas: tuple[int, str], status: int = 200):
    cuerpo = {"respuestas": [{"ticket": t, "texto": x} for t, x in respuestas]}
    return servicio.post(RUTA).mock(return_value=httpx.Response(status, json=cuerpo))


def pedido(ruta) -> dict:
    return json.loads(ruta.calls.last.request.content)


def mensajes_twiml(respuesta) -> list[str]:
    raiz = ET.fromstring(respuesta.content)
    return [m.text or "" for m in raiz.findall("Message")]


# ------------------------------------------------------------------ respuestas_pendientes
async def test_pendientes_formatea_y_manda_clave(servicio):
    ruta = responde(servicio, (12, "Te marco mañana a las 10."), (15, "  Otra  "))
    textos = await entregas.respuestas_pendientes("whatsapp", TELEFONO)
    assert textos == [
        "Respuesta de tu Ventanilla de Salud (caso 12): Te marco mañana a las 10.",
        "Respuesta de tu Ventanilla de Salud (caso 15): Otra",
    ]
    assert ruta.calls.last.request.headers["X-API-Key"] == CLAVE
    assert pedido(ruta) == {"canal": "whatsapp", "direccion": TELEFONO, "maximo": 5}


@pytest.mark.parametrize(
    "efecto",
    [
        httpx.Response(500, json={"detail": "boom"}),
        httpx.Response(401, json={"detail": "clave"}),
        httpx.Response(200, text="no es json"),
        httpx.ConnectError("sin servicio"),
        httpx.ReadTimeout("lento"),
    ],
)
async def test_pendientes_fallo_da_lista_vacia_sin_datos_personales(servicio, efecto, caplog):
    servicio.post(RUTA).mock(side_effect=[efecto])
    with caplog.at_level(logging.INFO, logger="orienta.canalizaciones.entregas"):
        assert await entregas.respuestas_pendientes("telefono", TELEFONO) == []
    assert caplog.records and all(r.levelno == logging.WARNING for r in caplog.records)
    assert TELEFONO not in caplog.text


async def test_pendientes_reusa_un_cliente_por_loop(servicio, monkeypatch):
    """Building an httpx client loads the CA bundle: it was 25% of a replica's CPU per message."""
    creados = []
    original = httpx.AsyncClient.__init__

    def contar(self, *args, **kwargs):
        creados.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", contar)
    monkeypatch.setattr(entregas, "_clientes", {})
    ruta = responde(servicio, (3, "Hola"))
    for _ in range(3):
        assert await entregas.respuestas_pendientes("web", "conversacion-1")
    assert ruta.call_count == 3
    assert len(creados) == 1


async def test_pendientes_sin_direccion_no_llama(servicio):
    ruta = responde(servicio, (1, "x"))
    assert await entregas.respuestas_pendientes("web", "") == []
    assert not ruta.called


# ------------------------------------------------------------------ Twilio
async def test_twilio_whatsapp_respuestas_primero(cliente: Cliente, rasa: RasaFalso, servicio):
    ruta = responde(servicio, (7, "Hola, soy Ana del consulado."))
    r = await cliente.enviar(parametros("Hola", whatsapp=True))
    assert r.status_code == 200
    assert mensajes_twiml(r) == [
        "Respuesta de tu Ventanilla de Salud (caso 7): Hola, soy Ana del consulado.\n\neco: Hola"
    ]
    # firmado: the channel checked the signature, so the service may record the number.
    assert pedido(ruta) == {
        "canal": "whatsapp",
        "direccion": TELEFONO,
        "maximo": 2,
        "firmado": True,
    }
    assert rasa.textos == ["Hola"]


async def test_twilio_sms_canal_telefono_y_gsm7(cliente: Cliente, servicio):
    ruta = responde(servicio, (3, "Ya quedó tu cita."))
    r = await cliente.enviar(parametros("dos"))
    assert mensajes_twiml(r) == [
        "Respuesta de tu Ventanilla de Salud (caso 3): Ya quedo tu cita."
        "\n\nPrimero.\n\nSegundo parrafo.\n\nTercero."
    ]
    assert pedido(ruta)["canal"] == "telefono"


async def test_twilio_respeta_limites_de_mensajes(cliente: Cliente, servicio):
    responde(servicio, (1, "a" * 1000), (2, "b" * 1000))
    r = await cliente.enviar(parametros("menu", whatsapp=True))
    cuerpos = mensajes_twiml(r)
    assert 1 < len(cuerpos) <= 3 and all(len(c) <= 1600 for c in cuerpos)
    texto = "\n\n".join(cuerpos)
    assert texto.index("(caso 1)") < texto.index("(caso 2)") < texto.index("Elige un tema")
    assert "a" * 1000 in texto and "b" * 1000 in texto
    # The menu's numbered options still work on the next message.
    assert "1) *¿Qué es PTI?*" in texto


async def test_twilio_servicio_caido_no_cambia_la_respuesta(cliente: Cliente, servicio):
    servicio.post(RUTA).mock(side_effect=httpx.ConnectError("caído"))
    r = await cliente.enviar(parametros("Hola"))
    assert r.status_code == 200
    assert mensajes_twiml(r) == ["eco: Hola"]


async def test_twilio_respuesta_con_turno_fallido_y_con_media(cliente: Cliente, servicio):
    responde(servicio, (4, "Respuesta"))
    r = await cliente.enviar(parametros("falla"))
    (cuerpo,) = mensajes_twiml(r)
    assert cuerpo.startswith("Respuesta de tu Ventanilla de Salud (caso 4): Respuesta\n\n")
    assert "no esta respondiendo" in cuerpo  # the error text, after the reply
    r = await cliente.enviar(parametros("", NumMedia="1", MediaUrl0="https://x.test/a.jpg"))
    (cuerpo,) = mensajes_twiml(r)
    assert cuerpo.startswith("Respuesta de tu Ventanilla de Salud (caso 4)")
    assert "mensajes de texto" in cuerpo


async def test_twilio_duplicado_no_vuelve_a_pedir(cliente: Cliente, servicio):
    ruta = responde(servicio, (9, "Hola"))
    datos = parametros("Hola")
    primera = await cliente.enviar(datos)
    segunda = await cliente.enviar(datos)
    assert mensajes_twiml(primera) == mensajes_twiml(segunda)
    assert "(caso 9)" in mensajes_twiml(segunda)[0]
    assert ruta.call_count == 1


# ------------------------------------------------------------------ REST
@pytest.fixture
async def rest(rasa: RasaFalso):
    from channels.rest import RestInput

    Sanic.test_mode = True
    app = Sanic(f"prueba_rest_{uuid.uuid4().hex[:8]}", configure_logging=False)
    canal = RestInput()
    assert canal.name() == "rest"
    app.blueprint(canal.blueprint(rasa), url_prefix="/webhooks/" + canal.url_prefix())
    cola, tarea = await _arrancar(app)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    yield http
    await http.aclose()
    await _parar(cola, tarea)


async def test_rest_antepone_respuestas(rest, servicio):
    ruta = responde(servicio, (5, "Hola Luis"))
    r = await rest.post("/webhooks/rest/webhook", json={"sender": "luis-1", "message": "Hola"})
    assert r.status_code == 200
    assert [m["text"] for m in r.json()] == [
        "Respuesta de tu Ventanilla de Salud (caso 5): Hola Luis",
        "eco: Hola",
    ]
    assert all(m["recipient_id"] == "luis-1" for m in r.json())
    assert pedido(ruta) == {"canal": "web", "direccion": "luis-1", "maximo": 5}


async def test_rest_servicio_caido(rest, servicio):
    servicio.post(RUTA).mock(return_value=httpx.Response(503))
    r = await rest.post("/webhooks/rest/webhook", json={"sender": "luis-1", "message": "Hola"})
    assert [m["text"] for m in r.json()] == ["eco: Hola"]


# ------------------------------------------------------------------ socket.io
class SioFalso:
    def __init__(self) -> None:
        self.emitidos: list[tuple[str, dict, str]] = []

    async def emit(self, evento, datos, room=None, **_):
        self.emitidos.append((evento, datos, room))


@pytest.mark.parametrize("persistencia", [True, False])
async def test_socketio_emite_respuestas_antes(rasa: RasaFalso, servicio, persistencia):
    from channels.socketio import SocketIOInput

    ruta = responde(servicio, (8, "Hola Eva"))
    canal = SocketIOInput(session_persistence=persistencia)
    canal.blueprint(rasa)
    falso = SioFalso()
    canal.sio.emit = falso.emit  # the output channel emits through the server
    manejador = canal.sio.handlers["/"]["user_uttered"]
    await manejador("sid-1", {"message": "Hola", "session_id": "sesion-eva"})
    esperado = "web-sesion-eva" if persistencia else "sid-1"
    # The promoter's reply is a person's message in the web chat, not a bot bubble.
    assert falso.emitidos == [
        (
            "bot_uttered",
            {
                "text": "Hola Eva",
                "metadata": {
                    "autor": "promotor",
                    "nombre": "Promotora",
                    "rol": "promotora del consulado",
                    "ticket": 8,
                },
            },
            esperado,
        ),
        ("bot_uttered", {"text": "eco: Hola"}, esperado),
    ]
    assert pedido(ruta) == {"canal": "web", "direccion": esperado, "maximo": 5}
    assert rasa.recibidos[0].sender_id == esperado


async def test_socketio_servicio_caido(rasa: RasaFalso, servicio):
    from channels.socketio import SocketIOInput

    servicio.post(RUTA).mock(side_effect=httpx.ConnectError("caído"))
    canal = SocketIOInput(session_persistence=True)
    canal.blueprint(rasa)
    falso = SioFalso()
    canal.sio.emit = falso.emit
    await canal.sio.handlers["/"]["user_uttered"]("sid-1", {"message": "Hola", "session_id": "s"})
    assert falso.emitidos == [("bot_uttered", {"text": "eco: Hola"}, "web-s")]


async def test_pendientes_no_deja_una_linea_de_log_por_mensaje(servicio, caplog):
    responde(servicio)
    with caplog.at_level(logging.INFO):  # Rasa's level
        assert await entregas.respuestas_pendientes("web", "conversacion-2") == []
    assert not [r for r in caplog.records if r.name.startswith("httpx")]
