"""State of the Twilio channel: in the process's memory or shared between replicas (Redis).

Two things the channel (``channels/twilio.py``) has to remember between requests:

- ``MessageSid`` → TwiML: a Twilio retry or duplicate gets the same answer and the message is
  processed only once (this is also the replay protection: Twilio's signature carries no time);
- the numbered options each sender was shown, so that "2" means button 2.

Without ``ORIENTA_REDIS_URL``: ``EstadoMemoria`` (two ``CacheTTL``), correct with one replica
only. With it: ``EstadoRedis``, keys ``orienta:twilio:sid:<MessageSid>`` and
``orienta:twilio:opciones:<sender_id>`` (the sender's hash, never the phone number), JSON
values, the same TTLs; every value is encrypted with the tracker's Fernet key
(``ORIENTA_TRACKER_KEY``, required with Redis): a cached TwiML answer holds what the bot told
the person. The first ``SET NX`` of a ``MessageSid`` leaves the ``procesando`` mark with the
dedup TTL; only the replica that set it processes the message and replaces the mark with the
answer. Another replica that gets the same ``MessageSid`` polls the key for up to ``timeout_s``
and, if no answer arrives, replies with the delay notice: it never processes it again (if the
replica processing it dies, that ``MessageSid`` gets the delay notice until the mark expires).

If Redis fails (down, slow, out of memory) a warning without personal data is logged and that
request uses the replica's memory; for ``espera_caido_s`` Redis is not even tried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from cryptography.fernet import InvalidToken
from redis.exceptions import RedisError, ResponseError

from bot.mensajes import Opcion
from bot.secretos import rechazar_marcador
from channels.almacen import cifrador

logger = logging.getLogger(__name__)

PREFIJO = "orienta:twilio:"
PROCESANDO = "procesando"
LISTO = "listo"
# A Redis that does not answer must not eat the 15 s Twilio gives us.
TIMEOUT_REDIS_S = 0.5
# After a failure, how long only the memory is used before Redis is tried again.
ESPERA_CAIDO_S = 5.0

#: The most recent answers remembered per sender (to blank them on erasure).
MAX_SIDS = 500

T = TypeVar("T")
_ERRORES = (RedisError, OSError, asyncio.TimeoutError)


class CacheTTL:
    """In-memory dictionary with expiry and a maximum size (evicts the oldest entry)."""

    def __init__(
        self, ttl_s: float, max_items: int, reloj: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._reloj = reloj
        self._datos: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, clave: str) -> Any | None:
        item = self._datos.get(clave)
        if item is None:
            return None
        expira, valor = item
        if expira <= self._reloj():
            del self._datos[clave]
            return None
        return valor

    def set(self, clave: str, valor: Any) -> None:
        self._datos.pop(clave, None)
        self._datos[clave] = (self._reloj() + self.ttl_s, valor)
        self._purgar()

    def pop(self, clave: str) -> None:
        self._datos.pop(clave, None)

    def __len__(self) -> int:
        return len(self._datos)

    def _purgar(self) -> None:
        ahora = self._reloj()
        # Entries are in insertion order and all have the same TTL.
        while self._datos:
            clave, (expira, _) = next(iter(self._datos.items()))
            if expira > ahora and len(self._datos) <= self.max_items:
                break
            del self._datos[clave]


@dataclass(frozen=True)
class Reserva:
    """What ``reservar`` returns: process (no answer, none in progress), repeat, or wait."""

    respuesta: str | None = None  # TwiML already stored: returned as is
    en_curso: bool = False  # another replica is processing it


class Ajustes(Protocol):
    dedup_ttl_s: float
    dedup_max: int
    opciones_ttl_s: float
    opciones_max: int


class EstadoMemoria:
    """The state in this process's memory (one replica, or the fallback when Redis fails)."""

    compartido = False

    def __init__(self, ajustes: Ajustes, reloj: Callable[[], float] = time.monotonic) -> None:
        self._respuestas = CacheTTL(ajustes.dedup_ttl_s, ajustes.dedup_max, reloj)
        self._opciones = CacheTTL(ajustes.opciones_ttl_s, ajustes.opciones_max, reloj)
        # sender_id → the MessageSids answered, so an erasure can blank their answers.
        self._sids = CacheTTL(ajustes.dedup_ttl_s, ajustes.dedup_max, reloj)

    # MessageSid → TwiML. The channel merges simultaneous duplicates within one process.
    async def reservar(self, sid: str) -> Reserva:
        return Reserva(respuesta=self._respuestas.get(sid))

    async def esperar_respuesta(self, sid: str, limite_s: float) -> str | None:
        return self._respuestas.get(sid)

    async def guardar_respuesta(self, sid: str, xml: str, sender_id: str | None = None) -> None:
        self._respuestas.set(sid, xml)
        if sender_id:
            self._sids.set(sender_id, [*(self._sids.get(sender_id) or [])[-MAX_SIDS + 1 :], sid])

    async def liberar(self, sid: str) -> None:
        return None

    async def olvidar_remitente(self, sender_id: str, vacio: str) -> None:
        """Erasure: every cached answer to this sender becomes ``vacio`` (the dedup still holds,
        the words are gone) and their numbered options are dropped."""
        for sid in self._sids.get(sender_id) or []:
            if self._respuestas.get(sid) is not None:
                self._respuestas.set(sid, vacio)
        self._sids.pop(sender_id)
        self._opciones.pop(sender_id)

    # sender_id → numbered options of the last reply.
    async def opciones(self, sender_id: str) -> list[Opcion] | None:
        return self._opciones.get(sender_id)

    async def guardar_opciones(self, sender_id: str, opciones: list[Opcion]) -> None:
        self._opciones.set(sender_id, list(opciones))

    async def borrar_opciones(self, sender_id: str) -> None:
        self._opciones.pop(sender_id)


