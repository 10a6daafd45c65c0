"""Orienta's Twilio input channel (SMS and WhatsApp), instead of Rasa's connector.

Differences from ``rasa.core.channels.twilio`` (see docs/twilio.md):
- checks ``X-Twilio-Signature`` (403 if missing or wrong; with no token configured, always 403);
- answers within the webhook with TwiML, without calls to Twilio's REST API;
- joins the messages of one turn into the fewest messages (≤ 1600 characters, ≤ 3);
- does not rewrite the text (``¡`` arrives as ``¡``);
- processes each ``MessageSid`` once; the ``sender_id`` is an HMAC of the phone number with a
  secret salt (``ORIENTA_TWILIO_ID_SALT``, required with the token), not reversible without it;
- refuses to start with a placeholder, example or short token or salt (``bot/secretos.py``);
- with ``ORIENTA_REDIS_URL``, the dedup and the numbered options are shared between replicas
  (``channels/estado_compartido.py``); without it they live in the process's memory;
- puts first the promoters' replies waiting for that phone (``channels/entregas.py``);
- while a promoter has the conversation, the message goes to the ticket's thread instead of
  the bot (``channels/canalizacion.py``; ``MessageSid`` is its ``id_externo``).

In credentials.yml::

    channels.twilio.TwilioCanal:

Configured through environment variables (``AjustesTwilio``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseSettings, Field, SecretStr, validator
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot import canales
from bot import canalizacion as reglas_canalizacion
from bot.mensajes import (
    Formateado,
    Opcion,
    formatear_turno,
    texto_sistema,
)
from bot.secretos import exigir
from bot.texto import limpiar_texto
from channels import almacen, avisos, canalizacion, entregas
from channels.canalizacion import Decision
from channels.estado_compartido import CacheTTL, crear_estado
from channels.rest import (  # the same words on every channel
    MAX_TEXTO,
    TEXTO_ERROR,
    TEXTO_LARGO,
    TEXTO_SIN_RESPUESTA,
    TEXTO_VACIO,
)

logger = logging.getLogger(__name__)

NOMBRE_CANAL = canales.ENTRADA_TWILIO

TEXTO_MEDIA = (
    "Por ahora solo puedo leer mensajes de texto: no abro fotos, audios, videos ni archivos. "
    "Escribe tu pregunta, por ejemplo: ¿cuánto cuesta? O escribe MENÚ para ver los temas."
)
TEXTO_UBICACION = (
    "Gracias, pero no puedo usar ubicaciones. Escribe tu pregunta con palabras "
    "o MENÚ para ver los temas."
)
TEXTO_DEMORA = (
    "Estoy tardando más de lo normal en responder. Escríbeme de nuevo en un momento, por favor."
)

# Promoters' replies per message (≤ 1000 characters each): with 2, the bot's answer still fits
# in the 3 messages of 1600; the others come with the next message.
MAX_RESPUESTAS_PROMOTOR = 2

_PATRON_OPCION = re.compile(r"^\s*(?:opci[oó]n\s*)?#?(\d{1,2})\s*[).]?\s*$", re.IGNORECASE)
# Characters XML 1.0 does not allow, not even escaped (outgoing TwiML). A different rule from
# bot.texto.CARACTERES_DE_CONTROL (incoming text): only what would break the XML.
_NO_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Manejador = Callable[[UserMessage], Awaitable[Any]]


class AjustesTwilio(BaseSettings):
    """The channel's settings; environment variables ``ORIENTA_TWILIO_*``."""

    # The Twilio account's Auth Token. Without it, every webhook request gets 403.
    auth_token: Optional[SecretStr] = None  # noqa: UP045 (pydantic 1.8 does not understand X | None)
    # The exact public URL Twilio calls (behind a proxy). With only scheme and host, the
    # request's path is appended. Unset: the request's URL + X-Forwarded-*.
    public_url: Optional[str] = None  # noqa: UP045
    # Secret salt of the sender's hash (HMAC-SHA256 of the number): required with the token, so
    # a sender id cannot be reversed by hashing every phone number. Never change it afterwards.
    id_salt: Optional[SecretStr] = None  # noqa: UP045
    # Longest a Rasa turn may take (Twilio gives up after 15 s, connection included).
    timeout_s: float = 12.0
    # Cache of MessageSid → TwiML (Twilio's retries and duplicates).
    dedup_ttl_s: float = 24 * 3600.0
    dedup_max: int = 10_000
    # The last numbered options sent to each sender.
    opciones_ttl_s: float = 3600.0
    opciones_max: int = 10_000
    # ORIENTA_REDIS_URL (redis://host:6379/0): dedup and options shared between replicas
    # (channels/estado_compartido.py). Unset: in the process's memory (one replica only).
    redis_url: Optional[SecretStr] = Field(None, env="ORIENTA_REDIS_URL")  # noqa: UP045
    # With Redis, its values are encrypted with the tracker's Fernet key (required then).
    tracker_key: Optional[SecretStr] = Field(None, env="ORIENTA_TRACKER_KEY")  # noqa: UP045

    class Config:
        env_prefix = "ORIENTA_TWILIO_"

    @validator("auth_token", "public_url", "id_salt", "redis_url", "tracker_key", pre=True)
    def _vacio_es_none(cls, valor: Any) -> Any:
        if isinstance(valor, str) and not valor.strip():
            return None
        return valor.strip() if isinstance(valor, str) else valor


