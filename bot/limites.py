"""Rate limits of the chat channels: token buckets per key, and what counts as an attempt at
someone's data (a message carrying a folio or a CURP-shaped value).

Pure and in memory; ``channels/limites.py`` applies them to REST and socket.io per conversation
and per client address. A limited message is answered with a fixed Spanish text and never
reaches the model, so the conversation (a half-filled form included) is exactly as it was.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from bot.folio import FOLIO_EN_TEXTO

__all__ = [
    "TEXTO_LIMITE",
    "TEXTO_LIMITE_DATOS",
    "Cubetas",
    "Regla",
    "es_intento_de_datos",
]

TEXTO_LIMITE = (
    "Estás enviando mensajes muy rápido. Espera un minuto y vuelve a escribir tu mensaje; "
    "no perdí nada de lo que ya me diste."
)
TEXTO_LIMITE_DATOS = (
    "Por seguridad, pausé los intentos con folios y CURP por unos minutos. Espera 10 minutos "
    "y vuelve a intentarlo, o escribe PROMOTOR para que una persona te ayude. "
    "No perdí nada de lo que ya me diste."
)

# A CURP-shaped value (4 letters + 6 digits + up to 8 more), valid or not: trying many of them
# is how one would guess someone's registration (status and deletion need folio + CURP).
_CURP = re.compile(r"(?i)\b[a-zñ]{4}\d{6}[a-z0-9]{0,8}\b")


def es_intento_de_datos(texto: str) -> bool:
    """True if the message carries a folio or a CURP-shaped value (registration, status or
    deletion attempts)."""
    compacto = texto or ""
    return bool(FOLIO_EN_TEXTO.search(compacto.upper()) or _CURP.search(compacto))


@dataclass(frozen=True)
class Regla:
    """``capacidad`` messages at once, refilled at ``capacidad`` per ``periodo_s`` seconds."""

    capacidad: float
    periodo_s: float

    @property
    def por_segundo(self) -> float:
        return self.capacidad / self.periodo_s


class Cubetas:
    """One token bucket per key, at most ``max_claves`` keys (the least recently used go)."""

    def __init__(self, regla: Regla, max_claves: int = 50_000) -> None:
        self.regla, self.max_claves = regla, max_claves
        self._cubetas: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def permitir(self, clave: str, ahora: float) -> bool:
        """Takes one token for ``clave`` if there is one."""
        fichas, antes = self._cubetas.pop(clave, (self.regla.capacidad, ahora))
        fichas = min(
            self.regla.capacidad, fichas + max(0.0, ahora - antes) * self.regla.por_segundo
        )
        permitido = fichas >= 1.0
        self._cubetas[clave] = (fichas - 1.0 if permitido else fichas, ahora)
        while len(self._cubetas) > self.max_claves:
            self._cubetas.popitem(last=False)
        return permitido
