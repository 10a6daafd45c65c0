"""Registration form: consent, one question at a time, a summary to confirm, then the service.

The rules live in `bot/` (CURP, phone, email, income, places); this module only turns answers
into slots and slots into one call to the enrollment service.
"""

import json
import logging
import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formularios, respuestas
from actions.api.inscripcion import YA_EXISTE, RespuestaServicio, cliente
from actions.canalizacion import canal_y_direccion
from actions.cotizacion import anunciar_conversion
from actions.formularios import CANCELADO, CORRIGIENDO, PENDIENTE, FormularioOrienta
from bot import lectura, validacion, ventanillas
from bot.ingreso import leer_ingreso_mensual
from bot.registro import cuerpo_registro
from bot.tiempo import ahora_utc
from bot.validacion import ErrorValidacion

logger = logging.getLogger(__name__)

FORM = "registro_form"
AVISO_URL_POR_OMISION = "http://localhost:8000/privacidad"
DERIVADOS_CURP = ("curp_confirmada", "curp_nacimiento", "curp_sexo", "curp_estado")
# The Mexican address the IMSS form asks for (clinic assignment), in the order asked.
DOMICILIO = ("domicilio_estado", "domicilio_municipio", "domicilio_cp", "domicilio_colonia")
# Everything the form asks, in order (domain.yml lists the same under forms.registro_form).
PREGUNTAS = (
    "consentimiento",
    "curp",
    "curp_confirmada",
    "nss",
    "nombre",
    "email",
    "telefono",
    "ciudad",
    "pais",
    *DOMICILIO,
    "ocupacion",
    "ingreso_mensual",
    "recordatorios",
    "registro_confirmado",
)
# Slots holding the migrant's personal data in this flow: cleared after submission or cancelling.
DATOS_REGISTRO = (
    *PREGUNTAS,
    *DERIVADOS_CURP[1:],
    "moneda",
    "consentimiento_en",
    "otro_telefono",
)
# Responses only this module sends (besides the form's utter_ask_<slot>).
ENVIADAS = frozenset(
    {
        "utter_responde_si_no",
        "utter_nss_como_obtenerlo",
        "utter_curp_no_coincide",
        "utter_confirmar_telefono",
        "utter_ask_ciudad_en_pais",
        "utter_pais_invalido",
        "utter_resumen_registro",
        "utter_responde_resumen",
        "utter_sin_consentimiento",
        "utter_prerregistro_cancelado",
        "utter_prerregistro_pausado",
        "utter_registro_ya_existia",
        "utter_registro_enviado",
        "utter_registro_siguientes_pasos",
        "utter_registro_a_medias",
        "utter_corregir_enviado",
        "utter_nada_pendiente",
        "utter_nada_que_cancelar",
    }
)

# Service field -> slot, to ask again only what the service rejected.
CAMPO_A_SLOT = {
    "curp": "curp",
    "nombre": "nombre",
    "email": "email",
    "telefono": "telefono",
    "pais_residencia": "pais",
    "ciudad_residencia": "ciudad",
    "ocupacion": "ocupacion",
    "ingreso_mensual": "ingreso_mensual",
    "moneda": "ingreso_mensual",
    "nss": "nss",
    **{campo: campo for campo in DOMICILIO},
}


def telefono_del_canal(tracker: Tracker) -> str | None:
    """The sender's phone when the channel knows it (Twilio puts it in the message metadata)."""
    for metadata in (
        tracker.latest_message.get("metadata"),
        tracker.get_slot("session_started_metadata"),
    ):
        telefono = (metadata or {}).get("telefono") if isinstance(metadata, dict) else None
        if telefono:
            try:
                return validacion.normalizar_telefono(telefono)
            except ErrorValidacion:
                return None
    return None


def aviso_url() -> str:
    """Where the privacy notice is published (the web app serves it at /privacidad)."""
    return os.environ.get("ORIENTA_AVISO_PRIVACIDAD_URL") or AVISO_URL_POR_OMISION


def registro_a_medias(tracker: Tracker) -> bool:
    """Consent given and some answers kept, but nothing submitted yet."""
    return bool(tracker.get_slot("consentimiento")) and not tracker.get_slot("folio")


def ingreso_legible(tracker: Tracker) -> str:
    monto = tracker.get_slot("ingreso_mensual")
    moneda = tracker.get_slot("moneda") or "MXN"
    return lectura.dinero(monto, moneda) if monto is not None else ""


