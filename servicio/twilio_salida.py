"""Outbound SMS/WhatsApp messages through Twilio's REST API, for the promoter console.

Synchronous on purpose: the console calls it from FastAPI's threadpool (plain ``def`` routes).
Never raises: any problem (not configured, bad number, Twilio error) returns ``False`` and logs
only the Twilio error code and the ticket/record id passed in, never the number or the text.

Environment (``ORIENTA_TWILIO_*``, shared with ``channels/twilio.py``):

* ``ORIENTA_TWILIO_ACCOUNT_SID``, ``ORIENTA_TWILIO_AUTH_TOKEN``: the account;
* ``ORIENTA_TWILIO_NUMERO_SMS``: E.164 sender for SMS (``telefono`` tickets);
* ``ORIENTA_TWILIO_NUMERO_WHATSAPP``: WhatsApp sender (``+1…`` or ``whatsapp:+1…``).

Numbers come only from requests signed by Twilio (``servicio/inscripcion/contactos.py``): an SMS
reply goes only to a number that wrote to us. WhatsApp only accepts free-form messages within
24 hours of the person's last message; outside it Twilio fails with error 63016 (an approved
template is needed). ``enviar_respuesta`` does not even try when the person's last *signed*
message is older than ``ORIENTA_TWILIO_VENTANA_WHATSAPP_H`` (23 h by default, a margin for
clock skew and queueing); the reply then waits for the person's next message. Twilio often
reports 63016 only
later, in the message's status (not in the API answer); this module does not track status
callbacks, which is why the window is checked here first.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot import canales
from bot.mensajes import MAX_CUERPO, a_gsm7, texto_respuesta_promotor
from bot.secretos import exigir
from bot.tiempo import ahora_utc
from bot.validacion import es_e164

log = logging.getLogger("orienta.twilio.salida")

# Twilio error: free-form WhatsApp message outside the 24-hour customer service window.
ERROR_FUERA_DE_VENTANA = 63016
#: Why a reply was not sent (shown in the console, no personal data).
FALLO_VENTANA = "WhatsApp: pasaron más de 24 h desde su último mensaje"
FALLO_TWILIO = "Twilio no aceptó el mensaje"
#: The thread's event after the template was sent (the reply waits for the person's answer).
AVISO_PLANTILLA = (
    "Pasaron más de 24 h: le avisamos por WhatsApp con la plantilla aprobada; leerá la "
    "respuesta cuando conteste."
)
TIMEOUT_S = 10.0


class AjustesSalida(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORIENTA_TWILIO_", extra="ignore")

    account_sid: str | None = None
    auth_token: SecretStr | None = None
    numero_sms: str | None = None
    numero_whatsapp: str | None = None
    # Hours after the person's last known message during which WhatsApp free-form is tried.
    ventana_whatsapp_h: float = 23.0
    #: Content SID ("HX…") of an approved WhatsApp *utility* template sent outside the window:
    #: "Orienta: tienes una respuesta de tu Ventanilla de Salud (caso {{1}}). Responde a este
    #: mensaje para leerla." Unset: SMS to the same number instead, when SMS is configured.
    plantilla_sid: str | None = None
    #: Only for end-to-end tests and local trials: a fake Twilio API that receives the sends
    #: instead of https://api.twilio.com (unset in every deployment).
    api_url: str | None = None

    @field_validator(
        "account_sid",
        "auth_token",
        "numero_sms",
        "numero_whatsapp",
        "plantilla_sid",
        "api_url",
        mode="before",
    )
    @classmethod
    def _vacio_es_none(cls, valor: Any) -> Any:
        if isinstance(valor, str):
            valor = valor.strip()
            return valor or None
        return valor

    @field_validator("numero_whatsapp")
    @classmethod
    def _sin_prefijo(cls, valor: str | None) -> str | None:
        if valor and valor.lower().startswith("whatsapp:"):
            valor = valor[len("whatsapp:") :].strip()
        return valor or None


API_TWILIO = "https://api.twilio.com"


class _HaciaOtraApi(TwilioHttpClient):
    """Twilio's own HTTP client, sending to ``ORIENTA_TWILIO_API_URL`` (a fake API in tests)."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(API_TWILIO):
            url = self._base + url[len(API_TWILIO) :]
        return super().request(method, url, *args, **kwargs)


