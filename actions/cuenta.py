"""Registration status (`consulta_form`) and erasure of personal data (`borrado_form`).

Both ask for the folio and the CURP (the service answers the same 404 whichever is wrong, and so
do we). Folios are "OR-" + 10 Crockford base-32 characters (bot/folio.py); we accept them in
lowercase, with spaces or without the dash, and read the letters Crockford excludes as the digits
people confuse them with (O -> 0, I/L -> 1).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from actions.api.inscripcion import INVALIDO, NO_ENCONTRADO, RespuestaServicio, cliente
from actions.cotizacion import recien_escrito
from actions.formularios import (
    CANCELADO,
    PAUSADO,
    PENDIENTE,
    REQUESTED_SLOT,
    FormularioOrienta,
    fue_cancelado,
    fue_pausado,
    intencion,
    limpiar,
    respuesta_si_no,
    texto,
)
from actions.registro import DATOS_REGISTRO
from bot.folio import hay_folio, normalizar_folio
from bot.validacion import ErrorValidacion, extraer_curp, hay_curp

log = logging.getLogger("orienta.actions.cuenta")

#: Every slot that holds personal data (cleared when the person asks us to delete their data).
SLOTS_PERSONALES: tuple[str, ...] = (
    *DATOS_REGISTRO,
    "folio",
    "folio_consulta",
    "curp_consulta",
    "folio_borrado",
    "curp_borrado",
    "ingreso_cotizacion",
    "moneda_cotizacion",
    "tipo_cambio_cotizacion",
)

FORM_CONSULTA = "consulta_form"
FOLIO_CONSULTA = "folio_consulta"
CURP_CONSULTA = "curp_consulta"
SLOTS_CONSULTA = (FOLIO_CONSULTA, CURP_CONSULTA)

FORM_BORRADO = "borrado_form"
FOLIO_BORRADO = "folio_borrado"
CURP_BORRADO = "curp_borrado"
CONFIRMADO = "borrado_confirmado"
CONVERSACION_BORRADA = "conversacion_borrada"  # channels/almacen.SLOT_BORRADO
SLOTS_BORRADO = (FOLIO_BORRADO, CURP_BORRADO, CONFIRMADO)

# Responses (all sent by this module's actions).
FOLIO_INVALIDO = "utter_folio_invalido"
REGISTRO_RECIBIDO = "utter_registro_recibido"
REGISTRO_PAGO_ANOTADO = "utter_registro_pago_anotado"
REGISTRO_CANCELADO = "utter_registro_cancelado"
REGISTRO_OTRO_ESTADO = "utter_registro_otro_estado"
REGISTRO_NO_ENCONTRADO = "utter_registro_no_encontrado"
REGISTRO_INVALIDO = "utter_registro_invalido"
BORRADO_SI_NO = "utter_borrado_confirmar_si_no"
BORRADO_NO = "utter_borrado_no"
BORRADO_HECHO = "utter_borrado_hecho"
BORRADO_NO_DISPONIBLE = "utter_borrado_no_disponible"
BORRADO_NO_ENCONTRADO_TRAS_FALLO = "utter_borrado_no_encontrado_tras_fallo"
#: Responses only these actions send (gathered by actions.respuestas.enviadas_por_acciones).
ENVIADAS = frozenset(
    {
        FOLIO_INVALIDO,
        REGISTRO_RECIBIDO,
        REGISTRO_PAGO_ANOTADO,
        REGISTRO_CANCELADO,
        REGISTRO_OTRO_ESTADO,
        REGISTRO_NO_ENCONTRADO,
        REGISTRO_INVALIDO,
        BORRADO_SI_NO,
        BORRADO_NO,
        BORRADO_HECHO,
        BORRADO_NO_DISPONIBLE,
        BORRADO_NO_ENCONTRADO_TRAS_FALLO,
    }
)

ESTADO_PENDIENTE = "pendiente_de_pago"
ESTADO_ACTIVA = "activa"
ESTADO_ELIMINADO = "eliminado"


# ------------------------------------------------------------------ folio and CURP
def normalizar_curp(text: str | None) -> str:
    """A CURP alone or inside a sentence ("mi curp es ..."); ValidationError in Spanish."""
    return extraer_curp(text).curp


# ------------------------------------------------------------------ shared validators
class _FolioYCurp(FormularioOrienta):
    """Validators shared by the status and the deletion forms."""

    FOLIO = ""
    CURP = ""
    INTENCION = ""

    def digresion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pedido: str
    ) -> list[dict[str, Any]] | None:
        nombre, _ = intencion(tracker)
        if nombre == self.INTENCION:  # the same request again is not a question
            return None
        return super().digresion(dispatcher, tracker, pedido)

    def _en_activacion(self, tracker: Tracker, slot: str, encontrado: bool) -> dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) is not None or tracker.get_slot(slot):
            return {}
        if not recien_escrito(tracker, self.form_name()):
            return {}
        return {slot: texto(tracker)} if encontrado else {}

    def _folio(self, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        try:
            return {self.FOLIO: normalizar_folio(value)}
        except ErrorValidacion:
            dispatcher.utter_message(response=FOLIO_INVALIDO)
            return {self.FOLIO: None}

    def _curp(self, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        try:
            return {self.CURP: normalizar_curp(value)}
        except ErrorValidacion as exc:
            dispatcher.utter_message(text=exc.mensaje)
            return {self.CURP: None}


class ValidateConsultaForm(_FolioYCurp):
    FOLIO, CURP, INTENCION = FOLIO_CONSULTA, CURP_CONSULTA, "consultar_registro"

    def name(self) -> str:
        return "validate_consulta_form"

    async def extract_folio_consulta(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._en_activacion(tracker, self.FOLIO, hay_folio(texto(tracker)))

    async def extract_curp_consulta(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._en_activacion(tracker, self.CURP, hay_curp(texto(tracker)))

    def validate_folio_consulta(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._folio(value, dispatcher)

    def validate_curp_consulta(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._curp(value, dispatcher)


class ValidateBorradoForm(_FolioYCurp):
    FOLIO, CURP, INTENCION = FOLIO_BORRADO, CURP_BORRADO, "borrar_datos"
    RESPUESTA_SI_NO = (CONFIRMADO,)

    def name(self) -> str:
        return "validate_borrado_form"

    async def extract_folio_borrado(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._en_activacion(tracker, self.FOLIO, hay_folio(texto(tracker)))

    async def extract_curp_borrado(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._en_activacion(tracker, self.CURP, hay_curp(texto(tracker)))

    def validate_folio_borrado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._folio(value, dispatcher)

    def validate_curp_borrado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._curp(value, dispatcher)

    def validate_borrado_confirmado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if isinstance(value, bool):  # already validated
            return {CONFIRMADO: value}
        respuesta = respuesta_si_no(tracker)
        if respuesta is None:
            dispatcher.utter_message(response=BORRADO_SI_NO)
        return {CONFIRMADO: respuesta}


# ------------------------------------------------------------------ status message
def respuesta_estado(datos: dict) -> tuple[str, dict[str, str]]:
    """(response name, placeholders) for a RegistroOut.

    What we hold is a pre-registration request to the consulate's desk: we never say it is an
    IMSS registration, give a payment reference or call it "activo"."""
    folio = str(datos.get("folio") or "")
    estado = str(datos.get("estado") or "")
    if estado == ESTADO_PENDIENTE:
        return REGISTRO_RECIBIDO, {"folio": folio}
    if estado == ESTADO_ACTIVA:
        return REGISTRO_PAGO_ANOTADO, {"folio": folio}
    if estado == ESTADO_ELIMINADO:
        return REGISTRO_CANCELADO, {"folio": folio}
    return REGISTRO_OTRO_ESTADO, {"folio": folio, "estado": estado.replace("_", " ")}


def _sin_pendiente(tracker: Tracker, form: str) -> list[dict[str, Any]]:
    return [SlotSet(PENDIENTE, None)] if tracker.get_slot(PENDIENTE) == form else []


def _cancelado(dispatcher: CollectingDispatcher, tracker: Tracker, form: str, slots) -> list:
    dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
    return limpiar(slots) + [SlotSet(CANCELADO, False)] + _sin_pendiente(tracker, form)


def _registrar_log(operacion: str, folio: str, resultado: RespuestaServicio) -> None:
    log.info(
        "%s folio=%s ok=%s error=%s status=%s",
        operacion,
        folio or "-",
        resultado.ok,
        resultado.error or "-",
        resultado.status or "-",
    )


class ActionConsultarRegistro(Action):
    def name(self) -> str:
        return "action_consultar_registro"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if fue_cancelado(tracker):
            return _cancelado(dispatcher, tracker, FORM_CONSULTA, SLOTS_CONSULTA)
        if fue_pausado(tracker):  # already said by the form; folio and CURP kept
            return [SlotSet(PAUSADO, False)]
        folio = tracker.get_slot(FOLIO_CONSULTA) or ""
        curp = tracker.get_slot(CURP_CONSULTA) or ""
        if not folio or not curp:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return limpiar(SLOTS_CONSULTA) + _sin_pendiente(tracker, FORM_CONSULTA)

        resultado = await cliente().consultar(folio, curp)
        _registrar_log("consulta", folio, resultado)
        definitivo = limpiar(SLOTS_CONSULTA) + _sin_pendiente(tracker, FORM_CONSULTA)
        if resultado.ok and resultado.datos:
            try:
                nombre, variables = respuesta_estado(resultado.datos)
            except (KeyError, TypeError, ValueError, ArithmeticError):
                log.warning("consulta folio=%s respuesta_inesperada", folio)
            else:
                dispatcher.utter_message(response=nombre, **variables)
                return definitivo
        elif resultado.error == NO_ENCONTRADO:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return definitivo
        elif resultado.error == INVALIDO:
            dispatcher.utter_message(
                response=REGISTRO_INVALIDO,
                mensaje=" ".join(resultado.mensajes) or "Revisa tu folio y tu CURP.",
            )
            return definitivo

        # Service down: keep folio and CURP for "INTENTAR DE NUEVO".
        dispatcher.utter_message(response=respuestas.SERVICIO_CAIDO_REINTENTAR)
        return [SlotSet(PENDIENTE, FORM_CONSULTA)]


class ActionBorrarDatos(Action):
    def name(self) -> str:
        return "action_borrar_datos"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if fue_cancelado(tracker):
            return _cancelado(dispatcher, tracker, FORM_BORRADO, SLOTS_BORRADO)
        if fue_pausado(tracker):  # already said by the form; folio and CURP kept
            return [SlotSet(PAUSADO, False)]
        terminado = limpiar(SLOTS_BORRADO) + _sin_pendiente(tracker, FORM_BORRADO)
        if tracker.get_slot(CONFIRMADO) is not True:
            dispatcher.utter_message(response=BORRADO_NO)
            return terminado
        folio = tracker.get_slot(FOLIO_BORRADO) or ""
        curp = tracker.get_slot(CURP_BORRADO) or ""
        if not folio or not curp:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return terminado

        reintento = tracker.get_slot(PENDIENTE) == FORM_BORRADO
        resultado = await cliente().eliminar(folio, curp)
        _registrar_log("borrado", folio, resultado)
        if resultado.ok:
            datos = resultado.datos or {}
            dispatcher.utter_message(response=BORRADO_HECHO, folio=str(datos.get("folio") or folio))
            personales = sorted({*SLOTS_PERSONALES, *SLOTS_BORRADO})
            # The marker makes the tracker store delete the conversation's earlier events.
            return (
                limpiar(personales)
                + _sin_pendiente(tracker, FORM_BORRADO)
                + [SlotSet(CONVERSACION_BORRADA, True)]
            )
        if resultado.error == NO_ENCONTRADO:
            dispatcher.utter_message(
                response=BORRADO_NO_ENCONTRADO_TRAS_FALLO if reintento else REGISTRO_NO_ENCONTRADO
            )
            return terminado
        if resultado.error == INVALIDO:
            dispatcher.utter_message(
                response=REGISTRO_INVALIDO,
                mensaje=" ".join(resultado.mensajes) or "Revisa tu folio y tu CURP.",
            )
            return terminado

        # Service down (not retried by the client): keep folio and CURP, never the "yes".
        dispatcher.utter_message(response=BORRADO_NO_DISPONIBLE)
        return [SlotSet(CONFIRMADO, None), SlotSet(PENDIENTE, FORM_BORRADO)]


__all__ = [
    "ENVIADAS",
    "SLOTS_PERSONALES",
    "ActionBorrarDatos",
    "ActionConsultarRegistro",
    "ValidateBorradoForm",
    "ValidateConsultaForm",
    "hay_curp",
    "normalizar_curp",
    "respuesta_estado",
]
