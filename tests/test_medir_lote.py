"""scripts/medir_lote.py: it says when a batch's questions are already training examples."""

import pytest

from scripts import model_cache
from scripts.medir_lote import main, ya_entrenadas


def test_a_training_example_counts_as_seen_whatever_its_case(tmp_path, monkeypatch):
    (tmp_path / "data" / "faq").mkdir(parents=True)
    (tmp_path / "data" / "faq" / "nlu.yml").write_text(
        "nlu:\n- intent: faq/afore_cual_es_mi_afore\n  examples: |\n"
        "    - en que afore estoy ahorita\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(model_cache, "ROOT", tmp_path)
    assert ya_entrenadas(["En que afore estoy ahorita", "una pregunta que nadie escribió"]) == 1


def test_a_batch_with_no_questions_is_an_error_not_a_score():
    with pytest.raises(SystemExit, match="No hay preguntas reales del lote 999"):
        main(["999"])


def test_a_team_phrasing_without_accents_or_marks_counts_as_seen(tmp_path, monkeypatch):
    """Batch 6 held «¿Cuál es el impuesto a las remesas?», a team phrasing written as "cual es el
    impuesto a las remesas": the blind measure has to say so."""
    (tmp_path / "data" / "faq").mkdir(parents=True)
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "faq" / "nlu.yml").write_text(
        "nlu:\n- intent: faq/fuera_remesas\n  examples: |\n"
        "    - cual es el impuesto a las remesas\n",
        encoding="utf-8",
    )
    (tmp_path / "data" / "nlu" / "conversacion.yml").write_text(
        "nlu:\n- intent: saludo\n  examples: |\n    - hola buen dia\n", encoding="utf-8"
    )
    monkeypatch.setattr(model_cache, "ROOT", tmp_path)
    assert ya_entrenadas(["¿Cuál es el impuesto a las remesas?", "¡Hola, buen día!"]) == 2


@pytest.mark.parametrize("argv", [[], ["siete"], ["7", "8"]])
def test_without_one_batch_number_it_says_how_to_call_it(argv):
    with pytest.raises(SystemExit, match="Di qué lote medir"):
        main(argv)