class EstadoRedis:
    """The state in Redis, shared by every replica, with the memory as fallback."""

    compartido = True

    def __init__(
        self,
        url: str,
        ajustes: Ajustes,
        reloj: Callable[[], float] = time.monotonic,
        timeout_s: float = TIMEOUT_REDIS_S,
        espera_caido_s: float = ESPERA_CAIDO_S,
    ) -> None:
        rechazar_marcador("ORIENTA_REDIS_URL (contraseña)", urlsplit(url).password)
        self._url = url
        self._timeout_s = timeout_s
        self._espera_caido_s = espera_caido_s
        self._ttl_dedup = max(1, int(ajustes.dedup_ttl_s))
        self._ttl_opciones = max(1, int(ajustes.opciones_ttl_s))
        self.memoria = EstadoMemoria(ajustes, reloj)
        # Values in Redis are Fernet tokens (raises ClaveFaltante without a valid key).
        clave = getattr(ajustes, "tracker_key", None)
        self._fernet = cifrador(clave.get_secret_value() if clave is not None else None)
        self._cliente: aioredis.Redis | None = None
        self._caido_hasta = 0.0
        self._caido = False
        # MessageSids whose "procesando" mark this replica set (only those are released).
        self._marcados: set[str] = set()

    # ------------------------------------------------------------------ connection

    def _redis(self) -> aioredis.Redis | None:
        """The client, or None during the wait after a failure."""
        if self._caido and time.monotonic() < self._caido_hasta:
            return None
        if self._cliente is None:
            # Created on first use, inside the event loop that will use it.
            self._cliente = aioredis.Redis.from_url(
                self._url,
                socket_connect_timeout=self._timeout_s,
                socket_timeout=self._timeout_s,
                decode_responses=True,
            )
        return self._cliente

    async def _usar(
        self, operacion: str, llamada: Callable[[aioredis.Redis], Awaitable[T]]
    ) -> tuple[bool, T | None]:
        """(True, result) if Redis answered; (False, None) if it failed or is in its wait."""
        cliente = self._redis()
        if cliente is None:
            return False, None
        try:
            resultado = await asyncio.wait_for(llamada(cliente), timeout=self._timeout_s * 4)
        except _ERRORES as error:
            self._fallo(operacion, error)
            return False, None
        if self._caido:
            self._caido = False
            logger.warning("estado_compartido: Redis responde de nuevo")
        return True, resultado

    def _fallo(self, operacion: str, error: BaseException) -> None:
        # No phone, text or URL (it may carry a password): the operation and the error type.
        detalle = type(error).__name__
        if isinstance(error, ResponseError) and str(error).split():
            detalle += " " + str(error).split()[0][:20]  # OOM, NOAUTH, READONLY...
        if not self._caido:
            logger.warning(
                "estado_compartido: Redis falló en %s (%s); esta réplica usa su memoria "
                "(dedup y opciones no compartidos) y reintenta en %.0f s",
                operacion,
                detalle,
                self._espera_caido_s,
            )
        self._caido = True
        self._caido_hasta = time.monotonic() + self._espera_caido_s

    async def cerrar(self) -> None:
        if self._cliente is not None:
            await self._cliente.close()
            self._cliente = None

    # ------------------------------------------------------------------ values

    def _cifrar(self, valor: str) -> str:
        return self._fernet.encrypt(valor.encode("utf-8")).decode("ascii")

    def _descifrar(self, valor: str | bytes) -> str:
        """The plain value; "" for one that is not ours (an old plain value, another key)."""
        try:
            crudo = valor.encode("ascii") if isinstance(valor, str) else valor
            return self._fernet.decrypt(crudo).decode("utf-8")
        except (InvalidToken, UnicodeError):
            return ""

    # ------------------------------------------------------------------ MessageSid

    @staticmethod
    def clave_sid(sid: str) -> str:
        return f"{PREFIJO}sid:{sid}"

    @staticmethod
    def clave_opciones(sender_id: str) -> str:
        return f"{PREFIJO}opciones:{sender_id}"

    async def reservar(self, sid: str) -> Reserva:
        """Sets the ``procesando`` mark (SET NX) or returns what Redis already holds."""
        local = await self.memoria.reservar(sid)
        if local.respuesta is not None:
            return local
        clave = self.clave_sid(sid)
        marca = self._cifrar(json.dumps({"estado": PROCESANDO}))

        async def reservar(cliente: aioredis.Redis) -> Reserva:
            for _ in range(3):
                if await cliente.set(clave, marca, nx=True, ex=self._ttl_dedup):
                    return Reserva()
                valor = await cliente.get(clave)
                if valor is not None:  # None: it expired between the SET and the GET
                    return _leer_reserva(self._descifrar(valor))
            return Reserva(en_curso=True)

        ok, reserva = await self._usar("reservar", reservar)
        if not ok or reserva is None:
            return local
        if reserva.respuesta is None and not reserva.en_curso:
            self._marcados.add(sid)
        if reserva.respuesta is not None:
            await self.memoria.guardar_respuesta(sid, reserva.respuesta)
        return reserva

    async def esperar_respuesta(self, sid: str, limite_s: float) -> str | None:
        """The answer of the replica processing ``sid``, or None after ``limite_s``."""
        clave = self.clave_sid(sid)
        fin = time.monotonic() + limite_s
        pausa = 0.05
        while True:
            ok, valor = await self._usar("esperar_respuesta", lambda c: c.get(clave))
            if not ok:
                return None
            respuesta = (
                _leer_reserva(self._descifrar(valor)).respuesta if valor is not None else None
            )
            if respuesta is not None:
                await self.memoria.guardar_respuesta(sid, respuesta)
                return respuesta
            restante = fin - time.monotonic()
            if restante <= 0:
                return None
            await asyncio.sleep(min(pausa, restante))
            pausa = min(pausa * 2, 0.5)

    @staticmethod
    def clave_sids(sender_id: str) -> str:
        return f"{PREFIJO}sids:{sender_id}"

    async def guardar_respuesta(self, sid: str, xml: str, sender_id: str | None = None) -> None:
        await self.memoria.guardar_respuesta(sid, xml, sender_id)
        valor = self._cifrar(json.dumps({"estado": LISTO, "twiml": xml}, ensure_ascii=False))
        await self._usar(
            "guardar_respuesta", lambda c: c.set(self.clave_sid(sid), valor, ex=self._ttl_dedup)
        )
        self._marcados.discard(sid)
        if sender_id:
            # One conversation's messages are handled one at a time (the lock store), so this
            # read-modify-write of its own index does not race; encrypted like every value.
            clave = self.clave_sids(sender_id)

            async def indexar(cliente: aioredis.Redis) -> None:
                sids = self._leer_sids(await cliente.get(clave))
                valor = self._cifrar(json.dumps([*sids[-MAX_SIDS + 1 :], sid]))
                await cliente.set(clave, valor, ex=self._ttl_dedup)

            await self._usar("indexar_respuesta", indexar)

    def _leer_sids(self, valor: str | bytes | None) -> list[str]:
        try:
            sids = json.loads(self._descifrar(valor)) if valor is not None else []
        except ValueError:
            return []
        return [str(x) for x in sids] if isinstance(sids, list) else []

    async def olvidar_remitente(self, sender_id: str, vacio: str) -> None:
        """Erasure on every replica: the sender's cached answers become ``vacio`` (dedup kept,
        words gone), and their index and numbered options are deleted."""
        await self.memoria.olvidar_remitente(sender_id, vacio)
        clave = self.clave_sids(sender_id)
        valor = self._cifrar(json.dumps({"estado": LISTO, "twiml": vacio}, ensure_ascii=False))

        async def olvidar(cliente: aioredis.Redis) -> None:
            for sid in self._leer_sids(await cliente.get(clave)):
                await cliente.set(self.clave_sid(sid), valor, ex=self._ttl_dedup, xx=True)
            await cliente.delete(clave, self.clave_opciones(sender_id))

        await self._usar("olvidar_remitente", olvidar)

    async def liberar(self, sid: str) -> None:
        """Removes the mark when processing failed, so that a retry does get processed."""
        if sid in self._marcados:
            self._marcados.discard(sid)
            await self._usar("liberar", lambda c: c.delete(self.clave_sid(sid)))

    # ------------------------------------------------------------------ options

    async def opciones(self, sender_id: str) -> list[Opcion] | None:
        clave = self.clave_opciones(sender_id)
        ok, valor = await self._usar("leer_opciones", lambda c: c.get(clave))
        if not ok:
            return await self.memoria.opciones(sender_id)
        return _leer_opciones(self._descifrar(valor)) if valor is not None else None

    async def guardar_opciones(self, sender_id: str, opciones: list[Opcion]) -> None:
        valor = self._cifrar(json.dumps([asdict(o) for o in opciones], ensure_ascii=False))
        clave = self.clave_opciones(sender_id)
        ok, _ = await self._usar(
            "guardar_opciones", lambda c: c.set(clave, valor, ex=self._ttl_opciones)
        )
        if ok:
            # The memory only keeps what was written while Redis failed, never anything older.
            await self.memoria.borrar_opciones(sender_id)
        else:
            await self.memoria.guardar_opciones(sender_id, opciones)

    async def borrar_opciones(self, sender_id: str) -> None:
        await self.memoria.borrar_opciones(sender_id)
        await self._usar("borrar_opciones", lambda c: c.delete(self.clave_opciones(sender_id)))