def residencia_legible(tracker: Tracker) -> str:
    partes = [
        ventanillas.residencia_en_espanol(tracker.get_slot("ciudad")),
        tracker.get_slot("pais"),
    ]
    return ", ".join(p for p in partes if p)


def nss_legible(tracker: Tracker) -> str:
    nss = tracker.get_slot("nss")
    return nss if isinstance(nss, str) and nss else "no lo tienes todavía"


def domicilio_legible(tracker: Tracker) -> str:
    """ "Col. Centro, CP 44100, Guadalajara, Jalisco" from the answers given."""
    colonia, municipio, cp, estado = (
        tracker.get_slot(s)
        for s in ("domicilio_colonia", "domicilio_municipio", "domicilio_cp", "domicilio_estado")
    )
    partes = [f"Col. {colonia}" if colonia else None, f"CP {cp}" if cp else None, municipio, estado]
    return ", ".join(p for p in partes if p)


def recordatorio_legible(tracker: Tracker) -> str:
    return "Sí" if tracker.get_slot("recordatorios") else "No"


def datos_para_servicio(tracker: Tracker) -> dict[str, Any]:
    """The RegistroIn body (bot.registro.cuerpo_registro), built only from validated slots."""
    canal, direccion = canal_y_direccion(tracker)
    return cuerpo_registro(
        curp=tracker.get_slot("curp"),
        nombre=tracker.get_slot("nombre"),
        email=tracker.get_slot("email"),
        telefono=tracker.get_slot("telefono"),
        pais_residencia=tracker.get_slot("pais"),
        ciudad_residencia=tracker.get_slot("ciudad"),
        ocupacion=tracker.get_slot("ocupacion"),
        ingreso_mensual=tracker.get_slot("ingreso_mensual"),
        moneda=tracker.get_slot("moneda"),
        nss=tracker.get_slot("nss") or None,  # False: "NO LO TENGO"
        **{campo: tracker.get_slot(campo) for campo in DOMICILIO},
        consulado=tracker.get_slot("consulado"),
        aceptado_en=tracker.get_slot("consentimiento_en"),
        recordatorios=tracker.get_slot("recordatorios") is True,
        canal=canal,
        direccion_canal=direccion,
    )


def _municipio(texto: str) -> str:
    return lectura.validar_lugar_mx(
        texto, "domicilio_municipio", "el municipio o la alcaldía", "Ej.: Zapopan o Iztapalapa"
    )


def _colonia(texto: str) -> str:
    return lectura.validar_lugar_mx(texto, "domicilio_colonia", "la colonia", "Ej.: Centro")


def _telefono_o_si_no(texto: str) -> Any:
    """The phone question is also answered yes/no when the channel's number is offered."""
    respuesta = lectura.si_o_no(texto)
    return respuesta if respuesta is not None else validacion.normalizar_telefono(texto)


