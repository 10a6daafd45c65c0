"""Sanic app with the Twilio channel and a fake Rasa (no model, no network)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from channels.twilio import AjustesTwilio, TwilioCanal

TOKEN = "token-de-prueba-123"
#: The sender-id salt, required with the token (channels/twilio.py: exigir_secretos).
SAL = "sal-de-prueba-7f3a9c2e41"
BASE = "http://testserver"
RUTA = "/webhooks/twilio_orienta/webhook"
URL = BASE + RUTA
TELEFONO = "+13125550100"

BOTONES_MENU = [
    {"title": "¿Qué es PTI?", "payload": "/que_es_pti"},
    {"title": "Requisitos", "payload": "/requisitos"},
    {"title": "¿Cuánto cuesta?", "payload": "/costo"},
    {"title": "Quiero inscribirme", "payload": "/inscribirme"},
]
BOTONES_SI_NO = [
    {"title": "Sí", "payload": "/afirmar"},
    {"title": "No", "payload": "/negar"},
]


class RasaFalso:
    """Stands in for ``agent.handle_message``: records messages and replies by keyword."""

    def __init__(self) -> None:
        self.recibidos: list[UserMessage] = []
        self.espera_s = 0.0

    @property
    def textos(self) -> list[str]:
        return [m.text for m in self.recibidos]

    async def __call__(self, mensaje: UserMessage) -> None:
        self.recibidos.append(mensaje)
        salida, yo = mensaje.output_channel, mensaje.sender_id
        if self.espera_s:
            await asyncio.sleep(self.espera_s)
        texto = mensaje.text or ""
        if texto == "menu":
            await salida.send_text_with_buttons(yo, "Elige un tema:", BOTONES_MENU)
        elif texto == "sino":
            await salida.send_text_with_buttons(yo, "¿Te ayudo con algo más?", BOTONES_SI_NO)
        elif texto == "largo":
            for i in range(12):
                await salida.send_text_message(yo, f"Párrafo {i}: " + "x" * 480)
        elif texto == "dos":
            await salida.send_text_message(yo, "Primero.\n\nSegundo párrafo.")
            await salida.send_text_message(yo, "Tercero.")
        elif texto == "falla":
            raise RuntimeError("fallo simulado")
        elif texto == "silencio":
            return  # e.g. the only action was a custom one and the action server is down
        else:
            await salida.send_text_message(yo, f"eco: {texto}")


def parametros(body: str = "Hola", whatsapp: bool = False, **extra: str) -> dict[str, str]:
    prefijo = "whatsapp:" if whatsapp else ""
    datos = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": prefijo + TELEFONO,
        "To": prefijo + "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    datos.update(extra)
    return datos


def firmar(datos: dict[str, str], url: str = URL, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, datos)


class Cliente:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def enviar(
        self,
        datos: dict[str, str],
        firma: str | None = "auto",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        cabeceras = dict(headers or {})
        if firma == "auto":
            firma = firmar(datos)
        if firma is not None:
            cabeceras["X-Twilio-Signature"] = firma
        return await self.http.post(RUTA, data=datos, headers=cabeceras)


@pytest.fixture(autouse=True)
def _entorno_limpio(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real ORIENTA_TWILIO_* / ORIENTA_REDIS_URL must not leak into the tests."""
    for variable in list(os.environ):
        if variable.startswith("ORIENTA_TWILIO_") or variable == "ORIENTA_REDIS_URL":
            monkeypatch.delenv(variable)


@pytest.fixture
def rasa() -> RasaFalso:
    return RasaFalso()


@pytest.fixture
def ajustes() -> AjustesTwilio:
    return AjustesTwilio(auth_token=TOKEN, public_url=None, id_salt=SAL, timeout_s=5)


class Reloj:
    """Fake monotonic clock for the TTL caches."""

    def __init__(self) -> None:
        self.ahora = 1000.0

    def __call__(self) -> float:
        return self.ahora

    def avanzar(self, segundos: float) -> None:
        self.ahora += segundos


@pytest.fixture
def reloj() -> Reloj:
    return Reloj()


@pytest.fixture
def canal(ajustes: AjustesTwilio, reloj: Reloj) -> TwilioCanal:
    return TwilioCanal(ajustes, reloj=reloj)


async def _arrancar(app: Sanic) -> tuple[asyncio.Queue, asyncio.Task]:
    """Runs the ASGI lifespan startup (Sanic finalizes its routers there)."""
    cola: asyncio.Queue = asyncio.Queue()
    listo = asyncio.Event()

    async def enviar(mensaje: dict[str, Any]) -> None:
        if mensaje["type"] == "lifespan.startup.complete":
            listo.set()

    await cola.put({"type": "lifespan.startup"})
    tarea = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, cola.get, enviar)
    )
    await asyncio.wait_for(listo.wait(), timeout=10)
    return cola, tarea


async def _parar(cola: asyncio.Queue, tarea: asyncio.Task) -> None:
    await cola.put({"type": "lifespan.shutdown"})
    # Sanic 21.12 tries to handle the finished lifespan scope as a request; ignore that.
    with contextlib.suppress(AttributeError):
        await asyncio.wait_for(tarea, timeout=10)


@pytest.fixture
async def cliente_factory(
    rasa: RasaFalso, reloj: Reloj
) -> AsyncIterator[Callable[..., Awaitable[Cliente]]]:
    """Builds a Sanic app with the channel blueprint and returns an HTTP client for it."""
    abiertos: list[tuple[httpx.AsyncClient, asyncio.Queue, asyncio.Task]] = []

    async def crear(ajustes: AjustesTwilio | None = None, canal: TwilioCanal | None = None):
        canal = canal or TwilioCanal(ajustes, reloj=reloj)
        Sanic.test_mode = True
        app = Sanic(f"prueba_twilio_{uuid.uuid4().hex[:8]}", configure_logging=False)
        app.blueprint(canal.blueprint(rasa), url_prefix="/webhooks/" + canal.url_prefix())
        cola, tarea = await _arrancar(app)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        abiertos.append((http, cola, tarea))
        return Cliente(http)

    yield crear
    for http, cola, tarea in abiertos:
        await http.aclose()
        await _parar(cola, tarea)


@pytest.fixture
async def cliente(canal: TwilioCanal, cliente_factory) -> Cliente:
    return await cliente_factory(canal=canal)


@pytest.fixture(autouse=True)
def _sin_entregas(monkeypatch):
    """Pending-reply lookups hit a closed port (fail fast, no replies), never a running stack."""
    monkeypatch.setenv("ORIENTA_SERVICE_URL", "http://127.0.0.1:9")


@contextlib.contextmanager
def redis_vacio(url: str):
    """A client of the test Redis database at `url`, emptied before and after; skips the test,
    with the reason, when that Redis does not answer."""
    import redis

    cliente = redis.Redis.from_url(url, socket_connect_timeout=1, decode_responses=True)
    try:
        cliente.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis de pruebas no responde en {url} ({type(error).__name__})")
    cliente.flushdb()
    try:
        yield cliente
    finally:
        cliente.flushdb()
        cliente.close()


@pytest.fixture(autouse=True)
def _limites_frescos():
    """Each test starts with empty rate-limit buckets (one set per process)."""
    from channels import limites

    limites._LIMITES.clear()
    yield
    limites._LIMITES.clear()
