"""The rules of a conversation a promoter has (bot/canalizacion.py)."""

import pytest

from bot import canalizacion as c


@pytest.mark.parametrize(
    "texto",
    [
        "MENÚ",
        "menu",
        "Menú.",
        "volver al asistente",
        "Volver al Asistente!",
        "salir",
        "salir con el asistente",
        "regresar al menú",
        "/ayuda_menu",
    ],
)
def test_pide_volver(texto):
    assert c.pide_volver(texto)


@pytest.mark.parametrize(
    "texto",
    ["no quiero salir", "¿cuál es el menú de pagos?", "gracias", "", None, "1", "salir a pagar"],
)
def test_no_pide_volver(texto):
    assert not c.pide_volver(texto)


@pytest.mark.parametrize(
    ("sender", "origen"),
    [
        ("consola-3-ab12", "consola"),
        ("e2e-1a2b3c4d", "prueba"),
        ("web-e2e-1a2b", "prueba"),
        ("bench-x1-0", "prueba"),
        ("carga-7-12", "prueba"),
        ("tw-0123456789abcdef0123", "real"),
        ("web-9f8e7d", "real"),
        ("luis", "real"),
        (None, "real"),
    ],
)
def test_origen_de_sender(sender, origen):
    assert c.origen_de_sender(sender) == origen


def test_id_externo():
    assert c.id_externo("web-s", "hola", "m-1", 5) == "c:m-1"
    base = c.id_externo("web-s", "hola", None, 5)
    assert base == c.id_externo("web-s", "hola", None, 5)  # a retry in the same minute
    assert base != c.id_externo("web-s", "hola", None, 6)
    assert base != c.id_externo("web-s", "hola!", None, 5)
    assert base != c.id_externo("web-t", "hola", None, 5)
    assert "hola" not in base


def test_textos_cortos_para_sms():
    for texto in (c.ACUSE, c.VUELTA, c.NO_SE_PASO):
        assert len(texto) <= 160
