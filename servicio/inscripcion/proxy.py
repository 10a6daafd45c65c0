"""The client's real address and scheme, taken from ``X-Forwarded-*`` only when the peer is a
configured proxy (``ORIENTA_PROXIES_CONFIABLES``: addresses or CIDRs, comma-separated).

The console throttles logins per address; if any peer could set ``X-Forwarded-For`` an attacker
would get a fresh address per request. uvicorn runs with ``--no-proxy-headers`` in deploy/, so
this middleware is the one place that reads those headers: from a trusted peer, the client is
the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

from typing import Any

from bot.red import Red, cliente_real, en_redes, leer_redes

__all__ = ["ClienteReal", "cliente_real", "leer_redes"]


class ClienteReal:
    """ASGI middleware: sets ``scope["client"]`` (and ``scheme``) from a trusted proxy only."""

    def __init__(self, app: Any, redes: tuple[Red, ...]) -> None:
        self.app, self.redes = app, redes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.redes:
            cliente = scope.get("client")
            par = cliente[0] if cliente else ""
            if en_redes(par, self.redes):
                cabeceras = dict(scope.get("headers") or [])
                xff = cabeceras.get(b"x-forwarded-for", b"").decode("latin-1")
                proto = cabeceras.get(b"x-forwarded-proto", b"").decode("latin-1").strip()
                scope = dict(scope)
                scope["client"] = (cliente_real(par, xff, self.redes), 0)
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
