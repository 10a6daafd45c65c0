"""The trained model on the held-out split and on everyday phrasings of the main intents."""

import pytest

from scripts import model_cache, nlu_eval

pytestmark = pytest.mark.model

# Committed minimums, a little below what `make bench` measured (docs/mediciones.md): the team's
# held-out split (with the fallback in place) and the held-out half of the real questions.
MIN_MACRO_F1 = 0.97
MIN_REALES_EN_ALCANCE = 0.55
MIN_REALES_FUERA_RECHAZADAS = 0.88


@pytest.fixture(scope="session")
def agent():
    return nlu_eval.load_agent(model_cache.ensure_model())


@pytest.fixture(scope="session")
def heldout_predictions(agent):
    return nlu_eval.predict(agent, nlu_eval.heldout_examples())


def intent_of(agent, text: str) -> str:
    """The intent, or ``faq/<id>`` for the knowledge-base entry the model chose."""
    return nlu_eval.predict(agent, [(text, "?")])[0].intent


@pytest.fixture(scope="session")
def reales(agent):
    return nlu_eval.reales_score(nlu_eval.predict(agent, nlu_eval.reales_examples("prueba")))


def parse(agent, text: str) -> dict:
    import asyncio

    return asyncio.run(agent.parse_message(text))


def test_real_held_out_questions_meet_the_committed_minimums(reales):
    assert reales["en_alcance"] >= MIN_REALES_EN_ALCANCE, reales
    assert reales["fuera_rechazadas"] >= MIN_REALES_FUERA_RECHAZADAS, reales


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Buen día, quisiera saber cuánto cuesta el seguro", "faq/pago_cuanto_cuesta"),
        ("Hola buenas tardes, ¿qué es PTI?", "faq/general_que_es_pti"),
        ("Buenas noches", "saludo"),
        ("hola, me quiero morir ya no aguanto", "faq/urgente_crisis_suicidio"),
        ("detuvieron a mi esposo los de ICE, que hago", "faq/urgente_detencion"),
        ("cuánto cuesta presentar la N-400", "faq/fuera_ciudadania"),
    ],
)
def test_real_world_language_gets_its_answer(agent, text, intent):
    assert intent_of(agent, text) == intent


def test_two_questions_in_one_message_answer_the_first_and_keep_the_second(agent):
    data = parse(agent, "¿Cuánto cuesta al mes? ¿Y puedo asegurar a mis papás?")
    assert data["response_selector"]["faq"]["response"]["intent_response_key"] == (
        "faq/pago_cuanto_cuesta"
    )
    familia = {f"faq/{e}" for e in nlu_eval._anteriores()["familia"]}
    assert data["otra_pregunta"]["intent_response_key"] in familia


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
