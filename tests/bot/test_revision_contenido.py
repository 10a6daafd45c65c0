"""The content rules the tests and the console's editor share (bot.revision_contenido)."""

from datetime import date

import pytest

from bot import conocimiento as kb
from bot import revision_contenido as reglas

HOY = date(2026, 12, 2)
VALORES = kb.valores_del_anio(HOY)
FUENTES = frozenset({"2026", "875", "900", "117", "31"})


def entrada(**cambios) -> kb.Entrada:
    base = next(e for e in kb.cargar() if not e.incierto)
    return reglas.Cambio(**{**reglas.Cambio.de_entrada(base).__dict__, **cambios}).aplicado_a(base)


def problemas(**cambios) -> list[str]:
    base = {
        "corta": "Puedes inscribirte desde el extranjero.",
        "detalle": "Te explico los pasos.",
        "fuente": "IMSS, 24/02/2026",
    }
    e = entrada(**{**base, **cambios})
    return reglas.revisar_textos(e, VALORES, FUENTES | reglas.numeros(e.fuente)).problemas


def test_a_clean_edit_passes():
    assert problemas() == []


@pytest.mark.parametrize(
    ("cambio", "motivo"),
    [
        ({"corta": "Sí. " * 120}, "en un SMS caben 320"),
        ({"fuente": "IMSS"}, "la fuente debe llevar su fecha"),
        ({"fuente": ""}, "falta la fuente"),
        ({"corta": "Usted puede inscribirse."}, "habla de tú"),
        ({"detalle": "Si ustedes viven fuera, sí."}, "habla de tú"),
        ({"corta": "Cuesta 4,321 pesos al mes."}, "4,321"),
        ({"corta": "El valor es {uma_semanal}."}, "valores desconocidos"),
        ({"corta": "Llaves {sin cerrar."}, "llaves"),
        ({"incierto": True}, "confírmalo con el IMSS"),
    ],
)
def test_each_rule_rejects_a_bad_edit_with_a_spanish_reason(cambio, motivo):
    encontrados = problemas(**cambio)
    assert any(motivo in p for p in encontrados), encontrados


def test_yearly_values_are_placeholders_not_copies():
    """A figure from the yearly tables passes as a placeholder; typed in, it must be sourced."""
    assert problemas(corta="Se piden {semanas_ley97} semanas en {anio}.") == []
    assert any("1234" in p for p in problemas(corta="Se piden 1234 semanas."))


def test_segments_are_counted_on_the_gsm7_text():
    revision = reglas.revisar_textos(entrada(corta="Hola, ¿cómo estás?"), VALORES, None)
    assert revision.segmentos_sms == 1 and revision.largo_sms > 0
    assert revision.avisos and "fuentes" in revision.avisos[0]


def test_figures_of_examples_are_not_claims():
    assert reglas.cifras_inventadas("Ej.: 15 mil pesos o (312) 555-1234", frozenset()) == []
    assert reglas.cifras_inventadas("Son 4,321 y 13", frozenset({"13"})) == ["4,321"]