class ValidateRegistroForm(FormularioOrienta):
    DEPENDIENTES = {
        "consentimiento": ("consentimiento_en",),
        "curp": DERIVADOS_CURP,
        "ciudad": ("pais",),
        "ingreso_mensual": ("moneda",),
        # Correcting "el domicilio" asks the whole address again; "el código postal" only that.
        "domicilio_estado": DOMICILIO[1:],
        "telefono": ("otro_telefono",),
    }
    LECTORES = {
        "consentimiento": lectura.si_o_no,
        "curp": validacion.validar_curp,
        "curp_confirmada": lectura.si_o_no,
        "nss": lectura.leer_nss,
        "domicilio_estado": lectura.validar_estado_mx,
        "domicilio_municipio": _municipio,
        "domicilio_cp": validacion.validar_codigo_postal_mx,
        "domicilio_colonia": _colonia,
        "nombre": lectura.validar_nombre,
        "email": validacion.validar_correo,
        "telefono": _telefono_o_si_no,
        "ciudad": lectura.residencia,
        "pais": lambda texto: lectura.residencia(texto).pais,
        "ocupacion": lectura.validar_ocupacion,
        "ingreso_mensual": leer_ingreso_mensual,
        "recordatorios": lectura.si_o_no,
        "registro_confirmado": lectura.si_o_no,
    }
    PAUSA_CON_PENDIENTE = False
    PAUSADO_RESPUESTA = "utter_prerregistro_pausado"

    def name(self) -> str:
        return "validate_registro_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        # "No" to the privacy notice ends the form: no personal data is asked.
        if tracker.get_slot("consentimiento") is False:
            return ["consentimiento"]
        return domain_slots

    def validate_consentimiento(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        respuesta = formularios.respuesta_si_no(tracker)
        if respuesta is None:
            dispatcher.utter_message(response="utter_responde_si_no")
            return {"consentimiento": None}
        ahora = ahora_utc().isoformat() if respuesta else None
        return {"consentimiento": respuesta, "consentimiento_en": ahora}

    def validate_curp(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        try:
            info = validacion.validar_curp(str(value))
        except ErrorValidacion as error:
            dispatcher.utter_message(text=str(error))
            return {"curp": None}
        return {
            "curp": info.curp,
            "curp_nacimiento": lectura.fecha_larga(info.fecha_nacimiento),
            "curp_sexo": lectura.SEXO.get(info.sexo, info.sexo),
            "curp_estado": lectura.nombre_estado(info.estado_clave),
        }

    def validate_curp_confirmada(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        respuesta = formularios.respuesta_si_no(tracker)
        if respuesta is None:
            dispatcher.utter_message(response="utter_responde_si_no")
            return {"curp_confirmada": None}
        if respuesta:
            return {"curp_confirmada": True}
        dispatcher.utter_message(response="utter_curp_no_coincide")
        return {"curp": None, **dict.fromkeys(DERIVADOS_CURP)}

    def validate_nss(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        resultado = self._con(dispatcher, "nss", lectura.leer_nss, value)
        if resultado["nss"] is False:  # "NO LO TENGO": optional here; say how to get it
            dispatcher.utter_message(response="utter_nss_como_obtenerlo")
        return resultado

    def validate_domicilio_estado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "domicilio_estado", lectura.validar_estado_mx, value)

    def validate_domicilio_municipio(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "domicilio_municipio", _municipio, value)

    def validate_domicilio_cp(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "domicilio_cp", validacion.validar_codigo_postal_mx, value)

    def validate_domicilio_colonia(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "domicilio_colonia", _colonia, value)

    def validate_nombre(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "nombre", lectura.validar_nombre, value)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "email", validacion.validar_correo, value)

    def validate_telefono(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        del_canal = telefono_del_canal(tracker)
        if del_canal and not tracker.get_slot("otro_telefono"):
            respuesta = formularios.respuesta_si_no(tracker)
            if respuesta:
                return {"telefono": del_canal}
            if respuesta is False:
                return {"telefono": None, "otro_telefono": True}
        return self._con(dispatcher, "telefono", validacion.normalizar_telefono, value)

    def validate_ciudad(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        try:
            lugar = lectura.residencia(str(value))
        except ErrorValidacion as error:
            dispatcher.utter_message(text=str(error))
            return {"ciudad": None}
        # Only the country ("Canadá"): keep it; action_ask_ciudad then asks for the city in it.
        return {
            "ciudad": lugar.ciudad,
            "pais": lugar.pais or tracker.get_slot("pais"),
            "consulado": ventanillas.consulado_cercano(lugar.ciudad)
            or tracker.get_slot("consulado"),
        }

    def validate_pais(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        try:
            pais = lectura.residencia(str(value)).pais
        except ErrorValidacion:
            pais = None
        if not pais:
            dispatcher.utter_message(response="utter_pais_invalido")
        return {"pais": pais}

    def validate_ocupacion(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self._con(dispatcher, "ocupacion", lectura.validar_ocupacion, value)

    def validate_ingreso_mensual(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        try:
            leido = leer_ingreso_mensual(str(value))
        except ErrorValidacion as error:
            dispatcher.utter_message(text=str(error))
            return {"ingreso_mensual": None}
        anunciar_conversion(dispatcher, leido)
        return {"ingreso_mensual": float(leido.ingreso.monto), "moneda": leido.ingreso.moneda}

    def validate_recordatorios(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        respuesta = formularios.respuesta_si_no(tracker)
        if respuesta is None:
            dispatcher.utter_message(response="utter_responde_si_no")
        return {"recordatorios": respuesta}

    def validate_registro_confirmado(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        texto = formularios.texto(tracker)
        respuesta = formularios.respuesta_si_no(tracker)
        if respuesta:
            return {"registro_confirmado": True}
        numero = lectura.numero_de_opcion(texto)
        if numero == 3:  # option 3 of the summary: cancel
            return {e["name"]: e["value"] for e in self.cancelar(dispatcher, domain)}
        # "el correo", "mi correo está mal": that answer. A number is an option of the summary,
        # and a sentence that merely names a field ("todo bien con mi nombre") is not a pick.
        campo = None if numero else lectura.campo_elegido(texto) or lectura.pide_correccion(texto)
        if campo:
            dispatcher.utter_message(
                response=respuestas.CORREGIR_CAMPO, campo=lectura.CAMPOS[campo]
            )
            return {"registro_confirmado": None, campo: None} | dict.fromkeys(
                self.DEPENDIENTES.get(campo, ())
            )
        if respuesta is False:
            dispatcher.utter_message(response=respuestas.CORREGIR_CUAL)
            return {"registro_confirmado": None, CORRIGIENDO: True}
        dispatcher.utter_message(response="utter_responde_resumen")
        return {"registro_confirmado": None}

    @staticmethod
    def _con(dispatcher: CollectingDispatcher, slot: str, regla, value: Any) -> dict[str, Any]:
        """Applies one of bot/'s rules; its Spanish message (with an example) is the reply."""
        try:
            return {slot: regla(str(value))}
        except ErrorValidacion as error:
            dispatcher.utter_message(text=str(error))
            return {slot: None}


class ActionAskConsentimiento(Action):
    def name(self) -> str:
        return "action_ask_consentimiento"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_consentimiento", aviso_url=aviso_url())
        return []


class ActionAskCiudad(Action):
    """Asks city and country, or only the city when the country is already known."""

    def name(self) -> str:
        return "action_ask_ciudad"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("pais"):
            dispatcher.utter_message(response="utter_ask_ciudad_en_pais")
        else:
            dispatcher.utter_message(response="utter_ask_ciudad")
        return []


class ActionAskTelefono(Action):
    """Offers the channel's own number when there is one; otherwise asks for it."""

    def name(self) -> str:
        return "action_ask_telefono"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        del_canal = telefono_del_canal(tracker)
        if del_canal and not tracker.get_slot("otro_telefono"):
            dispatcher.utter_message(response="utter_confirmar_telefono", telefono_canal=del_canal)
        else:
            dispatcher.utter_message(response="utter_ask_telefono")
        return []


class ActionAskRegistroConfirmado(Action):
    """The summary to confirm before anything is sent."""

    def name(self) -> str:
        return "action_ask_registro_confirmado"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(CORRIGIENDO):
            return []  # "¿Qué dato quieres corregir?" was just asked: no second summary
        dispatcher.utter_message(
            response="utter_resumen_registro",
            residencia=residencia_legible(tracker),
            ingreso=ingreso_legible(tracker),
            recordatorio=recordatorio_legible(tracker),
            nss_resumen=nss_legible(tracker),
            domicilio=domicilio_legible(tracker),
        )
        return []


class ActionFinalizarRegistro(Action):
    """After the form: cancelled, no consent, or submit to the enrollment service."""

    def name(self) -> str:
        return "action_finalizar_registro"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if formularios.fue_cancelado(tracker):
            dispatcher.utter_message(response="utter_prerregistro_cancelado")
            return self._olvidar() + [SlotSet(PENDIENTE, None)]
        if formularios.fue_pausado(tracker):  # the answers stay for "continuar"
            return [SlotSet(formularios.PAUSADO, False)]
        if tracker.get_slot("consentimiento") is False:
            dispatcher.utter_message(response="utter_sin_consentimiento")
            return [SlotSet("consentimiento", None)]
        if not tracker.get_slot("registro_confirmado"):
            return []  # the form ended without a confirmed summary: nothing to send
        return await self._enviar(dispatcher, tracker)

    async def _enviar(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        datos = datos_para_servicio(tracker)
        # Same data from the same conversation = same key: a retried message never registers twice.
        clave = lectura.clave_idempotencia(tracker.sender_id, json.dumps(datos, sort_keys=True))
        resultado = await cliente().registrar(datos, idempotency_key=clave)
        if resultado.ok:
            return self._enviado(dispatcher, resultado)
        if resultado.error == YA_EXISTE:
            # Someone's open registration (maybe this person's): the service says nothing of it,
            # and neither do we; the answers given here are forgotten.
            logger.info("registro no enviado: error=%s", resultado.error)
            dispatcher.utter_message(response="utter_registro_ya_existia")
            return self._olvidar() + [SlotSet(PENDIENTE, None)]
        if resultado.error == "invalido":
            return self._rechazado(dispatcher, resultado)
        logger.warning("registro no enviado: error=%s status=%s", resultado.error, resultado.status)
        dispatcher.utter_message(response=respuestas.SERVICIO_CAIDO_REINTENTAR)
        return [SlotSet(PENDIENTE, FORM)]

    def _enviado(self, dispatcher: CollectingDispatcher, resultado: RespuestaServicio) -> list:
        datos = resultado.datos
        logger.info("registro enviado: folio=%s nuevo=%s", datos["folio"], resultado.status == 201)
        dispatcher.utter_message(
            response="utter_registro_enviado",
            folio=datos["folio"],
            monto=lectura.dinero(datos["monto_mensual"], "MXN"),
        )
        dispatcher.utter_message(response="utter_registro_siguientes_pasos")
        return self._olvidar() + [SlotSet("folio", datos["folio"]), SlotSet(PENDIENTE, None)]

    def _rechazado(self, dispatcher: CollectingDispatcher, resultado: RespuestaServicio) -> list:
        """The service refused some fields: explain, forget just those, and ask them again."""
        for mensaje in resultado.mensajes[:2]:
            dispatcher.utter_message(text=mensaje)
        slots = {CAMPO_A_SLOT[c] for c in resultado.campos if c in CAMPO_A_SLOT}
        if not slots:
            dispatcher.utter_message(response=respuestas.SERVICIO_NO_DISPONIBLE)
            return [SlotSet(PENDIENTE, None)]
        borrar = {"registro_confirmado", *slots}
        for slot in slots:
            borrar.update(ValidateRegistroForm.DEPENDIENTES.get(slot, ()))
        return formularios.limpiar(sorted(borrar)) + [FollowupAction(FORM)]

    @staticmethod
    def _olvidar() -> list:
        return formularios.limpiar(DATOS_REGISTRO) + [
            SlotSet(CANCELADO, False),
            SlotSet(CORRIGIENDO, False),
        ]


class ActionContinuar(Action):
    """ "continuar" / "intentar de nuevo": retry what the service could not do, or resume."""

    def name(self) -> str:
        return "action_continuar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pendiente = tracker.get_slot(PENDIENTE)
        if pendiente in domain.get("forms", {}):
            return [FollowupAction(pendiente)]
        if registro_a_medias(tracker):
            return [FollowupAction(FORM)]
        dispatcher.utter_message(response="utter_nada_pendiente")
        return []


class ActionCancelar(Action):
    """ "cancelar" outside a form: drop what is half done or pending, or say there is nothing."""

    def name(self) -> str:
        return "action_cancelar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pendiente = tracker.get_slot(PENDIENTE)
        if registro_a_medias(tracker) or pendiente == FORM:
            dispatcher.utter_message(response="utter_prerregistro_cancelado")
            return ActionFinalizarRegistro._olvidar() + [SlotSet(PENDIENTE, None)]
        forms = domain.get("forms", {})
        if pendiente in forms:  # a quote, status check or deletion waiting for the service
            dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
            return formularios.limpiar(forms[pendiente]["required_slots"]) + [
                SlotSet(formularios.CODIGO_PEDIDO, None),
                SlotSet(PENDIENTE, None),
            ]
        dispatcher.utter_message(response="utter_nada_que_cancelar")
        return []


class ActionCorregir(Action):
    """ "me equivoqué en el correo" outside a form: reopen the registration at that answer."""

    def name(self) -> str:
        return "action_corregir"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if registro_a_medias(tracker):
            campo = lectura.pide_correccion(formularios.texto(tracker))
            eventos: list[dict[str, Any]] = [SlotSet("registro_confirmado", None)]
            if campo in PREGUNTAS:
                dispatcher.utter_message(
                    response=respuestas.CORREGIR_CAMPO, campo=lectura.CAMPOS[campo]
                )
                borrar = (campo, *ValidateRegistroForm.DEPENDIENTES.get(campo, ()))
                eventos += formularios.limpiar(borrar)
            else:
                eventos.append(SlotSet(CORRIGIENDO, True))
            return eventos + [FollowupAction(FORM)]
        if tracker.get_slot("folio"):
            dispatcher.utter_message(response="utter_corregir_enviado")
        else:
            dispatcher.utter_message(response="utter_nada_pendiente")
        return []


class ActionSessionStart(Action):
    """Rasa's session start (slots carried over), plus a reminder of a half-done registration."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        eventos: list[dict[str, Any]] = [SessionStarted()]
        # A form does not survive a new session, so neither does the question it was asking.
        eventos += [
            SlotSet(nombre, valor)
            for nombre, valor in tracker.slots.items()
            if valor is not None and nombre != "requested_slot"
        ]
        if registro_a_medias(tracker):
            dispatcher.utter_message(response="utter_registro_a_medias")
        eventos.append(ActionExecuted("action_listen"))
        return eventos
