"""`make bench-entrega`: how long a promoter's reply takes to reach a web chat (issue 17).

The embedded stack (action server, web service on SQLite, Rasa with the socket.io channel) and
N web chat users (python-socketio clients, as the widget talks). Each asks for a person; an admin
of the console (over HTTP, with its session and CSRF token) takes every case and replies R times;
the time from the console's POST to the ``bot_uttered`` that carries the reply in the chat is the
delivery latency (the socket.io channel polls the service every ~2 s). Prints p50/p95/max and
how many replies never arrived.

    python -m scripts.bench_entrega [--personas 10] [--respuestas 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import statistics
import time
import uuid

from scripts import model_cache, stack
from scripts.consola_http import ConsolaHttp

RASA_PORT, ACTIONS_PORT, WEB_PORT = 5805, 5855, 5880
ESPERA_S = 30.0


class Chat:
    """One web chat user: a socket.io session; the times at which each text arrived."""

    def __init__(self) -> None:
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        self.sesion = f"bench-{uuid.uuid4().hex[:10]}"
        self.llegadas: list[tuple[float, str]] = []
        self.nuevo = asyncio.Event()
        confirmada = self._confirmada = asyncio.Event()

        @self.sio.on("session_confirm")
        async def _confirm(_datos):
            confirmada.set()

        @self.sio.on("bot_uttered")
        async def _bot(datos):
            self.llegadas.append((time.perf_counter(), str(datos.get("text") or "")))
            self.nuevo.set()

    async def abrir(self) -> None:
        # Long polling, as in tests/e2e: engineio's websocket needs a newer aiohttp than Rasa's.
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

    async def esperar_texto(self, contiene: str, desde: float) -> float | None:
        """When a text with ``contiene`` arrived after ``desde``; None after ESPERA_S."""
        limite = desde + ESPERA_S
        while time.perf_counter() < limite:
            for cuando, texto in self.llegadas:
                if cuando >= desde and contiene in texto:
                    return cuando
            self.nuevo.clear()
            try:
                await asyncio.wait_for(self.nuevo.wait(), max(0.01, limite - time.perf_counter()))
            except asyncio.TimeoutError:
                break
        return None


async def abrir_caso(chat: Chat) -> int:
    await chat.abrir()
    inicio = time.perf_counter()
    await chat.decir("/pedir_humano")
    if await chat.esperar_texto("solicitud", inicio) is None:
        raise RuntimeError("el asistente no abrió el caso")
    texto = next(t for _, t in chat.llegadas if "solicitud" in t)
    return int(re.search(r"solicitud (\d+)", texto).group(1))


async def medir(personas: int, respuestas: int, consola: ConsolaHttp) -> tuple[list[float], int]:
    chats = [Chat() for _ in range(personas)]
    tickets = await asyncio.gather(*(abrir_caso(c) for c in chats))
    for ticket in tickets:
        r = await asyncio.to_thread(consola.enviar, f"/consola/canalizaciones/{ticket}/tomar")
        assert r.status_code in (200, 303), r.status_code
    latencias, perdidas = [], 0
    rnd = random.Random(17)
    for vuelta in range(respuestas):
        for chat, ticket in zip(chats, tickets, strict=True):
            # A random phase against the channel's 2 s poll.
            await asyncio.sleep(rnd.uniform(0, 2))
            marca = f"respuesta {vuelta}-{ticket}-{uuid.uuid4().hex[:6]}"
            inicio = time.perf_counter()
            r = await asyncio.to_thread(
                consola.enviar, f"/consola/canalizaciones/{ticket}/responder", texto=marca
            )
            assert r.status_code in (200, 303), r.status_code
            llegada = await chat.esperar_texto(marca, inicio)
            if llegada is None:
                perdidas += 1
            else:
                latencias.append((llegada - inicio) * 1000)
    informar(personas, latencias, perdidas)
    # python-socketio's polling client can hang on disconnect: the numbers are already out.
    for chat in chats:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(chat.sio.disconnect(), 5)
    return latencias, perdidas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--personas", type=int, default=10)
    ap.add_argument("--respuestas", type=int, default=3)
    args = ap.parse_args()
    tmp = stack.VAR / "bench-entrega"
    tmp.mkdir(parents=True, exist_ok=True)
    base = tmp / "entrega.db"
    base.unlink(missing_ok=True)
    env = stack.entorno_base()
    env["DATABASE_URL"] = f"sqlite:///{base}"
    env["ORIENTA_SERVICE_URL"] = f"http://127.0.0.1:{WEB_PORT}"
    env["ORIENTA_RASA_URL"] = env["ORIENTA_RASA_PUBLIC_URL"] = f"http://127.0.0.1:{RASA_PORT}"
    corriendo = stack.Pila(log_dir=tmp)
    try:
        stack.iniciar_acciones(corriendo, env, ACTIONS_PORT)
        stack.iniciar_web(corriendo, env, WEB_PORT)
        endpoints = stack.archivo_endpoints(tmp, ACTIONS_PORT)
        stack.iniciar_rasa(
            corriendo, env, model_cache.ensure_model(), RASA_PORT, endpoints=str(endpoints)
        )
        consola = ConsolaHttp(f"http://127.0.0.1:{WEB_PORT}", env["DATABASE_URL"], rol="admin")
        asyncio.run(medir(args.personas, args.respuestas, consola))
    finally:
        corriendo.stop()


def informar(personas: int, latencias: list[float], perdidas: int) -> None:
    q = statistics.quantiles(latencias, n=100, method="inclusive") if len(latencias) > 1 else []
    print(
        f"respuestas de promotora a {personas} chats web: {len(latencias)} entregadas, "
        f"{perdidas} sin llegar en {ESPERA_S:.0f} s; latencia p50 {q[49]:.0f} ms, "
        f"p95 {q[94]:.0f} ms, máx {max(latencias):.0f} ms"
        if q
        else f"sin medidas ({perdidas} sin llegar)",
        flush=True,
    )


if __name__ == "__main__":
    main()
