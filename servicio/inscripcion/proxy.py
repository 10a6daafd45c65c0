"""The client's real address and scheme, taken from ``X-Forwarded-*`` only when the peer is a
configured proxy (``ORIENTA_PROXIES_CONFIABLES``: addresses or CIDRs, comma-separated).

The console throttles logins per address; if any peer could set ``X-Forwarded-For`` an attacker
would get a fresh address per request. uvicorn runs with ``--no-proxy-headers`` in deploy/, so
this middleware is the one place that reads those headers: from a trusted peer, the client is
the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Red = ipaddress.IPv4Network | ipaddress.IPv6Network


def leer_redes(valor: str | Iterable[str]) -> tuple[Red, ...]:
    """'10.0.0.0/8, 127.0.0.1' → networks; raises ValueError on a malformed entry."""
    partes = valor.split(",") if isinstance(valor, str) else list(valor)
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in partes if p.strip())


def _en(direccion: str, redes: tuple[Red, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(direccion.strip())
    except ValueError:
        return False
    return any(ip in red for red in redes)


def cliente_real(par: str, reenviado_por: str | None, redes: tuple[Red, ...]) -> str:
    """The client's address: the peer itself unless the peer is a trusted proxy."""
    if not redes or not _en(par, redes) or not reenviado_por:
        return par
    saltos = [d.strip() for d in reenviado_por.split(",") if d.strip()]
    for direccion in reversed(saltos):
        if not _en(direccion, redes):
            try:
                return str(ipaddress.ip_address(direccion))
            except ValueError:
                return par  # garbage from the proxy chain: keep the peer
    return saltos[0] if saltos else par


class ClienteReal:
    """ASGI middleware: sets ``scope["client"]`` (and ``scheme``) from a trusted proxy only."""

    def __init__(self, app: Any, redes: tuple[Red, ...]) -> None:
        self.app, self.redes = app, redes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.redes:
            cliente = scope.get("client")
            par = cliente[0] if cliente else ""
            if _en(par, self.redes):
                cabeceras = dict(scope.get("headers") or [])
                xff = cabeceras.get(b"x-forwarded-for", b"").decode("latin-1")
                proto = cabeceras.get(b"x-forwarded-proto", b"").decode("latin-1").strip()
                scope = dict(scope)
                scope["client"] = (cliente_real(par, xff, self.redes), 0)
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
