"""Where a Rasa turn spends its CPU: cProfile of ``Agent.handle_text`` in-process (no HTTP), with
the real action server, over FAQ questions in three conversations.

    python -m scripts.perfil_turno              # with channels/parches_rasa.py installed
    python -m scripts.perfil_turno --sin-parche # Rasa as shipped, for comparison
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import subprocess
import sys
import time

from scripts import model_cache, stack

PREGUNTAS = ["hola", "cuanto cuesta", "que cubre el seguro", "quien puede inscribirse", "como pago"]
PUERTO_ACCIONES = 5799


async def perfilar(conversaciones: int, lineas: int) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    accion = EndpointConfig(f"http://127.0.0.1:{PUERTO_ACCIONES}/webhook")
    agent = await load_agent(
        model_path=str(model_cache.ensure_model()), endpoints=AvailableEndpoints(action=accion)
    )
    for texto in PREGUNTAS:  # warm-up: TensorFlow graphs, caches
        await agent.handle_text(texto, sender_id="calentamiento")
    perfil = cProfile.Profile()
    inicio = time.perf_counter()
    perfil.enable()
    for n in range(conversaciones):
        for texto in PREGUNTAS:
            await agent.handle_text(texto, sender_id=f"perfil-{n}")
    perfil.disable()
    mensajes = conversaciones * len(PREGUNTAS)
    print(f"{(time.perf_counter() - inicio) / mensajes * 1000:.0f} ms por mensaje ({mensajes})")
    salida = io.StringIO()
    pstats.Stats(perfil, stream=salida).sort_stats("cumulative").print_stats(lineas)
    print(salida.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sin-parche", action="store_true")
    ap.add_argument("--conversaciones", type=int, default=4)
    ap.add_argument("--lineas", type=int, default=30)
    args = ap.parse_args()
    if not args.sin_parche:
        from channels import parches_rasa

        parches_rasa.instalar()
    acciones = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(PUERTO_ACCIONES)],
        cwd=stack.ROOT,
        env=stack.entorno_base(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                import httpx

                if httpx.get(f"http://127.0.0.1:{PUERTO_ACCIONES}/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        asyncio.run(perfilar(args.conversaciones, args.lineas))
    finally:
        acciones.terminate()


if __name__ == "__main__":
    main()
