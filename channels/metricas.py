"""Rasa event broker that feeds the console's statistics (``POST /v1/metricas``).

endpoints.yml::

    event_broker:
      type: channels.metricas.BrokerMetricas

``publish`` is called synchronously on Rasa's event loop for every tracker event, so it only runs
``bot.analitica.Analizador`` (masking happens there, before anything is buffered) and appends to a
bounded in-memory buffer. A daemon thread sends the buffer in batches with a synchronous httpx
client. A thread rather than an asyncio task because Rasa 3.6 builds custom brokers through
``from_endpoint_config(config)`` without passing a loop, from different loops depending on the
command (``rasa run`` uses Sanic's, ``rasa shell`` and scripts their own); a thread does not depend
on which loop is alive, and a slow or absent service can never stall the assistant.

Delivery is best effort: on failure the batch stays at the head of the buffer and is retried with
backoff; when the buffer is full the oldest records are dropped and only their count is logged.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import threading
from collections import deque
from typing import Any

import httpx
from rasa.core.brokers.broker import EventBroker

from bot.analitica import Analizador

logger = logging.getLogger("orienta.metricas")

URL_POR_OMISION = "http://localhost:8000"
RUTA = "/v1/metricas"


class BrokerMetricas(EventBroker):
    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        lote_max: int = 200,
        umbral_envio: int = 100,
        intervalo: float = 2.0,
        max_buffer: int = 5000,
        timeout: float = 3.0,
        espera_max: float = 60.0,
        max_bytes: int = 15_000,
        iniciar_hilo: bool = True,
    ) -> None:
        base = url or os.environ.get("ORIENTA_SERVICE_URL") or URL_POR_OMISION
        self.url = base.rstrip("/") + RUTA
        self._api_key = (
            api_key if api_key is not None else os.environ.get("ORIENTA_ASSISTANT_API_KEY", "")
        )
        if not self._api_key:
            logger.warning("métricas: falta ORIENTA_ASSISTANT_API_KEY; el servicio las rechazará")
        self.lote_max, self.umbral_envio, self.intervalo = lote_max, umbral_envio, intervalo
        self.max_buffer, self.timeout, self.espera_max = max_buffer, timeout, espera_max
        # The service rejects bodies over ORIENTA_MAX_BODY_BYTES (16 KiB by default) with 413,
        # so a batch is also cut by size: about 70 plain records, at least 14 with full texts.
        self.max_bytes = max_bytes
        self.analizador = Analizador()
        # (sequence number, record): the number lets a sender remove exactly what it sent even
        # if the oldest records were dropped meanwhile.
        self._buffer: deque[tuple[int, dict]] = deque()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._despertar = threading.Event()
        self._parar = threading.Event()
        self._envio = threading.Lock()  # one sender at a time (thread or close())
        self.descartados = 0
        self.enviados = 0
        self._client: httpx.Client | None = None
        self._hilo: threading.Thread | None = None
        self._iniciar_hilo = iniciar_hilo

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Any, event_loop: asyncio.AbstractEventLoop | None = None
    ) -> BrokerMetricas | None:
        if broker_config is None:
            return None
        kwargs = dict(getattr(broker_config, "kwargs", None) or {})
        claves = ("lote_max", "umbral_envio", "intervalo", "max_bytes")
        opciones = {k: kwargs[k] for k in claves if k in kwargs}
        return cls(url=getattr(broker_config, "url", None) or kwargs.get("url"), **opciones)

    # -------------------------------------------------------------- Rasa side (event loop)
    def publish(self, event: dict[str, Any]) -> None:
        try:
            registros = self.analizador.procesar(event)
            if registros:
                self._encolar(registros)
        except Exception:  # noqa: BLE001 - never break a conversation over metrics
            logger.exception("métricas: no se pudo procesar un evento")

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        self._parar.set()
        self._despertar.set()
        hilo = self._hilo
        if hilo is not None:
            await asyncio.to_thread(hilo.join, self.timeout + 1)
        # One last attempt for whatever is left (the thread may have stopped mid-backoff).
        await asyncio.to_thread(self.vaciar)
        if self._client is not None:
            self._client.close()
            self._client = None

    # -------------------------------------------------------------- buffer
    def _encolar(self, registros: list[dict]) -> None:
        with self._lock:
            for registro in registros:
                if len(self._buffer) >= self.max_buffer:
                    self._buffer.popleft()
                    self.descartados += 1
                self._buffer.append((next(self._seq), registro))
            pendientes = len(self._buffer)
        if self._iniciar_hilo and self._hilo is None:
            self._arrancar()
        if pendientes >= self.umbral_envio:
            self._despertar.set()

    def pendientes(self) -> int:
        with self._lock:
            return len(self._buffer)

    def _arrancar(self) -> None:
        with self._lock:
            if self._hilo is not None or self._parar.is_set():
                return
            self._hilo = threading.Thread(target=self._bucle, name="orienta-metricas", daemon=True)
        self._hilo.start()

    # -------------------------------------------------------------- sender (thread)
    def _bucle(self) -> None:
        espera = self.intervalo
        while not self._parar.is_set():
            self._despertar.wait(espera)
            self._despertar.clear()
            if self._parar.is_set():
                break
            espera = self.intervalo if self.vaciar() else min(espera * 2, self.espera_max)

    def vaciar(self) -> bool:
        """Send every buffered record in batches; False at the first failed batch."""
        with self._envio:
            descartados, self.descartados = self.descartados, 0
            if descartados:
                logger.warning("métricas: se descartaron %d registros (búfer lleno)", descartados)
            while True:
                lote, cuerpo = self._siguiente_lote()
                if not lote:
                    return True
                resultado = self._enviar(cuerpo, len(lote))
                if resultado == "reintentar":
                    return False
                ultimo = lote[-1][0]
                with self._lock:
                    while self._buffer and self._buffer[0][0] <= ultimo:
                        self._buffer.popleft()
                if resultado == "ok":
                    self.enviados += len(lote)

    def _siguiente_lote(self) -> tuple[list[tuple[int, dict]], bytes]:
        """Oldest records, at most ``lote_max`` of them and ``max_bytes`` of JSON."""
        with self._lock:
            candidatos = list(itertools.islice(self._buffer, self.lote_max))
        lote, partes, tam = [], [], 2
        for item in candidatos:
            parte = json.dumps(item[1], ensure_ascii=False, separators=(",", ":")).encode()
            if lote and tam + len(parte) + 1 > self.max_bytes:
                break
            lote.append(item)
            partes.append(parte)
            tam += len(parte) + 1
        return lote, b"[" + b",".join(partes) + b"]"

    def _enviar(self, cuerpo: bytes, n: int) -> str:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        try:
            resp = self._client.post(
                self.url,
                content=cuerpo,
                headers={"X-API-Key": self._api_key, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as error:
            logger.warning(
                "métricas: servicio no disponible (%s); se reintentará", type(error).__name__
            )
            return "reintentar"
        if resp.status_code < 300:
            return "ok"
        if resp.status_code in (400, 413, 422):
            # The batch itself is wrong: retrying it forever would block everything behind it.
            logger.error(
                "métricas: el servicio rechazó un lote de %d registros (HTTP %d)",
                n,
                resp.status_code,
            )
            return "descartar"
        logger.warning("métricas: HTTP %d al enviar; se reintentará", resp.status_code)
        return "reintentar"
