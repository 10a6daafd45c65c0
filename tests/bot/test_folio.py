import pytest

from bot.folio import (
    ALFABETO,
    FOLIO_EN_TEXTO,
    LARGO,
    PREFIJO,
    es_folio,
    hay_folio,
    normalizar_folio,
    nuevo_folio,
)
from bot.validacion import ErrorValidacion

FOLIO = "OR-7K2M9QX4TB"


def test_nuevo_folio_has_the_prefix_and_10_crockford_characters():
    folios = {nuevo_folio() for _ in range(200)}
    assert len(folios) == 200
    for folio in folios:
        assert folio.startswith(PREFIJO) and len(folio) == len(PREFIJO) + LARGO
        assert set(folio[len(PREFIJO) :]) <= set(ALFABETO)
        assert es_folio(folio) and normalizar_folio(folio) == folio


def test_alfabeto_is_crockford_base_32():
    assert len(ALFABETO) == 32 and not set("ILOU") & set(ALFABETO)


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [
        (FOLIO, True),
        ("or-7k2m9qx4tb", False),  # only the stored form
        ("OR-7K2M9QX4TU", False),  # U is not Crockford
        ("OR-7K2M9QX4T", False),
        ("ORI-2026-000123", False),
        ("GOCR850312HJCMRR00", False),
        (None, False),
    ],
)
def test_es_folio(texto, esperado):
    assert es_folio(texto) is esperado


def test_folio_en_texto_finds_it_in_an_answer():
    encontrado = FOLIO_EN_TEXTO.search(f"Listo. Tu folio es {FOLIO}.\nGuárdalo.")
    assert encontrado and encontrado.group(0) == FOLIO
    assert FOLIO_EN_TEXTO.search("Tu folio es OR-7K2M9QX4TU") is None


@pytest.mark.parametrize(
    ("texto", "esperado"),
    [("quiero ver mi folio or 7k2m9qx4tb", True), ("mi folio es OR-123", False), ("hola", False)],
)
def test_hay_folio(texto, esperado):
    assert hay_folio(texto) is esperado


@pytest.mark.parametrize(
    "text",
    [
        "OR-7K2M9QX4TB",
        "or-7k2m9qx4tb",
        " or 7k2m 9qx4tb ",
        "OR7K2M9QX4TB",
        "7K2M9QX4TB",
        "or-7k2m9qx4tb.",
        "Mi folio es OR-7K2M9QX4TB",
        "OR-7K2M9QX4TB gracias",
    ],
)
def test_normalizar_folio_accepts_common_ways_of_writing_it(text):
    assert normalizar_folio(text) == FOLIO


def test_normalizar_folio_reads_confusable_letters_as_digits():
    assert normalizar_folio("OR-O1LI9QX4TB") == "OR-0111" + "9QX4TB"


@pytest.mark.parametrize(
    "text", ["", "no lo tengo", "OR-123", "OR-7K2M9QX4TBB", "ORI-2026-000123", "OR-7K2M9QX4TU"]
)
def test_normalizar_folio_rejects(text):
    with pytest.raises(ErrorValidacion):
        normalizar_folio(text)
