"""A live conversation between a web chat user and a promoter, on the real stack (issue 17):
action server + Rasa (trained model, socket.io channel) + the web service with its console.

The user (a python-socketio client, as the widget talks) asks for a person; a promoter (the
console over HTTP, with her session and CSRF token) takes the case and replies; the reply reaches
the chat without the user writing; the user's answer appears in the case's thread and not to the
bot; closing the case gives the conversation back to the bot.
"""

from __future__ import annotations

import asyncio
import html
import re
import socket
import uuid

import pytest

from bot import canalizacion as reglas
from scripts import model_cache, stack
from scripts.consola_http import ConsolaHttp

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT = 5215, 5265
ESPERA_S = 60  # Rasa's first answer may take a while; the live poll runs every ~2 s
RESPUESTA = "Hola, soy Ana de la Ventanilla de Salud. ¿En qué te ayudo?"
PREGUNTA = "Quiero saber si mi esposa puede entrar conmigo"
DESPUES = "¿Cuánto cuesta al mes?"


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pila(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("en_vivo")
    endpoints = stack.archivo_endpoints(tmp, ACTIONS_PORT)
    corriendo = stack.Pila(log_dir=tmp)
    env = stack.entorno_base()
    base_datos = f"sqlite:///{tmp / 'en_vivo.db'}"
    env["DATABASE_URL"] = base_datos
    puerto = puerto_libre()
    env["ORIENTA_SERVICE_URL"] = f"http://127.0.0.1:{puerto}"
    env["ORIENTA_RASA_URL"] = f"http://127.0.0.1:{RASA_PORT}"
    env["ORIENTA_RASA_PUBLIC_URL"] = f"http://127.0.0.1:{RASA_PORT}"
    try:
        stack.iniciar_acciones(corriendo, env, ACTIONS_PORT)
        stack.iniciar_web(corriendo, env, puerto)  # runs the migrations first
        stack.iniciar_rasa(
            corriendo, env, model_cache.ensure_model(), RASA_PORT, endpoints=str(endpoints)
        )
        yield {"web": f"http://127.0.0.1:{puerto}", "db": base_datos}
    finally:
        corriendo.stop()


class Chat:
    """The web chat user: one socket.io session, every ``bot_uttered`` in a queue."""

    def __init__(self) -> None:
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        self.sesion = f"e2e-{uuid.uuid4().hex[:10]}"
        self.recibidos: asyncio.Queue[dict] = asyncio.Queue()
        self.vistos: list[dict] = []
        confirmada = asyncio.Event()
        self._confirmada = confirmada

        @self.sio.on("session_confirm")
        async def _confirm(_datos):
            confirmada.set()

        @self.sio.on("bot_uttered")
        async def _bot(datos):
            self.vistos.append(datos)
            await self.recibidos.put(datos)

    async def abrir(self) -> None:
        # Long polling: engineio's websocket transport needs aiohttp >= 3.10 (Rasa pins 3.9).
        await self.sio.connect(
            f"http://127.0.0.1:{RASA_PORT}", socketio_path="/socket.io", transports=["polling"]
        )
        await self.sio.emit("session_request", {"session_id": self.sesion})
        await asyncio.wait_for(self._confirmada.wait(), ESPERA_S)

    async def decir(self, texto: str) -> None:
        await self.sio.emit(
            "user_uttered",
            {"message": texto, "session_id": self.sesion, "id_mensaje": uuid.uuid4().hex},
        )

    async def esperar(self, cumple) -> dict:
        """The next message that ``cumple``; the transcript is in the failure message."""

        async def buscar():
            while True:
                datos = await self.recibidos.get()
                if cumple(datos):
                    return datos

        try:
            return await asyncio.wait_for(buscar(), ESPERA_S)
        except asyncio.TimeoutError:
            pytest.fail(f"no llegó el mensaje esperado; el chat recibió: {self.vistos}")

    async def cerrar(self) -> None:
        await self.sio.disconnect()


def de_promotora(datos: dict) -> bool:
    return (datos.get("metadata") or {}).get("autor") == "promotor"


def texto(datos: dict) -> str:
    return str(datos.get("text") or "")


async def test_conversacion_en_vivo_con_una_promotora(pila):
    consola = await asyncio.to_thread(ConsolaHttp, pila["web"], pila["db"], "admin")
    chat = Chat()
    await chat.abrir()
    try:
        # 1. The user asks for a person: a case is opened and the bot says what happens next.
        await chat.decir("/pedir_humano")
        creada = await chat.esperar(lambda d: "solicitud" in texto(d))
        assert "horario de oficina del consulado" in texto(creada)
        ticket = int(re.search(r"solicitud (\d+)", texto(creada)).group(1))

        # 2. The promoter takes it and replies; it arrives without the user writing.
        r = await asyncio.to_thread(consola.enviar, f"/consola/canalizaciones/{ticket}/tomar")
        assert r.status_code == 303, r.text
        r = await asyncio.to_thread(
            consola.enviar, f"/consola/canalizaciones/{ticket}/responder", texto=RESPUESTA
        )
        assert r.status_code == 303, r.text
        respuesta = await chat.esperar(de_promotora)
        assert texto(respuesta) == RESPUESTA
        assert respuesta["metadata"]["rol"] == reglas.ROL_PROMOTOR
        assert respuesta["metadata"]["nombre"]

        # 3. The user's answer goes to the case's thread, not to the bot: one acknowledgement.
        await chat.decir(PREGUNTA)
        acuse = await chat.esperar(lambda d: texto(d) or d.get("metadata"))
        assert texto(acuse) == reglas.ACUSE
        hilo = await asyncio.to_thread(consola.get, f"/consola/canalizaciones/{ticket}")
        assert PREGUNTA in html.unescape(hilo)

        # 4. Closing the case gives the conversation back to the bot.
        r = await asyncio.to_thread(
            consola.enviar, f"/consola/canalizaciones/{ticket}/cerrar", motivo="resuelta"
        )
        assert r.status_code == 303, r.text
        await chat.decir(DESPUES)
        # (The closing notice, if the service sends one, comes from the promoter's side.)
        del_bot = await chat.esperar(lambda d: bool(texto(d)) and not de_promotora(d))
        assert not de_promotora(del_bot)
        assert texto(del_bot) != reglas.ACUSE
        hilo = await asyncio.to_thread(consola.get, f"/consola/canalizaciones/{ticket}")
        assert DESPUES not in html.unescape(hilo)
    finally:
        await chat.cerrar()
        await asyncio.to_thread(consola.close)
