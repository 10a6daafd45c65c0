"""Actions around the static FAQ answers: remember the topic, note the language, give details."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from bot import temas


def ultima_accion(tracker: Tracker) -> str | None:
    """The last action that ran before the current one (the utter_ of a rule)."""
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
        if event.get("event") == "user":
            return None
    return None


class ActionDespuesDeResponder(Action):
    """Runs after every FAQ answer: records the topic for "más", offers the answer to a second
    question asked in the same message, and notes the service is Spanish."""

    def name(self) -> str:
        return "action_despues_de_responder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if temas.parece_ingles(tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response=respuestas.AVISO_INGLES)
        tema = temas.tema_de_mensaje(tracker.latest_message)
        otra = temas.otra_pregunta(tracker.latest_message)
        if tema and otra and otra != tema:
            titulo = temas.titulos()[otra]
            dispatcher.utter_message(
                response=respuestas.OTRA_PREGUNTA,
                titulo=titulo,
                buttons=[{"title": titulo, "payload": temas.pregunta_de(otra)}],
            )
        return [SlotSet("ultimo_tema", tema)] if tema else []


class ActionMasDetalles(Action):
    """Answers "más" with the long version of the last topic, or asks which topic.

    The detail is the response ``utter_faq_detalle_<id>``: channels/nlg.py asks the web service
    for its published text (editable in the console) and builds it from data/conocimiento when
    the service is down, so it is not in the domain.
    """

    def name(self) -> str:
        return "action_mas_detalles"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        tema = tracker.get_slot("ultimo_tema")
        if temas.es_tema(tema):
            dispatcher.utter_message(response=temas.entradas()[tema].respuesta_detalle)
        else:
            dispatcher.utter_message(response=respuestas.MAS_SIN_TEMA)
        return []
