"""The conversation while a promoter has it: the bot steps aside (issue 17).

Every incoming message already asks the service for the address's pending replies
(``channels/entregas.py``); the same answer carries the address's active ticket. With one, the
message does not reach Rasa's turn: it goes to the ticket's thread
(``POST /v1/canalizaciones/{ticket}/mensajes``) and the person gets :data:`bot.canalizacion.ACUSE`
the first time only; later messages get no answer from the bot (REST answers ``[]``, Twilio an
empty TwiML). "menú"/"volver al asistente"/"salir" (``bot.canalizacion.pide_volver``) closes the
ticket (``…/volver``), says :data:`~bot.canalizacion.VUELTA` and the bot answers its menu.

Never silent, never lost:
- service down when asking ``entregas``: the handoff is unknown, the bot answers as usual;
- the ticket is unknown or closed (404/409): the bot answers as usual;
- the service fails while posting the message: the person reads
  :data:`~bot.canalizacion.NO_SE_PASO` and the bot answers; the text stays in the tracker.

Two replicas: the lookup and the post run under Rasa's own lock for the conversation (the lock
store, ``channels/cerrojo.py`` with Redis), so two messages of one person are posted in the order
they got their tickets; the Rasa turn that may follow takes the lock again. Each message carries an
``id_externo`` (Twilio's ``MessageSid``, the client's message id, or a hash of conversation + text +
minute: ``bot.canalizacion.id_externo``) and the service stores an id once, so a redelivered
webhook never duplicates a message in the thread (Twilio's own dedup by ``MessageSid``,
``channels/estado_compartido.py``, answers a redelivery with the cached TwiML before this runs).

:class:`EnVivo` delivers promoters' replies to the web chat without the person writing: it polls
``POST /v1/canalizaciones/pendientes`` every ~2 s for the sessions connected to this replica and
emits each reply to the session's room as a person's message (``metadata.autor = "promotor"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from bot import canales
from bot import canalizacion as reglas
from channels import avisos, entregas
from channels.entregas import Entregas

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

log = logging.getLogger("orienta.canalizaciones.en_vivo")

RUTA_MENSAJES = "/v1/canalizaciones/{ticket}/mensajes"
RUTA_VOLVER = "/v1/canalizaciones/{ticket}/volver"
RUTA_PENDIENTES = "/v1/canalizaciones/pendientes"
#: Addresses per poll request (the service's limit).
MAX_DIRECCIONES = 200
#: Longest text of one thread message (the service's limit).
MAX_TEXTO_HILO = 1000
INTERVALO_S = 2.0

Manejador = Callable[["UserMessage"], Awaitable[Any]]

#: The service did not note the return to the bot (down): the ticket may still be open.
NO_SE_VOLVIO = (
    "No pude avisar a la promotora que vuelves al asistente. Te contesto yo; "
    "si ella te escribe otra vez, escribe MENÚ de nuevo."
)


class Publicado(enum.Enum):
    PRIMERO = "primero"  # stored, the first of the person's messages: acknowledge it
    SIGUIENTE = "siguiente"  # stored
    DUPLICADO = "duplicado"  # this id_externo was stored already
    SIN_CASO = "sin_caso"  # 404/409: unknown, another address's or closed ticket
    CAIDO = "caido"  # the service did not answer as expected


async def _post(ruta: str, cuerpo: dict[str, Any]) -> httpx.Response | None:
    """POST to the service with the assistant's key; None on a network error (logged)."""
    base, clave = entregas._ajustes()
    try:
        return await entregas._cliente_compartido().post(
            base + ruta, json=cuerpo, headers={"X-API-Key": clave}
        )
    except Exception as error:  # noqa: BLE001 - the callers decide what the person reads
        log.warning("canalización: el servicio no respondió (%s)", type(error).__name__)
        return None


