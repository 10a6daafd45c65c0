"""Channels: the canonical names, how to tell the channel of a conversation, and their labels.

Canonical names (analytics rows, console statistics, Twilio metadata ``canal``):
``whatsapp``, ``sms``, ``web`` (socket.io widget), ``rest`` (REST API), ``consola`` (a promoter's
question in the console) and ``otro``.

Handoff tickets (``canalizaciones.canal``, the service's ``Canal`` enum) store SMS with its older
spelling :data:`TELEFONO` ("telefono"); stored rows and the API keep it. :func:`canonico` reads
either spelling as ``sms``, :func:`canal_de_ticket` gives the spelling a ticket stores.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CANALES",
    "CONSOLA",
    "EMAIL",
    "ENTRADA_REST",
    "ENTRADA_SOCKETIO",
    "ENTRADA_TWILIO",
    "ETIQUETAS",
    "OTRO",
    "PREFIJO_CONSOLA",
    "PREFIJOS_RESERVADOS",
    "PREFIJO_TWILIO",
    "PREFIJO_WEB",
    "REST",
    "SMS",
    "TELEFONO",
    "TELEGRAM",
    "WEB",
    "WHATSAPP",
    "canal_de_evento",
    "canal_de_sender",
    "canal_de_ticket",
    "canonico",
    "etiqueta",
    "etiqueta_en_frase",
    "id_web",
    "medio_de_remitente",
    "medio_de_ticket",
    "prefijo_reservado",
]

WHATSAPP = "whatsapp"
SMS = "sms"
WEB = "web"
REST = "rest"
CONSOLA = "consola"
OTRO = "otro"
#: SMS as handoff tickets and the service's API spell it (stored rows: keep it).
TELEFONO = "telefono"
# Ticket channels the service's API also accepts (no input channel of ours uses them yet).
EMAIL = "email"
TELEGRAM = "telegram"

#: Channels of the analytics records (``POST /v1/metricas``) and the console's statistics.
CANALES = (WHATSAPP, SMS, WEB, REST, CONSOLA, OTRO)
#: Twilio media: the ``canal`` of a Twilio message's metadata.
MEDIOS_TWILIO = (SMS, WHATSAPP)

# Rasa input channel names (``UserMessage.input_channel``) of channels/.
ENTRADA_TWILIO = "twilio_orienta"
ENTRADA_SOCKETIO = "socketio"
ENTRADA_REST = "rest"

#: Sender ids: "tw-<hash>" (channels/twilio.py), "web-<session id>" (channels/socketio.py),
#: "consola-<promotor>-<random>" (console, through REST). The server adds "tw-" and "web-".
PREFIJO_TWILIO = "tw-"
PREFIJO_WEB = "web-"
PREFIJO_CONSOLA = "consola-"
#: Prefixes only the server gives: a client-chosen sender id may not start with one of them.
PREFIJOS_RESERVADOS = (PREFIJO_TWILIO, PREFIJO_WEB)

#: Labels of the console's statistics and charts.
ETIQUETAS: dict[str, str] = {
    WHATSAPP: "WhatsApp",
    SMS: "SMS",
    WEB: "Chat web",
    # REST: tests, benchmarks and other systems, never a person on a chat of ours.
    REST: "Pruebas y otros sistemas",
    CONSOLA: "Consola",
    OTRO: "Otro",
}
# Labels inside a sentence (handoff summary, ticket pages): "Orienta, chat web".
_ETIQUETAS_EN_FRASE: dict[str, str] = {
    WHATSAPP: "WhatsApp",
    SMS: "SMS",
    WEB: "chat web",
    EMAIL: "correo",
    TELEGRAM: "Telegram",
}


def canonico(canal: Any) -> str:
    """The canonical name: "telefono" (tickets) is "sms"; case and spaces ignored."""
    nombre = str(canal or "").strip().lower()
    return SMS if nombre == TELEFONO else nombre


def medio_de_ticket(canal: Any) -> str | None:
    """ "sms" or "whatsapp" for a channel Twilio can send to ("telefono" included), else None."""
    nombre = canonico(canal)
    return nombre if nombre in MEDIOS_TWILIO else None


def canal_de_ticket(medio: Any) -> str:
    """The channel a handoff ticket stores for a Twilio medium: "whatsapp" or "telefono"."""
    return WHATSAPP if canonico(medio) == WHATSAPP else TELEFONO


def medio_de_remitente(remitente: str | None) -> str:
    """ "whatsapp" if Twilio's ``From`` starts with "whatsapp:", else "sms"."""
    if remitente and remitente.strip().lower().startswith("whatsapp:"):
        return WHATSAPP
    return SMS


def canal_de_sender(sender_id: Any) -> str | None:
    """The channel a sender id alone tells: "consola" or the Twilio channel ("sms" by default,
    the medium is in the message metadata); None when only the input channel can tell."""
    if not isinstance(sender_id, str):
        return None
    if sender_id.startswith(PREFIJO_CONSOLA):
        return CONSOLA
    if sender_id.startswith(PREFIJO_TWILIO):
        return SMS
    if sender_id.startswith(PREFIJO_WEB):
        return WEB
    return None


def id_web(session_id: str) -> str:
    """The conversation id of a web chat session: the client's id in the channel's namespace,
    so a browser can never name a Twilio (or any other channel's) conversation."""
    return PREFIJO_WEB + session_id


def prefijo_reservado(sender_id: str) -> str | None:
    """The reserved prefix a client-chosen sender id starts with (case ignored), else None."""
    minusculas = sender_id.strip().lower()
    return next((p for p in PREFIJOS_RESERVADOS if minusculas.startswith(p)), None)


def canal_de_evento(evento: Any) -> str:
    """Channel of a Rasa user event (``input_channel`` + Twilio's ``metadata.canal``)."""
    if not isinstance(evento, dict):
        return OTRO
    if canal_de_sender(evento.get("sender_id")) == CONSOLA:
        return CONSOLA
    entrada = evento.get("input_channel")
    if entrada == ENTRADA_TWILIO:
        meta = evento.get("metadata")
        medio = meta.get("canal") if isinstance(meta, dict) else None
        return medio if medio in MEDIOS_TWILIO else SMS
    if entrada == ENTRADA_SOCKETIO:
        return WEB
    if entrada == ENTRADA_REST:
        return REST
    return OTRO


def etiqueta(canal: Any) -> str:
    """Label for the statistics: "WhatsApp", "SMS", "Chat web", … (the name if unknown)."""
    return ETIQUETAS.get(canonico(canal), str(canal))


def etiqueta_en_frase(canal: Any) -> str:
    """Label inside a sentence: "WhatsApp", "SMS", "chat web", "correo" (the name if unknown)."""
    return _ETIQUETAS_EN_FRASE.get(canonico(canal), str(canal))
