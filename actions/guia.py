""" "Lo hago yo": the self-service guide to the IMSS platform, offered after a quote.

Three SMS-sized messages: the person's checklist (CURP checked, NSS or how to get it, e-mail, a
Mexican address for the clinic, the declared income), the steps on the IMSS site (the official
micrositio from the facts), and what to do with the línea de captura that only IMSS's system
issues. Nothing personal is read or logged.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

log = logging.getLogger("orienta.actions.guia")

GUIA_LISTA = "utter_guia_imss_lista"
GUIA_PASOS = "utter_guia_imss_pasos"
GUIA_LINEA = "utter_guia_imss_linea"
#: Responses only this module's action sends (actions.respuestas.enviadas_por_acciones).
ENVIADAS = frozenset({GUIA_LISTA, GUIA_PASOS, GUIA_LINEA})


class ActionGuiaImss(Action):
    def name(self) -> str:
        return "action_guia_imss"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        for respuesta in (GUIA_LISTA, GUIA_PASOS, GUIA_LINEA):
            dispatcher.utter_message(response=respuesta)
        log.info("guia imss enviada")
        return []


__all__ = ["ENVIADAS", "ActionGuiaImss"]
