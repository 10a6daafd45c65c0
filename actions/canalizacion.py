"""Talking to a person: `action_canalizar` opens a ticket for the promoters' team.

The ticket carries a summary WITHOUT personal data (topics asked about, registration status,
messages not understood, channel), the channel and address to reply through (the phone number on
WhatsApp/SMS, the sender_id in the web chat) and the consulate if we know it. The idempotency key
comes from the message, so a message the channel repeats does not open two tickets.

It also carries the conversation so far (``historial``: the last turns of this session, the
person's and the assistant's texts), which the promoter reads in the case's thread: it is the
person's own words, sent to the service only (never logged), and ``origen`` (``prueba`` for our
tests and benchmarks, ``consola`` for the console's "Preguntar": ``bot.canalizacion``), so those
are not counted as real cases. From then on the channels pass the person's messages to the
promoter instead of the bot (``channels/canalizacion.py``) until the case is closed or the person
writes MENÚ.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api import inscripcion
from actions.fallback import FALLBACK_INTENT
from bot import canales, lectura, temas
from bot.canalizacion import origen_de_sender
from bot.folio import es_folio
from bot.validacion import es_e164

log = logging.getLogger("orienta.actions.canalizacion")

CANALIZACION_ID = "canalizacion_id"
CONSULADO = "consulado"
METADATA_SESION = "session_started_metadata"
MAX_RESUMEN = 1000
#: The conversation sent with the ticket: the last turns of the session, each text cut.
MAX_TURNOS_HISTORIAL = 30
MAX_TEXTO_HISTORIAL = 1000

# Responses only this action sends.
CANALIZACION_CREADA = "utter_canalizacion_creada"
CANALIZACION_CREADA_SIN_CONSULADO = "utter_canalizacion_creada_sin_consulado"
CANALIZACION_EXISTENTE = "utter_canalizacion_existente"
CANALIZACION_RECIBIDA = "utter_canalizacion_recibida"
CANALIZACION_NO_DISPONIBLE = "utter_canalizacion_no_disponible"
CONTACTO_PROMOTOR = "utter_contacto_promotor"  # already exists (rules use it too)
ENVIADAS = frozenset(
    {
        CANALIZACION_CREADA,
        CANALIZACION_CREADA_SIN_CONSULADO,
        CANALIZACION_EXISTENTE,
        CANALIZACION_RECIBIDA,
        CANALIZACION_NO_DISPONIBLE,
        CONTACTO_PROMOTOR,
    }
)


# Procedures (not topics) that are useful to the promoter too.
TRAMITES = {
    "cotizar": "cotizar su cuota",
    "consultar_registro": "consultar su registro",
    "borrar_datos": "borrar sus datos",
    "ventanilla_cercana": "buscar su Ventanilla de Salud",
    "inscribirme": "inscribirse",
}


# --------------------------------------------------------------------------- channel
def _metadata_valida(metadata: Any) -> tuple[str, str] | None:
    if not isinstance(metadata, dict):
        return None
    telefono = str(metadata.get("telefono") or "").strip()
    if not es_e164(telefono):
        return None
    medio = str(metadata.get("canal") or "").strip().lower()
    return canales.canal_de_ticket(medio), telefono


def canal_y_direccion(tracker: Tracker) -> tuple[str, str]:
    """("whatsapp" | "telefono", "+1...") from the message's or the session's metadata;
    ("web", sender_id) without it (web chat, REST)."""
    return (
        _metadata_valida(tracker.latest_message.get("metadata"))
        or _metadata_valida(tracker.get_slot(METADATA_SESION))
        or (canales.WEB, tracker.sender_id)
    )


# --------------------------------------------------------------------------- session
def eventos_de_sesion(tracker: Tracker) -> list[dict[str, Any]]:
    """The events since the last `session_started` (the current conversation)."""
    eventos = list(tracker.events)
    for i in range(len(eventos) - 1, -1, -1):
        if eventos[i].get("event") == "session_started":
            return eventos[i + 1 :]
    return eventos


def _intenciones(eventos: list[dict[str, Any]]) -> list[str]:
    nombres = []
    for e in eventos:
        if e.get("event") == "user":
            nombre = ((e.get("parse_data") or {}).get("intent") or {}).get("name")
            if nombre:
                nombres.append(nombre)
    return nombres


def _unicos_recientes(nombres: list[str]) -> list[str]:
    vistos: list[str] = []
    for nombre in reversed(nombres):
        if nombre not in vistos:
            vistos.append(nombre)
    return vistos


def temas_consultados(tracker: Tracker) -> list[str]:
    """Titles of the knowledge-base entries this conversation got, most recent first, no repeats."""
    elegidas = [
        temas.tema_de_mensaje(e.get("parse_data"))
        for e in eventos_de_sesion(tracker)
        if e.get("event") == "user"
    ]
    titulos = temas.titulos()
    return [titulos[n] for n in _unicos_recientes([n for n in elegidas if n])]


def tramites_pedidos(tracker: Tracker) -> list[str]:
    nombres = _intenciones(eventos_de_sesion(tracker))
    return [TRAMITES[n] for n in _unicos_recientes([n for n in nombres if n in TRAMITES])]


def no_entendidos(tracker: Tracker) -> int:
    return _intenciones(eventos_de_sesion(tracker)).count(FALLBACK_INTENT)


def estado_registro(tracker: Tracker) -> str | None:
    folio = str(tracker.get_slot("folio") or "").strip().upper()
    if folio:
        return f"enviado (folio {folio})" if es_folio(folio) else "enviado"
    if not tracker.get_slot("consentimiento"):
        return None
    if tracker.get_slot("pendiente") == "registro_form":  # service down at submission
        return "terminado, pendiente de enviar (el servicio no respondió)"
    return "en curso, sin terminar"


def canalizacion_en_sesion(tracker: Tracker) -> str | None:
    """The ticket already opened in this same conversation, if any."""
    ticket = None
    for e in eventos_de_sesion(tracker):
        if e.get("event") == "slot" and e.get("name") == CANALIZACION_ID:
            ticket = e.get("value")
    return str(ticket) if ticket else None


def resumen(tracker: Tracker, canal: str) -> str:
    """Summary for the promoter. Only fixed labels and counts: never the person's text or
    personal data (CURP, NSS, email, phone, name, income)."""
    temas_vistos = temas_consultados(tracker)
    lineas = [f"Pide hablar con una persona (Orienta, {canales.etiqueta_en_frase(canal)})."]
    tramites = tramites_pedidos(tracker)
    if tramites:
        lineas.append("Trámites que intentó: " + "; ".join(tramites) + ".")
    registro = estado_registro(tracker)
    lineas.append(f"Registro PTI: {registro}." if registro else "Registro PTI: no iniciado.")
    lineas.append(f"Mensajes que el asistente no entendió: {no_entendidos(tracker)}.")
    consulado = tracker.get_slot(CONSULADO)
    if consulado:
        lineas.append(f"Ventanilla/consulado cercano: {consulado}.")

    def armar(lista: list[str]) -> str:
        cabeza = "Temas consultados (del más reciente): "
        temas_linea = (
            [cabeza + "; ".join(lista) + "."] if lista else ["Temas consultados: ninguno."]
        )
        return "\n".join(lineas[:1] + temas_linea + lineas[1:])

    while temas_vistos and len(armar(temas_vistos)) > MAX_RESUMEN:
        temas_vistos = temas_vistos[:-1]
    return armar(temas_vistos)[:MAX_RESUMEN]


def historial(tracker: Tracker) -> list[dict[str, str]]:
    """The session's last turns, oldest first: ``{"autor": "persona"|"asistente", "texto"}``.

    A button's payload (``/afirmar``) is not something the person wrote: left out."""
    turnos: list[dict[str, str]] = []
    for evento in eventos_de_sesion(tracker):
        texto = str(evento.get("text") or "").strip()
        if not texto:
            continue
        if evento.get("event") == "user" and not texto.startswith("/"):
            turnos.append({"autor": "persona", "texto": texto[:MAX_TEXTO_HISTORIAL]})
        elif evento.get("event") == "bot":
            turnos.append({"autor": "asistente", "texto": texto[:MAX_TEXTO_HISTORIAL]})
    return turnos[-MAX_TURNOS_HISTORIAL:]


