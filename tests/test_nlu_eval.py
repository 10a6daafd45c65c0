"""How the benchmark scores real questions (scripts/nlu_eval.py): by the page's label, by a later
batch, and read without their page (the blind audit's ``sin_contexto``)."""

import yaml

from scripts import nlu_eval
from scripts.nlu_eval import FALLBACK, RECHAZO, Prediction


def _p(texto: str, intent: str) -> Prediction:
    return Prediction(texto, "", intent, intent, 0.9)


def test_declining_serves_only_when_the_audit_says_so():
    assert nlu_eval.sirve_sin_contexto(_p("x", FALLBACK), [RECHAZO])
    assert nlu_eval.sirve_sin_contexto(_p("x", "faq/fuera_pasaporte"), [RECHAZO])
    assert not nlu_eval.sirve_sin_contexto(_p("x", FALLBACK), ["pago_cuanto_cuesta"])
    assert not nlu_eval.sirve_sin_contexto(_p("x", "faq/pago_cuanto_cuesta"), [RECHAZO])


def test_any_listed_entry_serves_and_no_other():
    aceptables = ["pago_cuanto_cuesta", "otras_ssf_costo"]
    assert nlu_eval.sirve_sin_contexto(_p("x", "faq/otras_ssf_costo"), aceptables)
    assert not nlu_eval.sirve_sin_contexto(_p("x", "faq/pago_fecha_limite"), aceptables)
    assert not nlu_eval.sirve_sin_contexto(_p("x", "faq/pago_cuanto_cuesta"), [])


def test_without_an_audit_the_page_label_is_used():
    assert nlu_eval._sin_contexto({"en_alcance": True, "entrada": "a"}) == ["a"]
    assert nlu_eval._sin_contexto({"en_alcance": True, "entrada": None}) == []
    assert nlu_eval._sin_contexto({"en_alcance": False, "entrada": None}) == [RECHAZO]
    assert nlu_eval._sin_contexto({"en_alcance": False, "entrada": "f"}) == [RECHAZO, "f"]
    assert nlu_eval._sin_contexto({"en_alcance": True, "entrada": "a", "sin_contexto": []}) == []


def test_scores_group_by_the_page_label_and_batches_filter(tmp_path):
    ruta = tmp_path / "reales.yml"
    preguntas = [
        {"texto": "a", "en_alcance": True, "entrada": "pago_cuanto_cuesta", "mitad": "prueba"},
        {
            "texto": "b",
            "en_alcance": True,
            "entrada": "otras_ssf_costo",
            "mitad": "prueba",
            "sin_contexto": ["pago_cuanto_cuesta", "otras_ssf_costo"],
            "lote": 2,
        },
        {"texto": "c", "en_alcance": False, "entrada": None, "mitad": "prueba", "lote": 2},
        {"texto": "d", "en_alcance": False, "entrada": None, "mitad": "entrenamiento"},
    ]
    ruta.write_text(yaml.safe_dump({"preguntas": preguntas}, allow_unicode=True))
    nlu_eval._preguntas_reales.cache_clear()
    try:
        assert [t for t, _ in nlu_eval.reales_examples("prueba", ruta, lote=2)] == ["b", "c"]
        assert [t for t, _ in nlu_eval.reales_examples("prueba", ruta, lote=1)] == ["a"]
        predichas = [
            _p("a", "faq/otras_ssf_costo"),
            _p("b", "faq/pago_cuanto_cuesta"),
            _p("c", "faq/pago_cuanto_cuesta"),
        ]
        puntos = nlu_eval.reales_score_sin_contexto(predichas, ruta)
        assert puntos == {"sin_contexto_en_alcance": 0.5, "sin_contexto_fuera": 0.0}
    finally:
        nlu_eval._preguntas_reales.cache_clear()


def test_a_pointer_elsewhere_accepts_any_decline():
    assert nlu_eval.sirve_sin_contexto(_p("x", FALLBACK), ["fuera_social_security"])
    assert nlu_eval.sirve_sin_contexto(_p("x", "faq/fuera_visa"), ["fuera_social_security"])
    ambigua = ["tramite_sacar_nss", "fuera_social_security"]
    assert nlu_eval.sirve_sin_contexto(_p("x", "faq/tramite_sacar_nss"), ambigua)
    assert not nlu_eval.sirve_sin_contexto(_p("x", "faq/pago_cuanto_cuesta"), ambigua)


def test_lists_that_score_alike_need_no_audit_field():
    assert nlu_eval.mismo_criterio([RECHAZO], ["fuera_pasaporte"])
    assert nlu_eval.mismo_criterio(
        [RECHAZO, "tramite_cita_consulado"], ["tramite_cita_consulado", RECHAZO]
    )
    assert not nlu_eval.mismo_criterio(
        [RECHAZO, "tramite_cita_consulado"], ["tramite_cita_consulado"]
    )
    assert not nlu_eval.mismo_criterio(
        ["pago_cuanto_cuesta"], ["pago_cuanto_cuesta", "otras_ssf_costo"]
    )


def test_one_batch_is_taken_from_the_predictions_already_made(tmp_path):
    ruta = tmp_path / "reales.yml"
    preguntas = [
        {"texto": "a", "en_alcance": True, "entrada": None, "mitad": "prueba"},
        {"texto": "b", "en_alcance": True, "entrada": None, "mitad": "prueba", "lote": 2},
    ]
    ruta.write_text(yaml.safe_dump({"preguntas": preguntas}))
    nlu_eval._preguntas_reales.cache_clear()
    try:
        predichas = [_p("a", FALLBACK), _p("b", FALLBACK)]
        assert [p.text for p in nlu_eval.del_lote(predichas, 2, ruta)] == ["b"]
        assert [p.text for p in nlu_eval.del_lote(predichas, 1, ruta)] == ["a"]
    finally:
        nlu_eval._preguntas_reales.cache_clear()
