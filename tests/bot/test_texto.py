import pytest

from bot.texto import (
    CARACTERES_DE_CONTROL,
    clave_de_pregunta,
    limpiar_texto,
    sin_caracteres_de_control,
)


@pytest.mark.parametrize(
    "sucio",
    ["hola\x00", "\u202ehola", "ho\x1bla", "hola\u2066", "hola\ud800", "hola\ufffe", "\x7fhola"],
)
def test_drops_controls_bidi_overrides_and_surrogates(sucio):
    assert sin_caracteres_de_control(sucio) == "hola"
    assert CARACTERES_DE_CONTROL.search(sucio)


def test_keeps_tabs_newlines_accents_and_emoji():
    texto = "Hola,\tJosé\nñandú 👍\r"
    assert sin_caracteres_de_control(texto) == texto
    assert CARACTERES_DE_CONTROL.search(texto) is None


def test_limpiar_texto_also_strips_the_ends():
    assert limpiar_texto("  \x00 mi curp \u202e ") == "mi curp"
    assert limpiar_texto("\x00\x01") == ""


def test_the_same_question_up_to_case_accents_and_marks_has_one_key():
    assert clave_de_pregunta("¿Cuál es el impuesto a las remesas?") == clave_de_pregunta(
        "cual es el impuesto a las remesas"
    )
    assert clave_de_pregunta("“¿Cómo me afilio?”") == "como me afilio"
    assert clave_de_pregunta("¿cómo me afilio?") != clave_de_pregunta("¿cómo me inscribo?")
