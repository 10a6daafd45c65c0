"""Rate limits of the REST and socket.io channels, per conversation and per client address.

Two buckets for every message (``bot/limites.py``): per conversation and per address; a message
that carries a folio or a CURP-shaped value (registration, status and deletion attempts) also
takes from two stricter ones. A limited message gets ``TEXTO_LIMITE`` or
``TEXTO_LIMITE_DATOS`` and never reaches Rasa: nothing of the conversation changes, so nothing
is lost and the person repeats the message later.

The address is the peer's, or the one a proxy listed in ``ORIENTA_PROXIES_CONFIABLES`` names in
``X-Forwarded-For`` (``bot/red.py``): a client cannot pick its own. Loopback addresses are
exempt from the per-address buckets (the console's Preguntar and the local test stacks talk to
Rasa from there); per-conversation buckets apply to everyone. The buckets live in the process:
behind nginx (``deploy/nginx/rasa-lb.conf``) one client address always reaches the same replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Optional

from pydantic import BaseSettings, Field, validator

from bot.limites import TEXTO_LIMITE, TEXTO_LIMITE_DATOS, Cubetas, Regla, es_intento_de_datos
from bot.red import Red, cliente_real, en_redes, leer_redes

__all__ = ["AjustesLimites", "Limites", "direccion_de", "limites"]


class AjustesLimites(BaseSettings):
    """Environment variables ``ORIENTA_LIMITE_*``; 0 turns a bucket off."""

    mensajes_minuto_conversacion: int = 30
    mensajes_minuto_direccion: int = 120
    datos_10min_conversacion: int = 8
    datos_10min_direccion: int = 30
    #: Addresses never limited per address (the web service's Preguntar, local stacks).
    exentas: str = "127.0.0.1,::1"
    proxies_confiables: Optional[str] = Field(  # noqa: UP045 (pydantic 1)
        None, env="ORIENTA_PROXIES_CONFIABLES"
    )

    class Config:
        env_prefix = "ORIENTA_LIMITE_"

    @validator("exentas", "proxies_confiables")
    def _redes_validas(cls, valor: Any) -> Any:
        leer_redes(valor or "")  # "*" or a typo stops Rasa at start-up
        return valor


class Limites:
    def __init__(
        self, ajustes: AjustesLimites | None = None, reloj: Callable[[], float] = time.monotonic
    ) -> None:
        a = ajustes or AjustesLimites()
        self.reloj = reloj
        self.exentas = leer_redes(a.exentas)
        self.proxies: tuple[Red, ...] = leer_redes(a.proxies_confiables or "")

        def cubetas(n: int, periodo: float) -> Cubetas | None:
            return Cubetas(Regla(n, periodo)) if n > 0 else None

        self._mensajes = (
            cubetas(a.mensajes_minuto_conversacion, 60),
            cubetas(a.mensajes_minuto_direccion, 60),
        )
        self._datos = (
            cubetas(a.datos_10min_conversacion, 600),
            cubetas(a.datos_10min_direccion, 600),
        )

    def revisar(self, conversacion: str, direccion: str, texto: str) -> str | None:
        """None if the message may go to Rasa, else the Spanish text to answer instead."""
        ahora = self.reloj()
        exenta = not direccion or en_redes(direccion, self.exentas)
        claves = (f"c:{conversacion}", None if exenta else f"d:{direccion}")
        if not self._tomar(self._mensajes, claves, ahora):
            return TEXTO_LIMITE
        if es_intento_de_datos(texto) and not self._tomar(self._datos, claves, ahora):
            return TEXTO_LIMITE_DATOS
        return None

    @staticmethod
    def _tomar(
        cubetas: tuple[Cubetas | None, Cubetas | None],
        claves: tuple[str, str | None],
        ahora: float,
    ) -> bool:
        permitido = True
        for cubeta, clave in zip(cubetas, claves, strict=True):
            if cubeta is not None and clave is not None:
                permitido = cubeta.permitir(clave, ahora) and permitido
        return permitido


def direccion_de(par: str | None, reenviado_por: str | None, lim: Limites) -> str:
    """The client's address as the limits see it (trusted proxies only)."""
    return cliente_real(par or "", reenviado_por, lim.proxies)


_LIMITES: list[Limites] = []


def limites() -> Limites:
    """The process's limits, built from the environment on first use."""
    if not _LIMITES:
        _LIMITES.append(Limites())
    return _LIMITES[0]
