"""servicio/inscripcion/proxy.py: X-Forwarded-* believed only from a configured proxy."""

from __future__ import annotations

import pytest

from servicio.inscripcion.proxy import ClienteReal, cliente_real, leer_redes

REDES = leer_redes("10.0.0.0/8, 127.0.0.1")


@pytest.mark.parametrize(
    ("par", "xff", "esperado"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a proxy: its header is ignored
        ("10.1.2.3", "198.51.100.7", "198.51.100.7"),  # the ingress names the client
        ("10.1.2.3", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # spoofed left part ignored
        ("10.1.2.3", "198.51.100.7, 10.4.4.4", "198.51.100.7"),  # two proxies
        ("10.1.2.3", "", "10.1.2.3"),
        ("10.1.2.3", "basura", "10.1.2.3"),
    ],
)
def test_cliente_real(par, xff, esperado):
    assert cliente_real(par, xff, REDES) == esperado


def test_sin_proxies_configurados_nada_se_cree():
    assert cliente_real("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"


def test_redes_malformadas():
    with pytest.raises(ValueError):
        leer_redes("*")


async def test_middleware_cambia_cliente_y_esquema_solo_desde_el_proxy():
    vistos = []

    async def app(scope, receive, send):
        vistos.append((scope["client"][0], scope["scheme"]))

    mw = ClienteReal(app, REDES)
    cabeceras = [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")]
    for par in ("10.1.2.3", "203.0.113.9"):
        scope = {"type": "http", "client": (par, 1234), "scheme": "http", "headers": cabeceras}
        await mw(scope, None, None)
    assert vistos == [("198.51.100.7", "https"), ("203.0.113.9", "http")]
