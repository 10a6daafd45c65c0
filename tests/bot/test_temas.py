import pytest

from bot import temas


@pytest.mark.parametrize(
    "texto",
    ["how much does it cost?", "Can my family get insurance?", "What is PTI", "hi, I need help"],
)
def test_english_messages_are_detected(texto):
    assert temas.parece_ingles(texto)


@pytest.mark.parametrize(
    "texto",
    [
        "cuanto cuesta el seguro",
        "hola",
        "q onda, info del imss pls",
        "mi familia esta en mexico",
        "",
    ],
)
def test_spanish_and_spanglish_messages_are_not_english(texto):
    assert not temas.parece_ingles(texto)


def _parse(intent, claves):
    ranking = [{"intent_response_key": k, "confidence": c} for k, c in claves]
    return {
        "intent": {"name": intent},
        "response_selector": {"faq": {"response": dict(ranking[0]), "ranking": ranking}},
    }


def test_the_entry_is_read_only_for_knowledge_base_answers():
    parse = _parse("faq", [("faq/pago_cuanto_cuesta", 0.9), ("faq/pago_fecha_limite", 0.05)])
    assert temas.tema_de_mensaje(parse) == "pago_cuanto_cuesta"
    assert temas.tema_de_mensaje({**parse, "intent": {"name": "saludo"}}) is None
    assert temas.entrada_elegida({**parse, "intent": {"name": "nlu_fallback"}}) == (
        "pago_cuanto_cuesta"
    )
    assert temas.tema_de_mensaje(_parse("faq", [("faq/no_existe", 0.9)])) is None
    assert temas.tema_de_mensaje(None) is None


def test_suggestions_keep_known_entries_in_ranking_order():
    parse = _parse(
        "nlu_fallback",
        [("faq/pago_fecha_limite", 0.4), ("faq/no_existe", 0.3), ("faq/cobertura_hijos", 0.2),
         ("faq/pago_si_no_pago", 0.05), ("faq/tramite_rfc", 0.01)],
    )  # fmt: skip
    assert temas.sugerencias(parse) == ["pago_fecha_limite", "cobertura_hijos", "pago_si_no_pago"]
    assert temas.titulos()["pago_fecha_limite"] == "Fecha límite de pago"
    assert temas.pregunta_de("pago_fecha_limite") in temas.entradas()["pago_fecha_limite"].preguntas


@pytest.mark.parametrize("texto", ["👍", "😂😂", "...", "  ", "?!"])
def test_messages_without_letters(texto):
    assert temas.sin_letras(texto)
    assert not temas.sin_letras("ok 👍")
