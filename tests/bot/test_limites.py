"""bot/limites.py: token buckets and what counts as an attempt at someone's data."""

from __future__ import annotations

import pytest

from bot.limites import (
    TEXTO_LIMITE,
    TEXTO_LIMITE_DATOS,
    Cubetas,
    Regla,
    es_intento_de_datos,
)


def test_bucket_allows_a_burst_then_refills():
    cubetas = Cubetas(Regla(3, 60))
    assert [cubetas.permitir("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert cubetas.permitir("b", 0.0)  # other keys have their own bucket
    assert not cubetas.permitir("a", 10.0)  # 0.5 token after 10 s
    assert cubetas.permitir("a", 20.0)  # one token every 20 s


def test_bucket_keeps_a_bounded_number_of_keys():
    cubetas = Cubetas(Regla(1, 60), max_claves=2)
    for clave in "abc":
        cubetas.permitir(clave, 0.0)
    assert len(cubetas._cubetas) == 2


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        ("mi folio es OR-7K2M9P4QXZ", True),
        ("HEGG560427MVZRRL04", True),
        ("hegg560427", True),  # partial or invalid ones count too
        ("¿cuánto cuesta?", False),
        ("gano 15 mil", False),
    ],
)
def test_data_attempts(texto, esperado):
    assert es_intento_de_datos(texto) is esperado


def test_texts_are_sms_sized_and_say_nothing_is_lost():
    for texto in (TEXTO_LIMITE, TEXTO_LIMITE_DATOS):
        assert len(texto) <= 320 and "No perdí nada" in texto.replace("no perdí", "No perdí")
