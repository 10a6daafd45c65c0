"""¿Dónde está la Ventanilla de Salud más cercana? `ventanilla_form` (slot `lugar`) y su cierre.

* `validate_ventanilla_form` entiende el lugar en el mensaje que abrió el formulario
  ("ventanilla cerca de Dallas") o en la respuesta a "¿en qué ciudad estás?". Un estado solo
  ("Texas") lista sus Ventanillas y vuelve a preguntar la ciudad; un lugar desconocido lo dice.
* `action_ventanilla_cercana` responde con la más cercana (bot.ventanillas.describir), sus
  servicios y cómo contactarla, guarda `consulado` y borra `lugar`.
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

# Respuestas que solo mandan estas acciones.
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

# Más lejos que esto (km) se ofrece también el contacto a distancia.
KM_LEJOS = 250
MAX_ECO = 40  # caracteres del texto de la persona que se repiten en "No encontré «…»"


def resolver_lugar(texto: str | None) -> ventanillas.Lugar | None:
    """Ciudad o código postal de EE. UU. en el texto, solo o dentro de una frase."""
    texto = (texto or "").strip()
    if not texto:
        return None
    return ventanillas.buscar_lugar(texto) or ventanillas.lugar_en_frase(texto)


def resolver_estado(texto: str | None) -> str | None:
    """Código USPS si el texto es solo un estado ("Texas", "hay en Nuevo México?")."""
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
        """ "¿Hay alguna en Dallas?" es una respuesta con signos de pregunta, no una digresión."""
        texto = formularios.texto(tracker)
        if pedido == LUGAR and (resolver_lugar(texto) or resolver_estado(texto)):
            return None
        return super().digresion(dispatcher, tracker, pedido)

    async def extract_lugar(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Atajo de un mensaje: "ventanilla cerca de Dallas" ya trae el lugar."""
        if tracker.get_slot(formularios.REQUESTED_SLOT) is not None:
            return {}  # la respuesta a la pregunta llega por el mapeo from_text
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
        ciudades = lista_de_ciudades([v.ciudad for v in sitios])
        dispatcher.utter_message(
            response=VENTANILLAS_EN_ESTADO, estado=nombre, ciudades=ciudades, total=len(sitios)
        )


class ActionVentanillaCercana(Action):
    """Cierre de `ventanilla_form`: la Ventanilla más cercana, o despedida si se canceló."""

    def name(self) -> str:
        return "action_ventanilla_cercana"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if formularios.fue_cancelado(tracker):
            dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
            return [SlotSet(LUGAR, None), SlotSet(formularios.CANCELADO, False)]

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
