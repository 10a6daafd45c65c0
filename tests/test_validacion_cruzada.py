"""scripts/validacion_cruzada.py: each fold is scored by a model that never saw its questions."""

from rasa.shared.nlu.training_data.message import Message

from scripts.nlu_eval import OUT_OF_SCOPE, Prediction
from scripts.validacion_cruzada import fallo, pliegues, sin_las_del_pliegue

EJEMPLOS = [(f"pregunta {i}", "faq/x") for i in range(10)]


def test_the_folds_deal_every_question_once():
    partes = pliegues(EJEMPLOS, 4, semilla=7)
    assert len(partes) == 4
    assert sorted(e for parte in partes for e in parte) == sorted(EJEMPLOS)


def test_the_same_seed_deals_the_same_folds_and_another_seed_other_ones():
    assert pliegues(EJEMPLOS, 4, 7) == pliegues(EJEMPLOS, 4, 7)
    assert pliegues(EJEMPLOS, 4, 7) != pliegues(EJEMPLOS, 4, 8)


def test_a_question_keeps_its_fold_when_others_join_the_file():
    """Otherwise adding a batch reshuffles every fold and two runs are not comparable."""
    antes = pliegues(EJEMPLOS, 4, 7)
    despues = pliegues([("una pregunta nueva", "faq/y"), *EJEMPLOS], 4, 7)
    assert [[e for e in parte if e in EJEMPLOS] for parte in despues] == antes


def test_a_fold_question_leaves_the_data_even_copied_with_other_accents_and_quotes():
    datos = [
        Message(data={"text": "“¿Cómo me afilio desde Texas?”", "intent": "faq/x"}),
        Message(data={"text": "otra pregunta que se queda", "intent": "faq/y"}),
    ]
    quedan = sin_las_del_pliegue(datos, [("como me afilio desde texas", "faq/x")])
    assert [m.get("text") for m in quedan] == ["otra pregunta que se queda"]


def _p(expected: str, intent: str) -> Prediction:
    return Prediction("texto", expected, intent, intent, 0.9)


def test_a_miss_is_a_wrong_entry_in_scope_or_a_pti_answer_out_of_scope():
    assert fallo(_p("faq/pago_cuanto_cuesta", "faq/pago_como_pagar"), {})
    assert not fallo(_p("faq/pago_cuanto_cuesta", "faq/pago_cuanto_cuesta"), {})
    assert fallo(_p(OUT_OF_SCOPE, "faq/pago_cuanto_cuesta"), {})
    assert not fallo(_p(OUT_OF_SCOPE, "nlu_fallback"), {})