def _http(ajustes: AjustesSalida, http_client: HttpClient | None) -> HttpClient:
    if http_client is not None:
        return http_client
    if ajustes.api_url:
        return _HaciaOtraApi(ajustes.api_url, TIMEOUT_S)
    return TwilioHttpClient(timeout=TIMEOUT_S)


def _cliente(ajustes: AjustesSalida, token: SecretStr, http_client: HttpClient | None) -> Client:
    """Twilio's own client for free text and templates alike."""
    return Client(
        ajustes.account_sid, token.get_secret_value(), http_client=_http(ajustes, http_client)
    )


def _remitente(canal: str, ajustes: AjustesSalida) -> str | None:
    if canal == canales.WHATSAPP:
        return ajustes.numero_whatsapp
    if canal == canales.SMS:
        return ajustes.numero_sms
    return None


def exigir_secretos(ajustes: AjustesSalida | None = None) -> None:
    """With outbound sends configured (a token), the token must be a real secret: a placeholder,
    example or short one refuses to start the web app (``bot/secretos.py``)."""
    ajustes = ajustes or AjustesSalida()
    if ajustes.auth_token is not None:
        exigir({"ORIENTA_TWILIO_AUTH_TOKEN": ajustes.auth_token.get_secret_value()})


def configurado(canal: str, ajustes: AjustesSalida | None = None) -> bool:
    """True if messages can be sent on ``canal`` ("telefono"/"sms" or "whatsapp")."""
    ajustes = ajustes or AjustesSalida()
    medio = canales.medio_de_ticket(canal)
    return bool(medio and ajustes.account_sid and ajustes.auth_token and _remitente(medio, ajustes))


def _direccion(canal: str, telefono: str) -> str:
    return f"whatsapp:{telefono}" if canal == canales.WHATSAPP else telefono


def enviar(
    canal: str,
    telefono: str,
    texto: str,
    http_client: HttpClient | None = None,
    *,
    ticket: Any = None,
    ajustes: AjustesSalida | None = None,
) -> bool:
    """Sends ``texto`` to ``telefono`` (E.164) by SMS or WhatsApp. True if Twilio accepted it.

    SMS text is transliterated to GSM-7 like the channel's answers. ``ticket`` is only used in
    log lines (a ticket id or a folio, never personal data).
    """
    ajustes = ajustes or AjustesSalida()
    medio = canales.medio_de_ticket(canal)
    ref = ticket if ticket is not None else "-"
    if not medio or not configurado(medio, ajustes):
        log.info("twilio_salida: canal %s sin configurar (caso=%s)", canal, ref)
        return False
    telefono = (telefono or "").strip()
    cuerpo = (texto or "").strip()
    if not es_e164(telefono) or not cuerpo:
        log.warning("twilio_salida: número o texto no válido (caso=%s)", ref)
        return False
    if medio == canales.SMS:
        cuerpo = a_gsm7(cuerpo)
    cuerpo = cuerpo[:MAX_CUERPO]
    remitente, token = _remitente(medio, ajustes), ajustes.auth_token
    if remitente is None or token is None:  # configurado() said both are set
        return False
    try:
        cliente = _cliente(ajustes, token, http_client)
        mensaje = cliente.messages.create(
            to=_direccion(medio, telefono),
            from_=_direccion(medio, remitente),
            body=cuerpo,
        )
    except TwilioRestException as error:
        log.warning(
            "twilio_salida: Twilio rechazó el mensaje (código=%s, http=%s, caso=%s)%s",
            error.code,
            error.status,
            ref,
            "; fuera de la ventana de 24 h de WhatsApp"
            if error.code == ERROR_FUERA_DE_VENTANA
            else "",
        )
        return False
    except Exception as error:  # noqa: BLE001 - network, bad answer...: never raise
        log.warning("twilio_salida: fallo al enviar (%s, caso=%s)", type(error).__name__, ref)
        return False
    if getattr(mensaje, "status", None) in ("failed", "undelivered") or getattr(
        mensaje, "error_code", None
    ):
        log.warning(
            "twilio_salida: mensaje fallido (código=%s, caso=%s)",
            getattr(mensaje, "error_code", None),
            ref,
        )
        return False
    log.info("twilio_salida: mensaje aceptado sid=%s (caso=%s)", getattr(mensaje, "sid", "?"), ref)
    return True


