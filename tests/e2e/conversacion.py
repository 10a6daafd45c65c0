"""Shared by the end-to-end tests: the flow stack on a module's own ports, and one person on
the REST channel."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from scripts.bench_registro import PilaFlujo, iniciar_pila_flujo


def flujo_en_puertos(
    work_dir: Path, rasa: int, acciones: int, servicio: int
) -> Iterator[PilaFlujo]:
    """Body of a module-scoped fixture: Rasa + actions + service, stopped at the end.

    ORIENTA_E2E_MODEL picks a model; by default the cached model of the current data."""
    model = os.environ.get("ORIENTA_E2E_MODEL")
    running = iniciar_pila_flujo(
        work_dir, rasa, acciones, servicio, model=Path(model) if model else None
    )
    try:
        yield running
    finally:
        running.stop()


class Conversacion:
    """Sends messages as one sender; keeps the transcript, which a failed assert shows."""

    def __init__(self, url: str, prefijo: str = "e2e", timeout: float = 60):
        self.url, self.sender = url, f"{prefijo}-{uuid.uuid4().hex[:8]}"
        self.timeout = timeout
        self.transcript: list[tuple[str, list[str]]] = []

    def __call__(self, message: str) -> list[str]:
        response = httpx.post(
            self.url, json={"sender": self.sender, "message": message}, timeout=self.timeout
        )
        assert response.status_code == 200, (response.status_code, response.text)
        textos = [m.get("text") or "" for m in response.json()]
        self.transcript.append((message, textos))
        return textos

    def __repr__(self) -> str:  # what a failed assert shows: the conversation so far
        lines = [f"conversación {self.sender}:"]
        for message, replies in self.transcript:
            lines += [f"  > {message}", *(f"    < {t}" for t in replies)]
        return "\n".join(lines)


def texts(domain: dict, name: str) -> list[str]:
    """The texts of response `name` in domain.yml."""
    return [v["text"] for v in domain["responses"][name]]


def _respuesta(entrada: str, texto) -> str:
    from bot import conocimiento, temas
    from bot.tiempo import ahora_utc, dia_en_mexico

    valores = conocimiento.valores_del_anio(dia_en_mexico(ahora_utc()))
    return texto(temas.entradas()[entrada], valores)


def corta(entrada: str) -> str:
    """The short answer of a knowledge-base entry as the bot gives it today."""
    from bot import conocimiento

    return _respuesta(entrada, conocimiento.texto_corto)


def detalle(entrada: str) -> str:
    """The detailed answer ("más") of a knowledge-base entry as the bot gives it today."""
    from bot import conocimiento

    return _respuesta(entrada, conocimiento.texto_detalle)
