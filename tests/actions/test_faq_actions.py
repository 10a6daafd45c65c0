from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionDespuesDeResponder, ActionMasDetalles
from bot import temas
from tests.actions.trackers import action, tracker, user


async def run(action_obj, events, slots=None):
    dispatcher = CollectingDispatcher()
    result = await action_obj.run(dispatcher, tracker(events, slots), {})
    return result, [m.get("response") for m in dispatcher.messages]


async def test_despues_de_responder_remembers_the_topic_for_mas():
    events = [
        action("action_listen"),
        user("cuanto cuesta", "faq/pago_cuanto_cuesta"),
        action("utter_faq"),
    ]
    result, responses = await run(ActionDespuesDeResponder(), events)
    assert result == [SlotSet("ultimo_tema", "pago_cuanto_cuesta")]
    assert responses == []


async def test_despues_de_responder_adds_spanish_notice_to_english_questions():
    events = [user("how much does it cost?", "faq/pago_cuanto_cuesta"), action("utter_faq")]
    result, responses = await run(ActionDespuesDeResponder(), events)
    assert responses == ["utter_aviso_ingles"]
    assert result == [SlotSet("ultimo_tema", "pago_cuanto_cuesta")]


async def test_despues_de_responder_after_greeting_sets_no_topic():
    events = [user("hola", "saludo"), action("utter_saludo")]
    result, responses = await run(ActionDespuesDeResponder(), events)
    assert result == []
    assert responses == []


async def test_mas_gives_details_of_the_last_topic():
    events = [user("mas", "pedir_mas")]
    dispatcher = CollectingDispatcher()
    slots = {"ultimo_tema": "general_seguro_invalidez"}
    result = await ActionMasDetalles().run(dispatcher, tracker(events, slots), {})
    (mensaje,) = dispatcher.messages
    # The text comes from the NLG (channels/nlg.py: the service, or data/conocimiento).
    assert mensaje["response"] == "utter_faq_detalle_general_seguro_invalidez"
    assert result == []


async def test_mas_without_a_topic_asks_which_one():
    _, responses = await run(ActionMasDetalles(), [user("mas", "pedir_mas")])
    assert responses == ["utter_mas_sin_tema"]


async def test_despues_de_responder_offers_the_second_question_of_the_message():
    pregunta = user("¿Cuánto cuesta? ¿Y puedo meter a mis papás?", "faq/pago_cuanto_cuesta")
    pregunta["parse_data"]["otra_pregunta"] = {
        "intent_response_key": "faq/cobertura_padres",
        "confidence": 0.6,
    }
    dispatcher = CollectingDispatcher()
    result = await ActionDespuesDeResponder().run(
        dispatcher, tracker([pregunta, action("utter_faq")]), {}
    )
    assert result == [SlotSet("ultimo_tema", "pago_cuanto_cuesta")]
    [oferta] = dispatcher.messages
    assert oferta["response"] == "utter_otra_pregunta"
    assert oferta["titulo"] == temas.titulos()["cobertura_padres"]
    assert oferta["buttons"] == [
        {"title": oferta["titulo"], "payload": temas.pregunta_de("cobertura_padres")}
    ]


async def test_despues_de_responder_does_not_offer_the_same_entry_twice():
    pregunta = user("¿Cuánto cuesta? ¿Cuánto pagaría?", "faq/pago_cuanto_cuesta")
    pregunta["parse_data"]["otra_pregunta"] = {
        "intent_response_key": "faq/pago_cuanto_cuesta",
        "confidence": 0.6,
    }
    _, responses = await run(ActionDespuesDeResponder(), [pregunta, action("utter_faq")])
    assert responses == []
