"""The trained model on the held-out split and on everyday phrasings of the main intents."""

import pytest

from scripts import model_cache, nlu_eval

pytestmark = pytest.mark.model

# Committed minimum on the held-out split (with the fallback in place); see README "Pipeline".
MIN_MACRO_F1 = 0.85


@pytest.fixture(scope="session")
def agent():
    return nlu_eval.load_agent(model_cache.ensure_model())


@pytest.fixture(scope="session")
def heldout_predictions(agent):
    return nlu_eval.predict(agent, nlu_eval.heldout_examples())


def intent_of(agent, text: str) -> str:
    """The intent, or ``faq/<id>`` for the knowledge-base entry the model chose."""
    return nlu_eval.predict(agent, [(text, "?")])[0].intent


def test_heldout_macro_f1_meets_the_committed_minimum(heldout_predictions):
    assert nlu_eval.macro_f1(heldout_predictions) >= MIN_MACRO_F1


def test_out_of_scope_messages_rarely_get_a_pti_answer(heldout_predictions):
    outside = [p for p in heldout_predictions if p.expected == nlu_eval.OUT_OF_SCOPE]
    given_pti = [p.text for p in outside if nlu_eval.es_respuesta_pti(nlu_eval.acted_on(p))]
    assert len(given_pti) <= len(outside) * 0.1, given_pti


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("¡Hola!", "saludo"),
        ("holaaa buenas", "saludo"),
        ("y el de invalidez?", "faq/general_seguro_invalidez"),
        ("requisitos", "faq/tramite_documentos"),
        ("cuanto cuesta", "faq/pago_cuanto_cuesta"),
        ("how much does it cost?", "faq/pago_cuanto_cuesta"),
        ("eres un robot?", "es_bot"),
        ("quiero hablar con una persona", "pedir_humano"),
        ("mas", "pedir_mas"),
        ("necesito renovar mi pasaporte", "faq/fuera_pasaporte"),
    ],
)
def test_everyday_phrasings_get_their_intent(agent, text, intent):
    assert intent_of(agent, text) == intent


def test_conversation_stories_predict_every_step(agent, tmp_path):
    """tests/test_stories.yml: every rule and flow, NLU included, with no prediction error."""
    import asyncio

    from rasa.core.test import test as rasa_test

    asyncio.run(
        rasa_test(
            str(model_cache.ROOT / "tests" / "test_stories.yml"),
            agent,
            out_directory=str(tmp_path),
            disable_plotting=True,
            warnings=False,
        )
    )
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "None of the test stories failed" in failed, failed