def partes_del_mensaje(texto: str, id_ext: str) -> list[tuple[str, str]]:
    """(text, id_externo) pieces of at most MAX_TEXTO_HILO characters: the channels take up to
    1600 (Twilio's cap), a thread message holds 1000. Each piece has its own stable id."""
    partes = [texto[i : i + MAX_TEXTO_HILO] for i in range(0, len(texto), MAX_TEXTO_HILO)]
    if len(partes) <= 1:
        return [(texto, id_ext)]
    return [(parte, f"{id_ext}:{n}") for n, parte in enumerate(partes, 1)]


async def publicar(ticket: int, canal: str, direccion: str, texto: str, id_ext: str) -> Publicado:
    """The person's message into the ticket's thread (in pieces if it is long); the first
    piece's answer says whether it was the first message or a duplicate."""
    resultados = [
        await _publicar_parte(ticket, canal, direccion, parte, id_parte)
        for parte, id_parte in partes_del_mensaje(texto, id_ext)
    ]
    for malo in (Publicado.CAIDO, Publicado.SIN_CASO):
        if malo in resultados:
            return malo
    return resultados[0]


async def _publicar_parte(
    ticket: int, canal: str, direccion: str, texto: str, id_ext: str
) -> Publicado:
    r = await _post(
        RUTA_MENSAJES.format(ticket=ticket),
        {"canal": canal, "direccion": direccion, "texto": texto, "id_externo": id_ext},
    )
    if r is None:
        return Publicado.CAIDO
    if r.status_code in (404, 409):
        log.info("canalización: ticket %s sin caso activo (%s)", ticket, r.status_code)
        return Publicado.SIN_CASO
    if r.status_code != 200:
        log.warning("canalización: mensajes respondió %s (ticket %s)", r.status_code, ticket)
        return Publicado.CAIDO
    try:
        cuerpo = r.json()
    except ValueError:
        return Publicado.CAIDO
    if cuerpo.get("duplicado"):
        return Publicado.DUPLICADO
    return Publicado.PRIMERO if cuerpo.get("primero") else Publicado.SIGUIENTE


async def volver(ticket: int, canal: str, direccion: str) -> bool:
    """Closes the ticket at the person's request. True also when it was already closed."""
    r = await _post(RUTA_VOLVER.format(ticket=ticket), {"canal": canal, "direccion": direccion})
    if r is None:
        return False
    if r.status_code in (200, 404, 409):
        return True
    log.warning("canalización: volver respondió %s (ticket %s)", r.status_code, ticket)
    return False


async def pendientes(canal: str, direcciones: list[str]) -> list[dict[str, Any]]:
    """Promoters' replies waiting for these addresses (the service marks them delivered)."""
    if not direcciones:
        return []
    r = await _post(RUTA_PENDIENTES, {"canal": canal, "direcciones": direcciones})
    if r is None or r.status_code != 200:
        if r is not None:
            log.warning("canalización: pendientes respondió %s", r.status_code)
        return []
    try:
        respuestas = r.json().get("respuestas") or []
    except (ValueError, AttributeError):
        return []
    return [
        item
        for item in respuestas
        if isinstance(item, dict) and str(item.get("texto") or "").strip()
    ]


# --------------------------------------------------------------------------- the decision
@dataclass(frozen=True)
class Decision:
    """What the channel does with one message: ``textos`` to send now (the promoters' replies
    first), then a Rasa turn with ``texto_para_bot`` unless it is None."""

    textos: list[str] = field(default_factory=list)
    texto_para_bot: str | None = None
    respuestas: list[dict[str, Any]] = field(default_factory=list)
    #: Who answers now (``bot.canalizacion.CON_PROMOTORA``/``CON_ASISTENTE``) when it changed or
    #: is a promoter; None: the bot, as always.
    estado: str | None = None