def enviar_plantilla(
    telefono: str,
    variables: dict[str, str],
    http_client: HttpClient | None = None,
    *,
    ticket: Any = None,
    ajustes: AjustesSalida | None = None,
    content_sid: str | None = None,
) -> bool:
    """Sends an approved WhatsApp template with its variables: ``content_sid``, by default the
    handoff's (``ORIENTA_TWILIO_PLANTILLA_SID``); True if Twilio accepted it. Never raises; logs
    no number and no variable."""
    ajustes = ajustes or AjustesSalida()
    ref = ticket if ticket is not None else "-"
    token, remitente = ajustes.auth_token, ajustes.numero_whatsapp
    content_sid = content_sid or ajustes.plantilla_sid
    if not (content_sid and ajustes.account_sid and token and remitente):
        return False
    if not es_e164((telefono or "").strip()):
        return False
    try:
        cliente = _cliente(ajustes, token, http_client)
        mensaje = cliente.messages.create(
            to=_direccion(canales.WHATSAPP, telefono.strip()),
            from_=_direccion(canales.WHATSAPP, remitente),
            content_sid=content_sid,
            content_variables=json.dumps(variables),
        )
    except TwilioRestException as error:
        log.warning("twilio_salida: plantilla rechazada (código=%s, caso=%s)", error.code, ref)
        return False
    except Exception as error:  # noqa: BLE001 - never raise
        log.warning(
            "twilio_salida: fallo al enviar plantilla (%s, caso=%s)", type(error).__name__, ref
        )
        return False
    if getattr(mensaje, "status", None) in ("failed", "undelivered"):
        return False
    log.info("twilio_salida: plantilla aceptada (caso=%s)", ref)
    return True


def _fuera_de_ventana(
    session: Any, respuesta_row: Any, ticket: Any, http_client: Any, ajustes: AjustesSalida
) -> bool:
    """WhatsApp after 24 h: the approved template tells the person a reply waits (it stays
    pending until they answer); without one, the reply itself by SMS to the same number (it
    wrote to us on WhatsApp in a signed request); otherwise it is marked failed. True only if
    the reply itself was delivered (SMS)."""
    from servicio.inscripcion import canalizaciones as tickets

    if ajustes.plantilla_sid:
        if enviar_plantilla(
            ticket.direccion_canal,
            {"1": str(ticket.id)},
            http_client,
            ticket=ticket.id,
            ajustes=ajustes,
        ):
            tickets.anotar_evento(session, ticket.id, AVISO_PLANTILLA)
            return False
    elif _por_sms(session, respuesta_row, ticket, http_client, ajustes):
        return True
    tickets.marcar_fallida(session, respuesta_row.id, FALLO_VENTANA)
    session.refresh(respuesta_row)
    return False


def _por_sms(
    session: Any, respuesta_row: Any, ticket: Any, http_client: Any, ajustes: AjustesSalida
) -> bool:
    """The reply by SMS to a WhatsApp number that wrote to us in a signed request."""
    from servicio.inscripcion import canalizaciones as tickets

    if not configurado(canales.SMS, ajustes) or not numero_firmado(
        session, canales.WHATSAPP, ticket.direccion_canal
    ):
        return False
    if not tickets.marcar_entregada(session, respuesta_row.id, tickets.VIA_TWILIO):
        return False
    texto = _texto(respuesta_row, ticket)
    if enviar(
        canales.SMS, ticket.direccion_canal, texto, http_client, ticket=ticket.id, ajustes=ajustes
    ):
        session.refresh(respuesta_row)
        return True
    tickets.desmarcar_entrega(session, respuesta_row.id, tickets.VIA_TWILIO)
    return False