Estado = EstadoMemoria | EstadoRedis


def crear_estado(
    url: str | None, ajustes: Ajustes, reloj: Callable[[], float] = time.monotonic
) -> Estado:
    """``EstadoRedis`` given a URL (``ORIENTA_REDIS_URL``), else ``EstadoMemoria``."""
    if url:
        logger.info("twilio_orienta: dedup y opciones compartidos en Redis (%s*)", PREFIJO)
        return EstadoRedis(url, ajustes, reloj)
    return EstadoMemoria(ajustes, reloj)


def _leer_reserva(valor: str) -> Reserva:
    try:
        datos = json.loads(valor)
    except ValueError:
        datos = None
    if isinstance(datos, dict) and datos.get("estado") == LISTO:
        twiml = datos.get("twiml")
        if isinstance(twiml, str):
            return Reserva(respuesta=twiml)
    if not (isinstance(datos, dict) and datos.get("estado") == PROCESANDO):
        logger.warning("estado_compartido: valor de MessageSid ilegible; no se procesa de nuevo")
    # Another replica's mark (or an unreadable value): never process twice.
    return Reserva(en_curso=True)


def _leer_opciones(valor: str) -> list[Opcion] | None:
    try:
        datos = json.loads(valor)
        opciones = [
            Opcion(numero=int(o["numero"]), titulo=str(o["titulo"]), payload=str(o["payload"]))
            for o in datos
        ]
    except (ValueError, TypeError, KeyError):
        logger.warning("estado_compartido: opciones ilegibles en Redis; se ignoran")
        return None
    return opciones or None


__all__ = [
    "PREFIJO",
    "CacheTTL",
    "Estado",
    "EstadoMemoria",
    "EstadoRedis",
    "Reserva",
    "crear_estado",
]