async def decidir(
    consulta: Entregas, canal: str, direccion: str, texto: str, id_ext: str
) -> Decision:
    previas = list(consulta.textos)
    activa = consulta.canalizacion
    if activa is None:
        return Decision(previas, texto, consulta.respuestas)
    if reglas.pide_volver(texto):
        cerrada = await volver(activa.ticket, canal, direccion)
        log.info("canalización: la persona vuelve al asistente (ticket %s)", activa.ticket)
        aviso = reglas.VUELTA if cerrada else NO_SE_VOLVIO
        return Decision(
            [*previas, aviso], reglas.PAYLOAD_MENU, consulta.respuestas, reglas.CON_ASISTENTE
        )
    publicado = await publicar(activa.ticket, canal, direccion, texto, id_ext)
    log.info("canalización: mensaje al ticket %s (%s)", activa.ticket, publicado.value)
    if publicado is Publicado.PRIMERO:
        return Decision([*previas, reglas.ACUSE], None, consulta.respuestas, reglas.CON_PROMOTORA)
    if publicado in (Publicado.SIGUIENTE, Publicado.DUPLICADO):
        return Decision(previas, None, consulta.respuestas, reglas.CON_PROMOTORA)
    if publicado is Publicado.CAIDO:
        return Decision([*previas, reglas.NO_SE_PASO], texto, consulta.respuestas)
    return Decision(previas, texto, consulta.respuestas)


async def bajo_cerrojo(
    cerrojo: Any, conversacion: str, trabajo: Callable[[], Awaitable[Decision]]
) -> Decision:
    """``trabajo`` under Rasa's lock for the conversation (``lock_store.lock``), so replicas
    post one person's messages in order. Without a lock store, or if it fails, it runs anyway."""
    if cerrojo is None:
        return await trabajo()
    try:
        contexto = cerrojo.lock(conversacion)
        await contexto.__aenter__()
    except Exception as error:  # noqa: BLE001 - better unordered than lost
        log.warning("canalización: sin cerrojo de la conversación (%s)", type(error).__name__)
        return await trabajo()
    try:
        return await trabajo()
    finally:
        await contexto.__aexit__(None, None, None)


def cerrojo_de(app: Any) -> Any:
    """The Rasa agent's lock store of a Sanic app (None in tests without an agent)."""
    agente = getattr(getattr(app, "ctx", None), "agent", None)
    return getattr(agente, "lock_store", None)


