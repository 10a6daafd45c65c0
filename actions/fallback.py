"""Two-stage fallback: first ask to rephrase with suggestions, then offer a promoter."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from bot import temas

FALLBACK_INTENT = "nlu_fallback"


def fallos_seguidos(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the model could not understand."""
    seguidos = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        seguidos += 1
    return seguidos


def botones_sugeridos(parse_data: dict) -> list[dict[str, str]]:
    """The knowledge-base entries closest to the message; a button sends the entry's question."""
    titulos = temas.titulos()
    return [
        {"title": titulos[entrada], "payload": temas.pregunta_de(entrada)}
        for entrada in temas.sugerencias(parse_data)
    ]


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        mensaje = tracker.latest_message
        if temas.sin_letras(mensaje.get("text") or ""):
            dispatcher.utter_message(response=respuestas.FUERA_DE_ALCANCE)
        elif fallos_seguidos(tracker) >= 2:
            dispatcher.utter_message(response=respuestas.FALLBACK_PROMOTOR)
        else:
            botones = botones_sugeridos(mensaje)
            dispatcher.utter_message(response=respuestas.FALLBACK_REFORMULAR, buttons=botones)
        return []
