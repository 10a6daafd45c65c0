"""Rate limits on REST and socket.io (channels/limites.py): per conversation, per address and
for folio/CURP attempts; a limited message gets Spanish text and never reaches Rasa."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sanic import Sanic

from bot.limites import TEXTO_LIMITE, TEXTO_LIMITE_DATOS
from channels.limites import AjustesLimites, Limites
from channels.rest import RestInput
from channels.socketio import SocketIOInput
from tests.channels.conftest import RasaFalso, Reloj, _arrancar, _parar

RUTA = "/webhooks/rest/webhook"


def limites(reloj: Reloj, **cambios) -> Limites:
    base = {
        "mensajes_minuto_conversacion": 5,
        "mensajes_minuto_direccion": 8,
        "datos_10min_conversacion": 3,
        "datos_10min_direccion": 30,
        "exentas": "",  # the test client talks from 127.0.0.1
    }
    return Limites(AjustesLimites(**{**base, **cambios}), reloj=reloj)


@pytest.fixture
async def rest_factory(rasa: RasaFalso):
    abiertos = []

    async def crear(lim: Limites) -> httpx.AsyncClient:
        Sanic.test_mode = True
        app = Sanic(f"prueba_rest_{uuid.uuid4().hex[:8]}", configure_logging=False)
        canal = RestInput()
        canal.limites = lim
        app.blueprint(canal.blueprint(rasa), url_prefix="/webhooks/rest")
        cola, tarea = await _arrancar(app)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        abiertos.append((http, cola, tarea))
        return http

    yield crear
    for http, cola, tarea in abiertos:
        await http.aclose()
        await _parar(cola, tarea)


async def test_rest_per_conversation(rest_factory, rasa: RasaFalso, reloj: Reloj):
    """A script flooding one conversation used to keep the model busy without bound."""
    http = await rest_factory(limites(reloj))
    estados = [
        (await http.post(RUTA, json={"sender": "ana", "message": f"hola {i}"})).status_code
        for i in range(7)
    ]
    assert estados == [200] * 5 + [429] * 2
    r = await http.post(RUTA, json={"sender": "ana", "message": "¿sigues?"})
    assert r.json() == [{"recipient_id": "ana", "text": TEXTO_LIMITE}]
    assert r.headers["retry-after"] == "60"
    assert rasa.textos == [f"hola {i}" for i in range(5)]  # the rest never reached Rasa
    reloj.avanzar(60)
    r = await http.post(RUTA, json={"sender": "ana", "message": "ya"})
    assert r.status_code == 200 and rasa.textos[-1] == "ya"  # nothing lost, just later


async def test_rest_per_address_across_conversations(rest_factory, rasa: RasaFalso, reloj):
    http = await rest_factory(limites(reloj))
    estados = [
        (await http.post(RUTA, json={"sender": f"s{i}", "message": "hola"})).status_code
        for i in range(10)
    ]
    assert estados == [200] * 8 + [429] * 2


async def _diez_direcciones_reenviadas(http) -> list[int]:
    """Ten senders, each claiming its own address in X-Forwarded-For: the status codes."""
    return [
        (
            await http.post(
                RUTA,
                json={"sender": f"s{i}", "message": "hola"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
        ).status_code
        for i in range(10)
    ]


async def test_rest_spoofed_forwarded_for_is_ignored(rest_factory, reloj):
    """Without a trusted proxy, a new X-Forwarded-For per request is still one address."""
    http = await rest_factory(limites(reloj))
    estados = await _diez_direcciones_reenviadas(http)
    assert estados.count(429) == 2


async def test_rest_trusted_proxy_names_the_client(rest_factory, reloj):
    http = await rest_factory(limites(reloj, proxies_confiables="127.0.0.1"))
    estados = await _diez_direcciones_reenviadas(http)
    assert estados == [200] * 10  # ten clients behind the proxy, one message each


async def test_rest_folio_and_curp_attempts(rest_factory, rasa: RasaFalso, reloj):
    """Guessing folio + CURP pairs: a few tries per conversation, then a pause."""
    http = await rest_factory(limites(reloj, mensajes_minuto_conversacion=100))
    intentos = ["OR-7K2M9P4QXZ", "HEGG560427MVZRRL04", "OR-7K2M9P4QXA", "OR-7K2M9P4QXB"]
    respuestas = [await http.post(RUTA, json={"sender": "x", "message": t}) for t in intentos]
    assert [r.status_code for r in respuestas] == [200, 200, 200, 429]
    assert respuestas[-1].json()[0]["text"] == TEXTO_LIMITE_DATOS
    # Other messages of that conversation still go through.
    assert (await http.post(RUTA, json={"sender": "x", "message": "menu"})).status_code == 200


async def test_loopback_is_exempt_per_address_by_default(rest_factory, reloj):
    lim = Limites(AjustesLimites(mensajes_minuto_direccion=2), reloj=reloj)
    http = await rest_factory(lim)
    for i in range(5):
        r = await http.post(RUTA, json={"sender": f"s{i}", "message": "hola"})
        assert r.status_code == 200


def test_wildcard_proxies_refused():
    with pytest.raises(ValueError):
        AjustesLimites(proxies_confiables="*")


class SioFalso:
    def __init__(self) -> None:
        self.emitidos: list[tuple[str, dict, str]] = []

    async def emit(self, evento, datos, room=None, **_):
        self.emitidos.append((evento, datos, room))


async def test_socketio_per_conversation(rasa: RasaFalso, reloj: Reloj):
    canal = SocketIOInput(session_persistence=True)
    canal.limites = limites(reloj)
    canal.blueprint(rasa)
    falso = SioFalso()
    canal.sio.emit = falso.emit
    manejador = canal.sio.handlers["/"]["user_uttered"]
    for i in range(6):
        await manejador("sid-1", {"message": f"hola {i}", "session_id": "s-1"})
    assert len(rasa.recibidos) == 5
    assert falso.emitidos[-1] == ("bot_uttered", {"text": TEXTO_LIMITE}, "web-s-1")
