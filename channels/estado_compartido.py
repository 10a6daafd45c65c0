"""Estado del canal de Twilio: en la memoria del proceso o compartido entre réplicas (Redis).

Dos cosas que el canal (``channels/twilio.py``) tiene que recordar entre peticiones:

- ``MessageSid`` → TwiML: un reintento o duplicado de Twilio recibe la misma respuesta y el
  mensaje se procesa una sola vez (también es la protección contra repeticiones: la firma de
  Twilio no lleva hora);
- las opciones numeradas que vio cada remitente, para que "2" sea el botón 2.

Sin ``ORIENTA_REDIS_URL``: ``EstadoMemoria`` (dos ``CacheTTL``), válido con una sola réplica.
Con ella: ``EstadoRedis``, claves ``orienta:twilio:sid:<MessageSid>`` y
``orienta:twilio:opciones:<sender_id>`` (el hash del remitente, nunca el teléfono), valores JSON,
los mismos TTL. El primer ``SET NX`` de un ``MessageSid`` deja la marca ``procesando`` con el TTL
del dedup; solo quien la puso procesa el mensaje y la sustituye por la respuesta. Otra réplica que
recibe el mismo ``MessageSid`` consulta la clave hasta ``timeout_s`` y, si no llega la respuesta,
contesta el aviso de demora: nunca lo procesa otra vez (si la réplica que lo procesaba muere, ese
``MessageSid`` recibe el aviso de demora hasta que caduca la marca).

Si Redis falla (caído, lento, sin memoria) se registra un aviso sin datos personales y esa
petición usa la memoria de la réplica; durante ``espera_caido_s`` ni se intenta Redis.
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

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from bot.mensajes import Opcion

logger = logging.getLogger(__name__)

PREFIJO = "orienta:twilio:"
PROCESANDO = "procesando"
LISTO = "listo"
# Un Redis que no contesta no debe comerse los 15 s que da Twilio.
TIMEOUT_REDIS_S = 0.5
# Tras un fallo, cuánto tiempo se usa solo la memoria antes de volver a intentar Redis.
ESPERA_CAIDO_S = 5.0

T = TypeVar("T")
_ERRORES = (RedisError, OSError, asyncio.TimeoutError)


class CacheTTL:
    """Diccionario en memoria con caducidad y tamaño máximo (expulsa el más antiguo)."""

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
        # Las entradas están en orden de inserción y todas tienen el mismo TTL.
        while self._datos:
            clave, (expira, _) = next(iter(self._datos.items()))
            if expira > ahora and len(self._datos) <= self.max_items:
                break
            del self._datos[clave]


@dataclass(frozen=True)
class Reserva:
    """Resultado de ``reservar``: procesar (ni respuesta ni en curso), repetir o esperar."""

    respuesta: str | None = None  # TwiML ya guardado: se devuelve tal cual
    en_curso: bool = False  # otra réplica lo está procesando


class Ajustes(Protocol):
    dedup_ttl_s: float
    dedup_max: int
    opciones_ttl_s: float
    opciones_max: int


class EstadoMemoria:
    """El estado en la memoria de este proceso (una réplica, o el respaldo si Redis falla)."""

    compartido = False

    def __init__(self, ajustes: Ajustes, reloj: Callable[[], float] = time.monotonic) -> None:
        self._respuestas = CacheTTL(ajustes.dedup_ttl_s, ajustes.dedup_max, reloj)
        self._opciones = CacheTTL(ajustes.opciones_ttl_s, ajustes.opciones_max, reloj)

    # MessageSid → TwiML. Los duplicados simultáneos en el mismo proceso los une el canal.
    async def reservar(self, sid: str) -> Reserva:
        return Reserva(respuesta=self._respuestas.get(sid))

    async def esperar_respuesta(self, sid: str, limite_s: float) -> str | None:
        return self._respuestas.get(sid)

    async def guardar_respuesta(self, sid: str, xml: str) -> None:
        self._respuestas.set(sid, xml)

    async def liberar(self, sid: str) -> None:
        return None

    # sender_id → opciones numeradas de la última respuesta.
    async def opciones(self, sender_id: str) -> list[Opcion] | None:
        return self._opciones.get(sender_id)

    async def guardar_opciones(self, sender_id: str, opciones: list[Opcion]) -> None:
        self._opciones.set(sender_id, list(opciones))

    async def borrar_opciones(self, sender_id: str) -> None:
        self._opciones.pop(sender_id)


class EstadoRedis:
    """El estado en Redis, compartido por todas las réplicas; la memoria como respaldo."""

    compartido = True

    def __init__(
        self,
        url: str,
        ajustes: Ajustes,
        reloj: Callable[[], float] = time.monotonic,
        timeout_s: float = TIMEOUT_REDIS_S,
        espera_caido_s: float = ESPERA_CAIDO_S,
    ) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._espera_caido_s = espera_caido_s
        self._ttl_dedup = max(1, int(ajustes.dedup_ttl_s))
        self._ttl_opciones = max(1, int(ajustes.opciones_ttl_s))
        self.memoria = EstadoMemoria(ajustes, reloj)
        self._cliente: aioredis.Redis | None = None
        self._caido_hasta = 0.0
        self._caido = False
        # MessageSid cuya marca "procesando" puso esta réplica (solo esas se liberan).
        self._marcados: set[str] = set()

    # ------------------------------------------------------------------ conexión

    def _redis(self) -> aioredis.Redis | None:
        """El cliente, o None mientras dura la espera tras un fallo."""
        if self._caido and time.monotonic() < self._caido_hasta:
            return None
        if self._cliente is None:
            # Creado en el primer uso, dentro del bucle de eventos que lo va a usar.
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
        """(True, resultado) si Redis respondió; (False, None) si falló o está en espera."""
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
        # Sin teléfono, texto ni URL (puede llevar contraseña): la operación y el tipo de error.
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

    # ------------------------------------------------------------------ MessageSid

    @staticmethod
    def clave_sid(sid: str) -> str:
        return f"{PREFIJO}sid:{sid}"

    @staticmethod
    def clave_opciones(sender_id: str) -> str:
        return f"{PREFIJO}opciones:{sender_id}"

    async def reservar(self, sid: str) -> Reserva:
        """Pone la marca ``procesando`` (SET NX) o devuelve lo que ya hay en Redis."""
        local = await self.memoria.reservar(sid)
        if local.respuesta is not None:
            return local
        clave = self.clave_sid(sid)
        marca = json.dumps({"estado": PROCESANDO})

        async def reservar(cliente: aioredis.Redis) -> Reserva:
            for _ in range(3):
                if await cliente.set(clave, marca, nx=True, ex=self._ttl_dedup):
                    return Reserva()
                valor = await cliente.get(clave)
                if valor is not None:  # None: caducó entre el SET y el GET
                    return _leer_reserva(valor)
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
        """La respuesta de la réplica que procesa ``sid``, o None tras ``limite_s``."""
        clave = self.clave_sid(sid)
        fin = time.monotonic() + limite_s
        pausa = 0.05
        while True:
            ok, valor = await self._usar("esperar_respuesta", lambda c: c.get(clave))
            if not ok:
                return None
            respuesta = _leer_reserva(valor).respuesta if valor is not None else None
            if respuesta is not None:
                await self.memoria.guardar_respuesta(sid, respuesta)
                return respuesta
            restante = fin - time.monotonic()
            if restante <= 0:
                return None
            await asyncio.sleep(min(pausa, restante))
            pausa = min(pausa * 2, 0.5)

    async def guardar_respuesta(self, sid: str, xml: str) -> None:
        await self.memoria.guardar_respuesta(sid, xml)
        valor = json.dumps({"estado": LISTO, "twiml": xml}, ensure_ascii=False)
        await self._usar(
            "guardar_respuesta", lambda c: c.set(self.clave_sid(sid), valor, ex=self._ttl_dedup)
        )
        self._marcados.discard(sid)

    async def liberar(self, sid: str) -> None:
        """Quita la marca si el procesamiento falló, para que un reintento sí se procese."""
        if sid in self._marcados:
            self._marcados.discard(sid)
            await self._usar("liberar", lambda c: c.delete(self.clave_sid(sid)))

    # ------------------------------------------------------------------ opciones

    async def opciones(self, sender_id: str) -> list[Opcion] | None:
        clave = self.clave_opciones(sender_id)
        ok, valor = await self._usar("leer_opciones", lambda c: c.get(clave))
        if not ok:
            return await self.memoria.opciones(sender_id)
        return _leer_opciones(valor) if valor is not None else None

    async def guardar_opciones(self, sender_id: str, opciones: list[Opcion]) -> None:
        valor = json.dumps([asdict(o) for o in opciones], ensure_ascii=False)
        clave = self.clave_opciones(sender_id)
        ok, _ = await self._usar(
            "guardar_opciones", lambda c: c.set(clave, valor, ex=self._ttl_opciones)
        )
        if ok:
            # La memoria solo guarda lo escrito mientras Redis falla; nunca algo más viejo.
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
    """``EstadoRedis`` si hay URL (``ORIENTA_REDIS_URL``), si no ``EstadoMemoria``."""
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
    # Marca de otra réplica (o valor ilegible): nunca procesar dos veces.
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