def id_de_mensaje(mensaje: UserMessage) -> str:
    metadata = mensaje.metadata if isinstance(mensaje.metadata, dict) else {}
    cliente = metadata.get("id_mensaje")
    return reglas.id_externo(
        mensaje.sender_id,
        mensaje.text or "",
        cliente if isinstance(cliente, str) else None,
        int(time.time() // 60),
    )


def mensaje_de_promotor(item: dict[str, Any]) -> dict[str, Any]:
    """A promoter's reply as the web chat shows it: a person's message, not the bot's."""
    return {
        "text": str(item.get("texto") or "").strip(),
        "metadata": {
            "autor": reglas.AUTOR_PROMOTOR,
            "nombre": str(item.get("autor_nombre") or "").strip() or "Promotora",
            "rol": reglas.ROL_PROMOTOR,
            "ticket": item.get("ticket"),
        },
    }


async def _mostrar(mensaje: UserMessage, decision: Decision) -> None:
    salida = mensaje.output_channel
    # socket.io shows the promoter's replies as a person's message; other channels as text.
    emitir = getattr(salida, "_send_message", None)
    textos = list(decision.textos)
    if emitir is not None:
        for item in decision.respuestas:
            await emitir(mensaje.sender_id, mensaje_de_promotor(item))
        textos = textos[len(decision.respuestas) :]
        if decision.estado is not None:
            # The web chat learns who answers now with the last text (or alone), so it does
            # not wait for the bot while a promoter has the conversation.
            ultimo = textos.pop() if textos else ""
            for texto in textos:
                await emitir(mensaje.sender_id, {"text": texto})
            estado = {"metadata": {"canalizacion": decision.estado}}
            await emitir(mensaje.sender_id, {"text": ultimo, **estado} if ultimo else estado)
            return
    for texto in textos:
        try:
            await salida.send_text_message(mensaje.sender_id, texto)
        except Exception as error:  # noqa: BLE001
            # Replies are already marked delivered by the service; nothing to retry with.
            log.warning("canalización: no se pudo mostrar un mensaje (%s)", type(error).__name__)


def con_canalizacion(
    on_new_message: Manejador,
    canal: str = canales.WEB,
    cerrojo: Callable[[], Any] = lambda: None,
) -> Manejador:
    """``on_new_message`` for REST and socket.io: pending replies first, then the handoff's
    decision (``decidir``); the Rasa turn runs only when the bot should answer."""

    async def manejar(mensaje: UserMessage) -> Any:
        if not mensaje.sender_id:
            return await on_new_message(mensaje)
        # Issue 15: BAJA/STOP… (or RECORDATORIOS) for the payment reminders, confirmed at once,
        # as on Twilio; the form registers the web chat's address for the notices.
        confirmacion = await avisos.cambio_de_recordatorios(canal, mensaje.sender_id, mensaje.text)
        if confirmacion:
            await mensaje.output_channel.send_text_message(mensaje.sender_id, confirmacion)
            return None

        async def trabajo() -> Decision:
            consulta = await entregas.consultar(canal, mensaje.sender_id)
            return await decidir(
                consulta, canal, mensaje.sender_id, mensaje.text or "", id_de_mensaje(mensaje)
            )

        decision = await bajo_cerrojo(cerrojo(), mensaje.sender_id, trabajo)
        await _mostrar(mensaje, decision)
        if decision.texto_para_bot is None:
            return None
        mensaje.text = decision.texto_para_bot
        return await on_new_message(mensaje)

    return manejar


# --------------------------------------------------------------------------- live web chat
Emisor = Callable[[str, dict[str, Any]], Awaitable[Any]]


class EnVivo:
    """Polls the service for the promoters' replies to this replica's connected web sessions
    and emits each to its room. One polling task per event loop, started on first use."""

    def __init__(
        self, emitir: Emisor, canal: str = canales.WEB, intervalo_s: float = INTERVALO_S
    ) -> None:
        self.emitir = emitir
        self.canal = canal
        self.intervalo_s = intervalo_s
        self._salas: dict[str, int] = {}  # room -> sockets in it
        self._tareas: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    @property
    def salas(self) -> list[str]:
        return list(self._salas)

    def entrar(self, sala: str) -> None:
        self._salas[sala] = self._salas.get(sala, 0) + 1

    def salir(self, sala: str) -> None:
        quedan = self._salas.get(sala, 0) - 1
        if quedan > 0:
            self._salas[sala] = quedan
        else:
            self._salas.pop(sala, None)

    async def repartir(self) -> int:
        """One poll: emits every reply for a connected session; returns how many."""
        emitidas = 0
        salas = self.salas
        for inicio in range(0, len(salas), MAX_DIRECCIONES):
            pedidas = salas[inicio : inicio + MAX_DIRECCIONES]
            for item in await pendientes(self.canal, pedidas):
                sala = str(item.get("direccion") or "")
                if sala not in pedidas:
                    log.warning("canalización: respuesta para una sesión que no se pidió")
                    continue
                await self.emitir(sala, mensaje_de_promotor(item))
                emitidas += 1
        if emitidas:
            log.info("canalización: %d respuesta(s) de promotor en vivo", emitidas)
        return emitidas

    def arrancar(self) -> None:
        """Starts the polling task of the running loop (idempotent)."""
        loop = asyncio.get_running_loop()
        tarea = self._tareas.get(loop)
        if tarea is None or tarea.done():
            for viejo in [lp for lp in self._tareas if lp.is_closed()]:
                del self._tareas[viejo]
            self._tareas[loop] = loop.create_task(self._bucle())

    async def detener(self) -> None:
        for tarea in self._tareas.values():
            tarea.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await tarea
        self._tareas.clear()

    async def _bucle(self) -> None:
        while True:
            if self._salas:
                try:
                    await self.repartir()
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # noqa: BLE001 - the loop must outlive a bad poll
                    log.warning("canalización: fallo al repartir (%s)", type(error).__name__)
            await asyncio.sleep(self.intervalo_s)


__all__ = [
    "EnVivo",
    "Publicado",
    "bajo_cerrojo",
    "cerrojo_de",
    "con_canalizacion",
    "decidir",
    "mensaje_de_promotor",
    "pendientes",
    "publicar",
    "volver",
]
