"""The client's address behind proxies: ``X-Forwarded-For`` believed only from a trusted one.

Used by the web service (console login delays, ``servicio/inscripcion/proxy.py``) and by the
Rasa channels (rate limits per address, ``channels/limites.py``). ``ORIENTA_PROXIES_CONFIABLES``
lists the trusted proxies (addresses or CIDRs, comma-separated); never "*".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["Red", "cliente_real", "en_redes", "leer_redes"]

Red = ipaddress.IPv4Network | ipaddress.IPv6Network


def leer_redes(valor: str | Iterable[str]) -> tuple[Red, ...]:
    """'10.0.0.0/8, 127.0.0.1' → networks; raises ValueError on a malformed entry (e.g. "*")."""
    partes = valor.split(",") if isinstance(valor, str) else list(valor)
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in partes if p.strip())


def en_redes(direccion: str, redes: tuple[Red, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(direccion.strip())
    except ValueError:
        return False
    return any(ip in red for red in redes)


def cliente_real(par: str, reenviado_por: str | None, redes: tuple[Red, ...]) -> str:
    """The client's address: the peer itself unless the peer is a trusted proxy; then the
    right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy."""
    if not redes or not en_redes(par, redes) or not reenviado_por:
        return par
    saltos = [d.strip() for d in reenviado_por.split(",") if d.strip()]
    for direccion in reversed(saltos):
        if not en_redes(direccion, redes):
            try:
                return str(ipaddress.ip_address(direccion))
            except ValueError:
                return par  # garbage from the proxy chain: keep the peer
    return saltos[0] if saltos else par