class _Parametros(dict):
    """The form's parameters (repeated values included) for ``RequestValidator``."""

    def getall(self, clave: str) -> list[str]:
        return self[clave]

    def primero(self, clave: str, defecto: str = "") -> str:
        valores = self.get(clave)
        return valores[0] if valores else defecto


def leer_formulario(request: Request) -> _Parametros:
    """Reads the x-www-form-urlencoded body, keeping empty values.

    Sanic's ``request.form`` drops empty parameters (``Body=``), but Twilio includes them in the
    signature: all of them must be read.
    """
    parametros = _Parametros()
    cuerpo = (request.body or b"").decode("utf-8", errors="strict")
    for clave, valor in parse_qsl(cuerpo, keep_blank_values=True):
        parametros.setdefault(clave, []).append(valor)
    return parametros


def id_remitente(remitente: str, sal: str) -> str:
    """A stable ``sender_id`` for Rasa without the phone number: 'tw-' + 20 hex digits of the
    HMAC-SHA256 of the number with the secret salt. There is no unsalted form: a plain hash of a
    phone number is reversed by hashing the ~10^10 numbers of a country in minutes."""
    if not sal:
        raise ValueError("id_remitente needs ORIENTA_TWILIO_ID_SALT")
    datos = remitente.strip().encode("utf-8")
    digest = hmac.new(sal.encode("utf-8"), datos, hashlib.sha256).hexdigest()
    return canales.PREFIJO_TWILIO + digest[:20]


def exigir_secretos(ajustes: AjustesTwilio) -> None:
    """With a token (the channel enabled), the token and the sender-id salt must be real secrets
    (``bot/secretos.py``): a placeholder, an example value or a short one refuses to start."""
    token = ajustes.auth_token
    if token is None:
        return
    sal = ajustes.id_salt
    exigir(
        {
            "ORIENTA_TWILIO_AUTH_TOKEN": token.get_secret_value(),
            "ORIENTA_TWILIO_ID_SALT": sal.get_secret_value() if sal else None,
        }
    )


def telefono_e164(remitente: str) -> str:
    """'whatsapp:+13125550100' → '+13125550100'."""
    telefono = remitente.strip()
    if telefono.lower().startswith("whatsapp:"):
        telefono = telefono[len("whatsapp:") :]
    return telefono.strip()


def twiml(cuerpos: list[str]) -> str:
    """``<Response><Message>…</Message></Response>`` with the text escaped."""
    respuesta = MessagingResponse()
    for cuerpo in cuerpos:
        respuesta.message(_NO_XML.sub("", cuerpo))
    return str(respuesta)


