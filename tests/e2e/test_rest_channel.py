"""The real stack (action server + Rasa on the trained model) through the REST channel."""

import uuid

import httpx
import pytest

from scripts import model_cache, stack
from tests.e2e.conversacion import corta, detalle, texts

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT = 5105, 5155


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory):
    endpoints = stack.archivo_endpoints(tmp_path_factory.mktemp("e2e"), ACTIONS_PORT)
    running = stack.Pila(log_dir=endpoints.parent)
    env = stack.entorno_base()
    try:
        stack.iniciar_acciones(running, env, ACTIONS_PORT)
        model = model_cache.ensure_model()
        stack.iniciar_rasa(running, env, model, RASA_PORT, endpoints=str(endpoints))
        yield f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook"
    finally:
        running.stop()


@pytest.fixture
def say(rasa_url):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def send(message: str) -> list[dict]:
        response = httpx.post(rasa_url, json={"sender": sender, "message": message}, timeout=30)
        response.raise_for_status()
        return response.json()

    return send


def test_greeting_shows_menu_buttons(say):
    replies = say("hola")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "¿Cuánto cuesta?" in payloads and "/pedir_humano" in payloads


def test_topic_then_mas_gives_the_detailed_answer(say, domain):
    short = say("¿Cuánto cuesta?")
    assert short[0]["text"] == corta("pago_cuanto_cuesta")
    details = say("más")
    assert details[0]["text"] == detalle("pago_cuanto_cuesta")


def test_english_question_is_answered_in_spanish_with_a_notice(say, domain):
    replies = [r["text"] for r in say("how much does it cost?")]
    assert replies[0] == corta("pago_cuanto_cuesta")
    assert replies[-1] in texts(domain, "utter_aviso_ingles")


def test_two_misunderstood_messages_offer_a_promoter(say, domain):
    first = say("/nlu_fallback")
    assert first[0]["text"] in texts(domain, "utter_fallback_reformular")
    second = say("/nlu_fallback")
    assert second[0]["text"] in texts(domain, "utter_fallback_promotor")