def clave(tracker: Tracker) -> str:
    """Idempotency key: conversation + the message's id (or its time)."""
    mensaje = tracker.latest_message.get("message_id")
    if not mensaje:
        usuarios = [e for e in tracker.events if e.get("event") == "user"]
        hora = usuarios[-1].get("timestamp") if usuarios else None
        mensaje = f"t{hora}" if hora is not None else f"n{len(usuarios)}"
    return lectura.clave_idempotencia("canalizacion", tracker.sender_id, str(mensaje))


async def crear(
    tracker: Tracker, canal: str, direccion: str, consulado: str | None, *, con_historial: bool
) -> inscripcion.RespuestaServicio:
    return await inscripcion.cliente().crear_canalizacion(
        resumen(tracker, canal),
        canal,
        direccion,
        consulado=consulado,
        idempotency_key=clave(tracker),
        historial=historial(tracker) if con_historial else None,
        origen=origen_de_sender(tracker.sender_id) if con_historial else None,
    )


# --------------------------------------------------------------------------- action
class ActionCanalizar(Action):
    def name(self) -> str:
        return "action_canalizar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Asked again: the service answers with the address's open ticket (the same one), or a
        # new one if a promoter closed the last (the slot alone cannot tell).
        abierta = canalizacion_en_sesion(tracker)
        canal, direccion = canal_y_direccion(tracker)
        consulado = str(tracker.get_slot(CONSULADO) or "").strip() or None
        try:
            resultado = await crear(tracker, canal, direccion, consulado, con_historial=True)
            if resultado.error == inscripcion.INVALIDO:
                # A service older than `historial`/`origen` refuses unknown fields (422): the
                # person still gets a case, without the conversation (rolling deployments).
                log.warning("canalizacion: el servicio rechazó historial/origen; sin ellos")
                resultado = await crear(tracker, canal, direccion, consulado, con_historial=False)
        except Exception:  # the client does not raise on HTTP errors; this is a safety net
            log.exception("canalizacion error inesperado canal=%s", canal)
            resultado = inscripcion.RespuestaServicio.fallo(inscripcion.NO_DISPONIBLE)

        ticket = (resultado.datos or {}).get("id") if resultado.ok else None
        if ticket is not None and abierta == str(ticket):
            dispatcher.utter_message(response=CANALIZACION_EXISTENTE, ticket=abierta)
            return []
        if ticket is not None:
            log.info("canalizacion creada id=%s canal=%s", ticket, canal)
            if consulado:
                dispatcher.utter_message(
                    response=CANALIZACION_CREADA, ticket=ticket, consulado=consulado
                )
            else:
                dispatcher.utter_message(response=CANALIZACION_CREADA_SIN_CONSULADO, ticket=ticket)
            return [SlotSet(CANALIZACION_ID, str(ticket))]

        if resultado.error == inscripcion.CONFLICTO:
            # The same key already opened a ticket (a repeated message with another summary).
            log.info("canalizacion ya existente (conflicto de clave) canal=%s", canal)
            dispatcher.utter_message(response=CANALIZACION_RECIBIDA)
            return []

        log.warning(
            "canalizacion fallo error=%s status=%s canal=%s",
            resultado.error or "sin_id",
            resultado.status,
            canal,
        )
        dispatcher.utter_message(response=CANALIZACION_NO_DISPONIBLE)
        dispatcher.utter_message(response=CONTACTO_PROMOTOR)
        return []
