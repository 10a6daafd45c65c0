"""Registration status (`consulta_form`) and erasure of personal data (`borrado_form`).

Both ask for the folio and the CURP (the service answers the same 404 whichever is wrong, and so
do we), then prove ownership (issue 16): once both are given (and, for erasure, confirmed), the
validation action asks the service to send a one-time code to the phone on file ("te mandé un
código…") and the form asks for it; the finishing action sends it with the request. A wrong or
expired code asks again ("OTRO CÓDIGO" sends a new one); too many failures lock the folio and the
conversation for a while, and a promoter can always help instead.

Folios are "OR-" + 10 Crockford base-32 characters (bot/folio.py); we accept them in
lowercase, with spaces or without the dash, and read the letters Crockford excludes as the digits
people confuse them with (O -> 0, I/L -> 1).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from actions.api.inscripcion import (
    BLOQUEADO,
    BORRADO,
    CODIGO_INCORRECTO,
    CONSULTA,
    INVALIDO,
    NO_ENCONTRADO,
    RespuestaServicio,
    cliente,
)
from actions.cotizacion import recien_escrito
from actions.formularios import (
    CANCELADO,
    CODIGO_PEDIDO,
    CONCLUIDO,
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
from bot import caso
from bot.folio import hay_folio, normalizar_folio
from bot.lectura import dinero, fecha_larga, pide_otro_codigo
from bot.validacion import ErrorValidacion, extraer_curp, hay_curp, leer_codigo

log = logging.getLogger("orienta.actions.cuenta")

#: Every slot that holds personal data (cleared when the person asks us to delete their data).
SLOTS_PERSONALES: tuple[str, ...] = (
    *DATOS_REGISTRO,
    "folio",
    "folio_consulta",
    "curp_consulta",
    "folio_borrado",
    "curp_borrado",
    "codigo_consulta",
    "codigo_borrado",
    CODIGO_PEDIDO,
    "ingreso_cotizacion",
    "moneda_cotizacion",
    "tipo_cambio_cotizacion",
)

FORM_CONSULTA = "consulta_form"
FOLIO_CONSULTA = "folio_consulta"
CURP_CONSULTA = "curp_consulta"
CODIGO_CONSULTA = "codigo_consulta"
SLOTS_CONSULTA = (FOLIO_CONSULTA, CURP_CONSULTA, CODIGO_CONSULTA, CODIGO_PEDIDO)

FORM_BORRADO = "borrado_form"
FOLIO_BORRADO = "folio_borrado"
CURP_BORRADO = "curp_borrado"
CONFIRMADO = "borrado_confirmado"
CODIGO_BORRADO = "codigo_borrado"
CONVERSACION_BORRADA = "conversacion_borrada"  # channels/almacen.SLOT_BORRADO
CONVERSACIONES_BORRADAS = "conversaciones_borradas"  # channels/almacen.SLOT_OTRAS
SLOTS_BORRADO = (FOLIO_BORRADO, CURP_BORRADO, CONFIRMADO, CODIGO_BORRADO, CODIGO_PEDIDO)

# Responses (all sent by this module's actions).
FOLIO_INVALIDO = "utter_folio_invalido"
REGISTRO_RECIBIDO = "utter_registro_recibido"
#: Any state of the case after "recibida" (bot/caso.py: its label and next step).
REGISTRO_ESTADO = "utter_registro_estado"
#: What IMSS issued, as the promoter recorded it (only in ``hecha_en_imss``: payment pending).
REGISTRO_LINEA_IMSS = "utter_registro_linea_imss"
REGISTRO_CANCELADO = "utter_registro_cancelado"
REGISTRO_OTRO_ESTADO = "utter_registro_otro_estado"
REGISTRO_NO_ENCONTRADO = "utter_registro_no_encontrado"
REGISTRO_INVALIDO = "utter_registro_invalido"
BORRADO_SI_NO = "utter_borrado_confirmar_si_no"
BORRADO_NO = "utter_borrado_no"
BORRADO_HECHO = "utter_borrado_hecho"
BORRADO_NO_DISPONIBLE = "utter_borrado_no_disponible"
BORRADO_NO_ENCONTRADO_TRAS_FALLO = "utter_borrado_no_encontrado_tras_fallo"
CODIGO_FORMATO = "utter_codigo_formato"
CODIGO_INCORRECTO_RESPUESTA = "utter_codigo_incorrecto"
CODIGO_BLOQUEADO = "utter_codigo_bloqueado"
CODIGO_NO_ENVIADO = "utter_codigo_no_enviado"
CODIGO_DESARROLLO = "utter_codigo_desarrollo"
#: Responses only these actions send (gathered by actions.respuestas.enviadas_por_acciones).
ENVIADAS = frozenset(
    {
        FOLIO_INVALIDO,
        REGISTRO_RECIBIDO,
        REGISTRO_ESTADO,
        REGISTRO_LINEA_IMSS,
        REGISTRO_CANCELADO,
        REGISTRO_OTRO_ESTADO,
        REGISTRO_NO_ENCONTRADO,
        REGISTRO_INVALIDO,
        BORRADO_SI_NO,
        BORRADO_NO,
        BORRADO_HECHO,
        BORRADO_NO_DISPONIBLE,
        BORRADO_NO_ENCONTRADO_TRAS_FALLO,
        CODIGO_FORMATO,
        CODIGO_INCORRECTO_RESPUESTA,
        CODIGO_BLOQUEADO,
        CODIGO_NO_ENVIADO,
        CODIGO_DESARROLLO,
    }
)
#: What the service says when no Twilio sender is configured (the code is in its log).
MEDIO_DESARROLLO = "desarrollo"


# ------------------------------------------------------------------ folio and CURP
def normalizar_curp(text: str | None) -> str:
    """A CURP alone or inside a sentence ("mi curp es ..."); ValidationError in Spanish."""
    return extraer_curp(text).curp


# ------------------------------------------------------------------ shared validators
class _FolioYCurp(FormularioOrienta):
    """Validators shared by the status and the deletion forms, and the one-time code."""

    FOLIO = ""
    CURP = ""
    CODIGO = ""
    PROPOSITO = ""
    INTENCION = ""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        eventos = await super().run(dispatcher, tracker, domain)
        return eventos + await self._pedir_codigo(dispatcher, tracker, domain, eventos)

    def _seguir_sin_codigo(self, slots: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Events that end the form before a code is asked for (erasure: a "no"), or None."""
        return None

    async def _pedir_codigo(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        eventos: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """When the code is the next question, have the service send it (once per folio)."""
        slots = dict(tracker.slots)
        fin_pedido = False
        for evento in eventos:
            if evento.get("event") == "slot":
                slots[evento["name"]] = evento.get("value")
                fin_pedido = evento["name"] == REQUESTED_SLOT and evento.get("value") is None
        if fin_pedido:
            return []  # cancelled, paused or ended by a validator
        requeridos = self.domain_slots(domain)
        siguiente = next((s for s in requeridos if slots.get(s) is None), None)
        if siguiente != self.CODIGO:
            return []
        fin = self._seguir_sin_codigo(slots)
        if fin is not None:
            return fin
        folio, curp = slots.get(self.FOLIO) or "", slots.get(self.CURP) or ""
        marca = f"{self.PROPOSITO}:{folio}"
        if slots.get(CODIGO_PEDIDO) == marca:
            return []  # already sent: the form asks for it again
        resultado = await cliente().pedir_codigo(folio, curp, self.PROPOSITO, tracker.sender_id)
        _registrar_log(f"codigo_{self.PROPOSITO}", folio, resultado)
        if resultado.ok:
            if (resultado.datos or {}).get("medio") == MEDIO_DESARROLLO:
                dispatcher.utter_message(response=CODIGO_DESARROLLO)
            return [SlotSet(CODIGO_PEDIDO, marca)]
        terminar = [SlotSet(CONCLUIDO, True), SlotSet(REQUESTED_SLOT, None)]
        olvidar = limpiar(self._slots_del_formulario(domain))
        if resultado.error == NO_ENCONTRADO:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return olvidar + terminar + _sin_pendiente(tracker, self.form_name())
        if resultado.error == BLOQUEADO:
            dispatcher.utter_message(response=CODIGO_BLOQUEADO)
            return olvidar + terminar + _sin_pendiente(tracker, self.form_name())
        if resultado.error == INVALIDO:
            dispatcher.utter_message(
                response=REGISTRO_INVALIDO,
                mensaje=" ".join(resultado.mensajes) or "Revisa tu folio y tu CURP.",
            )
            return olvidar + terminar + _sin_pendiente(tracker, self.form_name())
        # Not sent (service or Twilio down): keep folio and CURP for "INTENTAR DE NUEVO".
        dispatcher.utter_message(response=CODIGO_NO_ENVIADO)
        return [*self._sin_si(), *terminar, SlotSet(PENDIENTE, self.form_name())]

    def _sin_si(self) -> list[dict[str, Any]]:
        return []

    def _codigo(self, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        if pide_otro_codigo(str(value or "")):
            return {self.CODIGO: None, CODIGO_PEDIDO: None}  # _pedir_codigo sends a new one
        try:
            return {self.CODIGO: leer_codigo(str(value or ""))}
        except ErrorValidacion:
            dispatcher.utter_message(response=CODIGO_FORMATO)
            return {self.CODIGO: None}

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
    CODIGO, PROPOSITO = CODIGO_CONSULTA, CONSULTA
    DEPENDIENTES = {FOLIO_CONSULTA: (CODIGO_PEDIDO,), CURP_CONSULTA: (CODIGO_PEDIDO,)}

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

    def validate_codigo_consulta(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._codigo(value, dispatcher)


class ValidateBorradoForm(_FolioYCurp):
    FOLIO, CURP, INTENCION = FOLIO_BORRADO, CURP_BORRADO, "borrar_datos"
    CODIGO, PROPOSITO = CODIGO_BORRADO, BORRADO
    DEPENDIENTES = {FOLIO_BORRADO: (CODIGO_PEDIDO,), CURP_BORRADO: (CODIGO_PEDIDO,)}
    RESPUESTA_SI_NO = (CONFIRMADO,)

    def _seguir_sin_codigo(self, slots: dict[str, Any]) -> list[dict[str, Any]] | None:
        if slots.get(CONFIRMADO) is not True:  # "no": nothing to prove, nothing is erased
            return [SlotSet(REQUESTED_SLOT, None)]
        return None

    def _sin_si(self) -> list[dict[str, Any]]:
        return [SlotSet(CONFIRMADO, None)]  # a retry asks to confirm again

    def validate_codigo_borrado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._codigo(value, dispatcher)

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
    """(response name, placeholders) for a RegistroOut: the case's state and the next step in
    plain words (bot/caso.py, the same words the person's notices use).

    What we hold is a pre-registration request to the consulate's desk: we never say it is an
    IMSS registration, give a payment reference of ours or call it "activo"; "pagada" and
    "clínica asignada" are said as what the promoter recorded with IMSS."""
    folio = str(datos.get("folio") or "")
    estado = str(datos.get("estado") or "")
    if estado == caso.RECIBIDA:
        return REGISTRO_RECIBIDO, {"folio": folio}
    if estado == caso.ELIMINADO:
        return REGISTRO_CANCELADO, {"folio": folio}
    if estado in caso.ESTADOS:
        return REGISTRO_ESTADO, {
            "folio": folio,
            "estado": caso.etiqueta(estado),
            "siguiente_paso": caso.siguiente_paso(estado),
        }
    return REGISTRO_OTRO_ESTADO, {"folio": folio, "estado": estado.replace("_", " ")}


def respuesta_linea(datos: dict) -> tuple[str, dict[str, str]] | None:
    """The línea de captura IMSS issued, amount and due date, as the promoter recorded them;
    only while the payment is pending, and only in the answer to a request proved with the
    one-time code (the service sends ``linea_imss`` only then)."""
    linea = datos.get("linea_imss")
    if datos.get("estado") != caso.HECHA_EN_IMSS or not isinstance(linea, dict):
        return None
    vence = date.fromisoformat(str(linea["vence_el"]))
    return REGISTRO_LINEA_IMSS, {
        "linea": str(linea["linea_captura"]),
        "monto": dinero(Decimal(str(linea["monto"])), "MXN"),
        "vence": fecha_larga(vence),
    }


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
        if tracker.get_slot(CONCLUIDO):  # the form already said how it ended
            return [SlotSet(CONCLUIDO, False)]
        folio = tracker.get_slot(FOLIO_CONSULTA) or ""
        curp = tracker.get_slot(CURP_CONSULTA) or ""
        codigo = tracker.get_slot(CODIGO_CONSULTA) or ""
        if not folio or not curp or not codigo:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return limpiar(SLOTS_CONSULTA) + _sin_pendiente(tracker, FORM_CONSULTA)

        resultado = await cliente().consultar(folio, curp, codigo, tracker.sender_id)
        _registrar_log("consulta", folio, resultado)
        definitivo = limpiar(SLOTS_CONSULTA) + _sin_pendiente(tracker, FORM_CONSULTA)
        if resultado.error == CODIGO_INCORRECTO:
            dispatcher.utter_message(response=CODIGO_INCORRECTO_RESPUESTA)
            return [SlotSet(CODIGO_CONSULTA, None), FollowupAction(FORM_CONSULTA)]
        if resultado.error == BLOQUEADO:
            dispatcher.utter_message(response=CODIGO_BLOQUEADO)
            return definitivo
        if resultado.ok and resultado.datos:
            try:
                mensajes = [respuesta_estado(resultado.datos), respuesta_linea(resultado.datos)]
            except (KeyError, TypeError, ValueError, ArithmeticError):
                log.warning("consulta folio=%s respuesta_inesperada", folio)
            else:
                for nombre, variables in filter(None, mensajes):
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
        if tracker.get_slot(CONCLUIDO):  # the form already said how it ended
            return [SlotSet(CONCLUIDO, False)]
        terminado = limpiar(SLOTS_BORRADO) + _sin_pendiente(tracker, FORM_BORRADO)
        if tracker.get_slot(CONFIRMADO) is not True:
            dispatcher.utter_message(response=BORRADO_NO)
            return terminado
        folio = tracker.get_slot(FOLIO_BORRADO) or ""
        curp = tracker.get_slot(CURP_BORRADO) or ""
        codigo = tracker.get_slot(CODIGO_BORRADO) or ""
        if not folio or not curp or not codigo:
            dispatcher.utter_message(response=REGISTRO_NO_ENCONTRADO)
            return terminado

        reintento = tracker.get_slot(PENDIENTE) == FORM_BORRADO
        resultado = await cliente().eliminar(folio, curp, codigo, tracker.sender_id)
        _registrar_log("borrado", folio, resultado)
        if resultado.error == CODIGO_INCORRECTO:
            dispatcher.utter_message(response=CODIGO_INCORRECTO_RESPUESTA)
            return [SlotSet(CODIGO_BORRADO, None), FollowupAction(FORM_BORRADO)]
        if resultado.error == BLOQUEADO:
            dispatcher.utter_message(response=CODIGO_BLOQUEADO)
            return terminado
        if resultado.ok:
            datos = resultado.datos or {}
            dispatcher.utter_message(response=BORRADO_HECHO, folio=str(datos.get("folio") or folio))
            personales = sorted({*SLOTS_PERSONALES, *SLOTS_BORRADO})
            otras = [str(c) for c in datos.get("conversaciones") or [] if isinstance(c, str)]
            # The marker makes the tracker store delete the conversation's earlier events, and
            # the person's other conversations the service knew of (hashes of their ids).
            return (
                limpiar(personales)
                + _sin_pendiente(tracker, FORM_BORRADO)
                + [SlotSet(CONVERSACIONES_BORRADAS, otras), SlotSet(CONVERSACION_BORRADA, True)]
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