def _texto(respuesta_row: Any, ticket: Any) -> str:
    # A notice (closing, timeout) reads as itself; a promoter's reply names the case.
    if getattr(respuesta_row, "autor", None) == "sistema":
        return respuesta_row.texto
    return texto_respuesta_promotor(ticket.id, respuesta_row.texto)


def dentro_de_ventana(session: Any, ticket: Any, ajustes: AjustesSalida) -> bool:
    """WhatsApp: True if the person wrote within the configured window, in a request whose
    Twilio signature was checked (servicio/inscripcion/contactos.py)."""
    return ventana_abierta(session, ticket.canal, ticket.direccion_canal, ajustes)


def ventana_abierta(session: Any, canal: str, telefono: str, ajustes: AjustesSalida) -> bool:
    from servicio.inscripcion import contactos

    ultimo = contactos.ultimo_firmado(session, canal, telefono)
    if ultimo is None:
        return False
    return ahora_utc() - ultimo < timedelta(hours=ajustes.ventana_whatsapp_h)


def numero_firmado(session: Any, canal: str, telefono: str) -> bool:
    """True if ``telefono`` wrote to us on ``canal`` in a signed request (kept 30 days)."""
    from servicio.inscripcion import contactos

    return contactos.ultimo_firmado(session, canal, telefono) is not None


def enviar_respuesta(
    session: Any,
    respuesta_row: Any,
    ticket: Any,
    http_client: HttpClient | None = None,
    *,
    ajustes: AjustesSalida | None = None,
) -> bool:
    """Sends a promoter's reply now and marks it delivered (``twilio``). False: it stays pending
    and goes with the person's next message (not configured, web ticket, WhatsApp window closed,
    Twilio error, or already delivered by a concurrent message).

    The reply is claimed before calling Twilio and released if the send fails, so a message from
    the person arriving meanwhile never delivers it a second time.
    """
    from servicio.inscripcion import canalizaciones as tickets

    ajustes = ajustes or AjustesSalida()
    medio = canales.medio_de_ticket(ticket.canal)
    if medio is None or not configurado(medio, ajustes):
        return False
    if medio == canales.WHATSAPP and not dentro_de_ventana(session, ticket, ajustes):
        log.info("twilio_salida: fuera de la ventana de 24 h de WhatsApp (caso=%s)", ticket.id)
        return _fuera_de_ventana(session, respuesta_row, ticket, http_client, ajustes)
    if medio == canales.SMS and not numero_firmado(session, medio, ticket.direccion_canal):
        log.info("twilio_salida: número sin mensaje firmado por Twilio (caso=%s)", ticket.id)
        return False
    if not tickets.marcar_entregada(session, respuesta_row.id, tickets.VIA_TWILIO):
        return False  # already delivered with the person's message
    texto = _texto(respuesta_row, ticket)
    if enviar(medio, ticket.direccion_canal, texto, http_client, ticket=ticket.id, ajustes=ajustes):
        session.refresh(respuesta_row)
        return True
    tickets.desmarcar_entrega(session, respuesta_row.id, tickets.VIA_TWILIO)
    # Shown as failed in the console (never as delivered); the next message may still carry it.
    tickets.marcar_fallida(session, respuesta_row.id, FALLO_TWILIO)
    session.refresh(respuesta_row)
    return False


__all__ = [
    "AjustesSalida",
    "ERROR_FUERA_DE_VENTANA",
    "configurado",
    "dentro_de_ventana",
    "enviar",
    "enviar_plantilla",
    "enviar_respuesta",
    "exigir_secretos",
    "numero_firmado",
    "ventana_abierta",
]
