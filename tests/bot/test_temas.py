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


def test_topic_of_a_response_name():
    assert temas.tema_de_respuesta("utter_costo") == "costo"
    assert temas.tema_de_respuesta("utter_costo_detalle") is None
    assert temas.tema_de_respuesta("utter_saludo") is None
    assert temas.tema_de_respuesta(None) is None


def test_suggestions_keep_only_topics_in_ranking_order():
    ranking = [{"name": "nlu_fallback"}, {"name": "pago"}, {"name": "saludo"}, {"name": "familia"}]
    assert temas.sugerencias(ranking) == ["pago", "familia"]


@pytest.mark.parametrize("texto", ["👍", "😂😂", "...", "  ", "?!"])
def test_messages_without_letters(texto):
    assert temas.sin_letras(texto)
    assert not temas.sin_letras("ok 👍")