class TwilioCanal(InputChannel):
    """Twilio webhook for SMS and WhatsApp that answers with TwiML."""

    @classmethod
    def name(cls) -> str:
        return NOMBRE_CANAL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioCanal:
        if credentials:
            logger.warning(
                "twilio_orienta: se ignoran las claves de credentials.yml (%s); "
                "usa las variables ORIENTA_TWILIO_*",
                ", ".join(sorted(credentials)),
            )
        return cls(AjustesTwilio())

    def __init__(
        self,
        ajustes: AjustesTwilio | None = None,
        reloj: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ajustes = ajustes or AjustesTwilio()
        exigir_secretos(self.ajustes)  # Rasa does not start with a placeholder or without salt
        token = self.ajustes.auth_token
        self._validador = RequestValidator(token.get_secret_value()) if token else None
        self._sal = self.ajustes.id_salt.get_secret_value() if self.ajustes.id_salt else ""
        url = self.ajustes.redis_url.get_secret_value() if self.ajustes.redis_url else None
        self._estado = crear_estado(url, self.ajustes, reloj)
        self._en_curso: dict[str, asyncio.Future[str]] = {}
        self._aviso_sin_token = False
        self._app: Any = None
        almacen.al_borrar(self)  # an erased conversation's cached answers go too

    async def olvidar_conversaciones(self, sender_ids: set[str]) -> None:
        """Erasure (channels/almacen.py): this channel's cached answers and options of those
        conversations are blanked, here and in Redis."""
        for sender_id in sender_ids:
            if sender_id.startswith(canales.PREFIJO_TWILIO):
                await self._estado.olvidar_remitente(sender_id, twiml([]))

    # ------------------------------------------------------------------ signature

    def url_publica(self, request: Request) -> str:
        """The URL Twilio signed: the configured one, or the request's with X-Forwarded-*."""
        ruta = request.path + (f"?{request.query_string}" if request.query_string else "")
        configurada = self.ajustes.public_url
        if configurada:
            partes = urlsplit(configurada)
            if partes.path in ("", "/") and not partes.query:
                return configurada.rstrip("/") + ruta
            return configurada
        esquema = _primero_de_lista(request.headers.get("x-forwarded-proto")) or request.scheme
        host = _primero_de_lista(request.headers.get("x-forwarded-host")) or request.host
        return f"{esquema}://{host}{ruta}"

    def firma_valida(self, request: Request, parametros: _Parametros) -> bool:
        if self._validador is None:
            return False
        firma = request.headers.get("x-twilio-signature")
        if not firma:
            return False
        return self._validador.validate(self.url_publica(request), parametros, firma)

    # ------------------------------------------------------------------ blueprint

    def _avisar_sin_token(self) -> None:
        """One warning (at start-up or on the first request) when the token is missing."""
        if self._validador is None and not self._aviso_sin_token:
            logger.warning(
                "twilio_orienta: falta ORIENTA_TWILIO_AUTH_TOKEN; "
                "todas las peticiones al webhook reciben 403"
            )
            self._aviso_sin_token = True

    def blueprint(self, on_new_message: Manejador) -> Blueprint:
        self._avisar_sin_token()
        bp = Blueprint(f"{NOMBRE_CANAL}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def salud(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configurado": self._validador is not None})

        @bp.route("/webhook", methods=["POST"])
        async def recibir(request: Request) -> HTTPResponse:
            return await self.atender(request, on_new_message)

        return bp

    async def atender(self, request: Request, on_new_message: Manejador) -> HTTPResponse:
        if self._validador is None:
            self._avisar_sin_token()
            return response.text("Forbidden", status=403)
        self._app = request.app  # its Rasa agent's lock store (channels/canalizacion.py)

        try:
            parametros = leer_formulario(request)
        except UnicodeDecodeError:
            return response.text("Forbidden", status=403)
        if not self.firma_valida(request, parametros):
            logger.warning(
                "twilio_orienta: firma ausente o inválida (url=%s)", self.url_publica(request)
            )
            return response.text("Forbidden", status=403)

        if not parametros.primero("From").strip():
            # Twilio always sends From; without it every such request would share one sender.
            logger.warning("twilio_orienta: petición firmada sin From")
            return response.text("Falta el parámetro From.", status=400)
        sid = parametros.primero("MessageSid") or parametros.primero("SmsMessageSid")
        xml = await self._respuesta_unica(sid, parametros, on_new_message)
        return response.text(xml, content_type="text/xml; charset=utf-8")

    async def _respuesta_unica(
        self, sid: str, parametros: _Parametros, on_new_message: Manejador
    ) -> str:
        """Processes each MessageSid once; duplicates get the same answer."""
        if not sid:
            return await self._procesar(sid, parametros, on_new_message)
        en_curso = self._en_curso.get(sid)
        if en_curso is not None:
            logger.info("twilio_orienta: MessageSid %s duplicado mientras se procesa", sid)
            return await asyncio.shield(en_curso)

        futuro: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._en_curso[sid] = futuro
        try:
            xml = await self._respuesta_reservada(sid, parametros, on_new_message)
            futuro.set_result(xml)
            return xml
        except BaseException as error:
            futuro.set_exception(error)
            futuro.exception()  # avoids "Future exception was never retrieved"
            raise
        finally:
            self._en_curso.pop(sid, None)

    async def _respuesta_reservada(
        self, sid: str, parametros: _Parametros, on_new_message: Manejador
    ) -> str:
        """With Redis, the dedup holds across replicas (channels/estado_compartido.py)."""
        reserva = await self._estado.reservar(sid)
        if reserva.respuesta is not None:
            logger.info("twilio_orienta: MessageSid %s duplicado; respuesta en caché", sid)
            return reserva.respuesta
        if reserva.en_curso:
            logger.info("twilio_orienta: MessageSid %s duplicado; otra réplica lo procesa", sid)
            xml = await self._estado.esperar_respuesta(sid, self.ajustes.timeout_s)
            if xml is not None:
                return xml
            # Never processed twice: the copy gets the "taking longer" text instead.
            return twiml(
                [
                    texto_sistema(
                        TEXTO_DEMORA, canales.medio_de_remitente(parametros.primero("From"))
                    )
                ]
            )
        try:
            xml = await self._procesar(sid, parametros, on_new_message)
        except BaseException:
            await self._estado.liberar(sid)
            raise
        sender_id = id_remitente(parametros.primero("From"), self._sal) if self._sal else None
        await self._estado.guardar_respuesta(sid, xml, sender_id)
        return xml

    async def _procesar(self, sid: str, parametros: _Parametros, on_new_message: Manejador) -> str:
        remitente = parametros.primero("From")
        medio = canales.medio_de_remitente(remitente)
        sender_id = id_remitente(remitente, self._sal)
        telefono = telefono_e164(remitente)
        canal_ticket = canales.canal_de_ticket(medio)
        # Promoters' replies waiting for this person's next message, and whether a promoter has
        # the conversation. Never raises; empty if the service does not answer.
        consulta = asyncio.ensure_future(
            # firmado: this request's signature was checked (atender), so the service may
            # trust the number (the console messages only numbers recorded this way).
            entregas.consultar(
                canal_ticket,
                telefono,
                maximo=MAX_RESPUESTAS_PROMOTOR,
                firmado=True,
            )
        )

        fija = None
        if _entero(parametros.primero("NumMedia", "0")) > 0:
            logger.info("twilio_orienta: %s trae media; respuesta fija", sid)
            fija = TEXTO_MEDIA
        elif parametros.primero("Latitude") or parametros.primero("Longitude"):
            logger.info("twilio_orienta: %s es una ubicación; respuesta fija", sid)
            fija = TEXTO_UBICACION
        # Without control characters, bidi overrides or lone surrogates (channels/rest.py).
        texto = limpiar_texto(parametros.primero("Body"))
        # Issue 15: BAJA/STOP… (or RECORDATORIOS) for the payment reminders, confirmed at once.
        confirmacion = (
            None
            if fija
            else await avisos.cambio_de_recordatorios(
                canales.canal_de_ticket(medio), telefono, texto
            )
        )
        if confirmacion:
            mensajes = [{"text": t} for t in (await consulta).textos] + [{"text": confirmacion}]
            return twiml(formatear_turno(mensajes, medio).cuerpos)
        if fija is None and not texto:
            logger.info("twilio_orienta: %s sin texto; respuesta fija", sid)
            fija = TEXTO_VACIO
        elif fija is None and len(texto) > MAX_TEXTO:
            # Twilio caps a message at 1600 characters; longer ones do not reach the model.
            logger.info("twilio_orienta: %s de %d caracteres; respuesta fija", sid, len(texto))
            fija = TEXTO_LARGO
        if fija is not None:
            previas = (await consulta).textos
            if not previas:
                return twiml([texto_sistema(fija, medio)])
            # Replies first, then the fixed text, joined and limited like a bot turn.
            mensajes = [{"text": t} for t in previas] + [{"text": fija}]
            return twiml(formatear_turno(mensajes, medio).cuerpos)

        async def decidir() -> Decision:
            # The redelivered webhook never gets here (MessageSid dedup); the service also
            # stores each MessageSid once.
            id_ext = sid or id_de_twilio(sender_id, texto)
            return await canalizacion.decidir(await consulta, canal_ticket, telefono, texto, id_ext)

        decision = await canalizacion.bajo_cerrojo(
            canalizacion.cerrojo_de(self._app), sender_id, decidir
        )
        if decision.texto_para_bot is None:
            # A promoter has the conversation: no Rasa turn; the acknowledgement the first time,
            # an empty TwiML afterwards. A "2" typed now is for her, not a stale option.
            await self._estado.borrar_opciones(sender_id)
            mensajes = [{"text": t} for t in decision.textos]
            return twiml(formatear_turno(mensajes, medio).cuerpos if mensajes else [])
        if decision.texto_para_bot == texto:
            texto = await self._opcion_elegida(sender_id, texto) or texto
        else:  # back from the promoter: the bot answers its menu
            texto = decision.texto_para_bot
        mensaje = UserMessage(
            text=texto,
            output_channel=(colector := CollectingOutputChannel()),
            sender_id=sender_id,
            input_channel=self.name(),
            message_id=sid or None,
            metadata={"telefono": telefono, "canal": medio},
        )
        cuerpos = await self._turno(
            sid, sender_id, mensaje, colector, on_new_message, medio, _ya(decision.textos)
        )
        return twiml(cuerpos)

    async def _turno(
        self,
        sid: str,
        sender_id: str,
        mensaje: UserMessage,
        colector: CollectingOutputChannel,
        on_new_message: Manejador,
        medio: str,
        pendientes: Awaitable[list[str]] | None = None,
    ) -> list[str]:
        """Runs the Rasa turn with a time limit and formats what the bot said.

        ``pendientes``: promoters' replies, which go before whatever the bot says.
        """
        tarea = asyncio.ensure_future(on_new_message(mensaje))
        extra: list[str] = []
        try:
            # shield: if time runs out, the turn goes on and the tracker stays consistent.
            await asyncio.wait_for(asyncio.shield(tarea), timeout=self.ajustes.timeout_s)
        except asyncio.TimeoutError:
            logger.error("twilio_orienta: %s excedió %.1f s", sid, self.ajustes.timeout_s)
            tarea.add_done_callback(_registrar_fallo_tardio)
            extra = [TEXTO_DEMORA]
        except Exception:
            # Neither the text nor the phone number in the log: only ids.
            logger.exception("twilio_orienta: fallo al procesar %s (%s)", sid, sender_id)
            extra = [TEXTO_ERROR]

        if not colector.messages and not extra:
            # A turn with no reply (e.g. action server down) must not leave SMS users waiting.
            logger.warning("twilio_orienta: %s sin respuesta del bot", sid)
            # Not TEXTO_ERROR: it offers PROMOTOR, which needs the action server too.
            extra = [TEXTO_SIN_RESPUESTA]
        previas = await pendientes if pendientes is not None else []
        mensajes = (
            [{"text": t} for t in previas] + list(colector.messages) + [{"text": t} for t in extra]
        )
        formateado = formatear_turno(mensajes, medio)
        await self._recordar_opciones(sender_id, formateado)
        logger.info(
            "twilio_orienta: %s (%s) → %d mensaje(s), %d opción(es), %d respuesta(s) de promotor%s",
            sid,
            sender_id,
            len(formateado.cuerpos),
            len(formateado.opciones),
            len(previas),
            ", recortado" if formateado.recortado else "",
        )
        return formateado.cuerpos

    # ------------------------------------------------------------------ options

    async def _recordar_opciones(self, sender_id: str, formateado: Formateado) -> None:
        if formateado.opciones:
            await self._estado.guardar_opciones(sender_id, list(formateado.opciones))
        else:
            # If the last reply had no buttons, a "2" is text (e.g. an age).
            await self._estado.borrar_opciones(sender_id)

    async def _opcion_elegida(self, sender_id: str, texto: str) -> str | None:
        coincidencia = _PATRON_OPCION.match(texto)
        if not coincidencia:
            return None
        opciones: list[Opcion] | None = await self._estado.opciones(sender_id)
        if not opciones:
            return None
        numero = int(coincidencia.group(1))
        for opcion in opciones:
            if opcion.numero == numero:
                return opcion.payload
        return None


async def _ya(textos: list[str]) -> list[str]:
    return textos


def id_de_twilio(sender_id: str, texto: str) -> str:
    """A message without MessageSid (never from Twilio itself): the hash of bot.canalizacion."""
    return reglas_canalizacion.id_externo(sender_id, texto, None, int(time.time() // 60))


def _primero_de_lista(valor: str | None) -> str:
    return valor.split(",")[0].strip() if valor else ""


def _entero(valor: str) -> int:
    try:
        return int(valor)
    except ValueError:
        return 0


def _registrar_fallo_tardio(tarea: asyncio.Future[Any]) -> None:
    if not tarea.cancelled() and tarea.exception() is not None:
        logger.error("twilio_orienta: un turno que excedió el tiempo terminó con error")


__all__ = [
    "AjustesTwilio",
    "CacheTTL",
    "TwilioCanal",
    "exigir_secretos",
    "id_remitente",
    "telefono_e164",
    "twiml",
]
