"""Where is the nearest Ventanilla de Salud? `ventanilla_form` (slot `lugar`) and its closing.

* `validate_ventanilla_form` finds the place in the message that opened the form ("ventanilla
  cerca de Dallas") or in the answer to "¿en qué ciudad estás?". A state alone ("Texas") lists
  its Ventanillas and asks for the city again; an unknown place is said to be unknown.
* `action_ventanilla_cercana` answers with the nearest one (bot.ventanillas.describir), its
  services and how to contact it, sets `consulado` and clears `lugar`.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formularios, respuestas
from bot import ventanillas

log = logging.getLogger("orienta.actions.ventanillas")

LUGAR = "lugar"
CONSULADO = "consulado"

# Responses only these actions send.
VENTANILLA_CERCANA = "utter_ventanilla_cercana"
VENTANILLA_SERVICIOS = "utter_ventanilla_servicios"
VENTANILLA_LEJOS = "utter_ventanilla_lejos"
VENTANILLA_SIN_LUGAR = "utter_ventanilla_sin_lugar"
LUGAR_NO_ENCONTRADO = "utter_lugar_no_encontrado"
VENTANILLAS_EN_ESTADO = "utter_ventanillas_en_estado"
SIN_VENTANILLAS_EN_ESTADO = "utter_sin_ventanillas_en_estado"
ENVIADAS = frozenset(
    {
        VENTANILLA_CERCANA,
        VENTANILLA_SERVICIOS,
        VENTANILLA_LEJOS,
        VENTANILLA_SIN_LUGAR,
        LUGAR_NO_ENCONTRADO,
        VENTANILLAS_EN_ESTADO,
        SIN_VENTANILLAS_EN_ESTADO,
    }
)

# Farther than this (km), remote contact is offered too.
KM_LEJOS = 250
MAX_ECO = 40  # characters of the person's text repeated in "No encontré «…»"


def resolver_lugar(texto: str | None) -> ventanillas.Lugar | None:
    """A US city or ZIP code in the text, alone or inside a sentence."""
    texto = (texto or "").strip()
    if not texto:
        return None
    return ventanillas.buscar_lugar(texto) or ventanillas.lugar_en_frase(texto)


def resolver_estado(texto: str | None) -> str | None:
    """USPS code if the text is only a state ("Texas", "hay en Nuevo México?")."""
    texto = (texto or "").strip()
    if not texto:
        return None
    return ventanillas.estado_de(texto) or ventanillas.estado_en_frase(texto)


def lista_de_ciudades(ciudades: list[str]) -> str:
    """ "Austin, Dallas y El Paso"."""
    if len(ciudades) <= 1:
        return "".join(ciudades)
    return ", ".join(ciudades[:-1]) + " y " + ciudades[-1]


def _eco(texto: str) -> str:
    limpio = " ".join(texto.split())
    return limpio if len(limpio) <= MAX_ECO else limpio[: MAX_ECO - 1].rstrip() + "…"


class ValidateVentanillaForm(formularios.FormularioOrienta):
    def name(self) -> str:
        return "validate_ventanilla_form"

    def digresion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pedido: str
    ) -> list[dict[str, Any]] | None:
        """ "¿Hay alguna en Dallas?" is an answer with question marks, not a digression."""
        texto = formularios.texto(tracker)
        if pedido == LUGAR and (resolver_lugar(texto) or resolver_estado(texto)):
            return None
        return super().digresion(dispatcher, tracker, pedido)

    async def extract_lugar(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """One-message shortcut: "ventanilla cerca de Dallas" already carries the place."""
        if tracker.get_slot(formularios.REQUESTED_SLOT) is not None:
            return {}  # the answer to the question comes through the from_text mapping
        texto = formularios.texto(tracker)
        if ventanillas.lugar_en_frase(texto) or ventanillas.estado_en_frase(texto):
            return {LUGAR: texto}
        return {}

    async def validate_lugar(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        texto = str(value or "").strip()
        if resolver_lugar(texto):
            return {LUGAR: texto}
        estado = resolver_estado(texto)
        if estado:
            self.listar_estado(dispatcher, estado)
        else:
            dispatcher.utter_message(response=LUGAR_NO_ENCONTRADO, lugar=_eco(texto))
        return {LUGAR: None}

    @staticmethod
    def listar_estado(dispatcher: CollectingDispatcher, estado: str) -> None:
        nombre = ventanillas.nombre_de_estado(estado)
        sitios = ventanillas.ventanillas_en_estado(estado)
        if not sitios:
            dispatcher.utter_message(response=SIN_VENTANILLAS_EN_ESTADO, estado=nombre)
            return
        ciudades = lista_de_ciudades([ventanillas.ciudad_en_espanol(v.ciudad) for v in sitios])
        dispatcher.utter_message(
            response=VENTANILLAS_EN_ESTADO, estado=nombre, ciudades=ciudades, total=len(sitios)
        )


class ActionVentanillaCercana(Action):
    """Closing of `ventanilla_form`: the nearest Ventanilla, or a goodbye if it was cancelled."""

    def name(self) -> str:
        return "action_ventanilla_cercana"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if formularios.fue_cancelado(tracker):
            dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
            return [SlotSet(LUGAR, None), SlotSet(formularios.CANCELADO, False)]
        if formularios.fue_pausado(tracker):  # already said by the form
            return [SlotSet(formularios.PAUSADO, False)]

        lugar = resolver_lugar(tracker.get_slot(LUGAR))
        if lugar is None:
            dispatcher.utter_message(response=VENTANILLA_SIN_LUGAR)
            return [SlotSet(LUGAR, None)]

        [resultado] = ventanillas.ventanilla_mas_cercana(lugar, 1)
        dispatcher.utter_message(
            response=VENTANILLA_CERCANA, descripcion=ventanillas.describir(resultado)
        )
        dispatcher.utter_message(response=VENTANILLA_SERVICIOS)
        if resultado.km > KM_LEJOS:
            dispatcher.utter_message(response=VENTANILLA_LEJOS)
        consulado = resultado.ventanilla.consulado
        log.info("ventanilla_cercana consulado=%s", consulado)
        return [SlotSet(CONSULADO, consulado), SlotSet(LUGAR, None)]
