"""Rasa lock store on Redis whose tickets are issued and released atomically (Lua scripts).

Rasa 3.6's ``RedisLockStore`` keeps each conversation's ticket queue as one JSON value and changes
it with GET, edit, SET. Two replicas that receive messages of the same person at the same moment
both read the queue, both append "their" ticket with the same number, and both save: both believe
they hold the lock, the two turns run at once and one user message is lost from the tracker
(seen in ``tests/escala/test_replicas.py``; RasaHQ/rasa#9213; the fix, ``ConcurrentRedisLockStore``,
was reverted from Rasa Open Source, PR #11428).

Here every change to a queue is one Lua script, so Redis runs it alone:

- ``<prefix><id>:numero``: the ticket counter (``INCR``);
- ``<prefix><id>:tickets``: hash ticket number -> expiry, in Redis's own clock (``TIME``), so
  replicas with skewed clocks agree on what has expired.

A ticket is served when it is the lowest unexpired one. A turn that outlives its ticket
(``TICKET_LOCK_LIFETIME``, 60 s by default, as in Rasa) loses it and the next one goes ahead.
Waiting polls every 20 ms growing to 200 ms (Rasa polls every second).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.secretos import rechazar_marcador

log = logging.getLogger("orienta.cerrojo")

PREFIJO = "orienta:lock:"
ESPERA_INICIAL_S = 0.02
ESPERA_MAXIMA_S = 0.2

# Drops the expired tickets of KEYS[2]; leaves `ahora` (Redis time, seconds) defined.
_PURGAR = """
local t = redis.call('TIME')
local ahora = tonumber(t[1]) + tonumber(t[2]) / 1000000
local vence = redis.call('HGETALL', KEYS[2])
for i = 1, #vence, 2 do
  if tonumber(vence[i + 1]) <= ahora then redis.call('HDEL', KEYS[2], vence[i]) end
end
"""

# KEYS: numero, tickets. ARGV: lifetime (s). Returns the new ticket number.
_EMITIR = (
    _PURGAR
    + """
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], n, tostring(ahora + tonumber(ARGV[1])))
local ttl = math.ceil(tonumber(ARGV[1]) * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return n
"""
)

# KEYS: numero, tickets. ARGV: ticket. 1 = its turn, 0 = wait, -1 = the ticket expired.
_TURNO = (
    _PURGAR
    + """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return -1 end
local mio = tonumber(ARGV[1])
for _, numero in ipairs(redis.call('HKEYS', KEYS[2])) do
  if tonumber(numero) < mio then return 0 end
end
return 1
"""
)

# KEYS: numero, tickets. ARGV: ticket. Returns the tickets still waiting.
_LIBERAR = (
    _PURGAR
    + """
redis.call('HDEL', KEYS[2], ARGV[1])
local quedan = redis.call('HLEN', KEYS[2])
if quedan == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return quedan
"""
)


class RedisLockStoreAtomico(LockStore):
    """``lock_store: type: channels.cerrojo.RedisLockStoreAtomico`` with Rasa's Redis settings
    (``url`` = host, ``port``, ``db``, ``password``, ``use_ssl``, ``key_prefix``)."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, cliente: redis.Redis | None = None
    ) -> None:
        kwargs: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        rechazar_marcador("ORIENTA_REDIS_PASSWORD", kwargs.get("password"))
        prefijo = str(kwargs.get("key_prefix") or "")
        self.prefijo = f"{prefijo}:lock:" if prefijo.isalnum() else PREFIJO
        self.red = cliente or redis.Redis(
            host=(endpoint_config.url if endpoint_config else None) or "localhost",
            port=int(kwargs.get("port") or 6379),
            db=int(kwargs.get("db") or 1),
            username=kwargs.get("username"),
            password=kwargs.get("password") or None,
            ssl=bool(kwargs.get("use_ssl", False)),
            socket_timeout=float(kwargs.get("socket_timeout") or 10),
        )
        self._emitir = self.red.register_script(_EMITIR)
        self._turno = self.red.register_script(_TURNO)
        self._liberar = self.red.register_script(_LIBERAR)
        super().__init__()

    def _claves(self, conversation_id: str) -> list[str]:
        base = self.prefijo + conversation_id
        return [base + ":numero", base + ":tickets"]

    # ------------------------------------------------------------ what Rasa calls
    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME
    ) -> int:
        try:
            return int(self._emitir(keys=self._claves(conversation_id), args=[lock_lifetime]))
        except redis.RedisError as error:
            raise LockError(f"No se pudo pedir turno en Redis ({type(error).__name__}).") from error

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME,
        wait_time_in_seconds: float = ESPERA_MAXIMA_S,
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        espera = ESPERA_INICIAL_S
        while True:
            try:
                turno = int(self._turno(keys=self._claves(conversation_id), args=[ticket]))
            except redis.RedisError as error:
                raise LockError(
                    f"No se pudo consultar el turno ({type(error).__name__})."
                ) from error
            if turno == 1:
                return self.get_lock(conversation_id) or TicketLock(conversation_id)
            if turno == -1:
                raise LockError("El turno de esta conversación caducó antes de atenderse.")
            await asyncio.sleep(espera)
            espera = min(espera * 2, max(wait_time_in_seconds, ESPERA_INICIAL_S), ESPERA_MAXIMA_S)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        try:
            self._liberar(keys=self._claves(conversation_id), args=[ticket_number])
        except redis.RedisError as error:
            # The ticket expires by itself; the next message waits at most its lifetime.
            log.warning("cerrojo: no se pudo liberar un turno (%s)", type(error).__name__)

    def update_lock(self, conversation_id: str) -> None:
        """Expired tickets are dropped by every script; nothing to do."""

    def is_someone_waiting(self, conversation_id: str) -> bool:
        lock = self.get_lock(conversation_id)
        return bool(lock and lock.is_someone_waiting())

    # ------------------------------------------------------------ LockStore's storage API
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """A snapshot of the queue (expiry in this machine's clock, for Rasa's TicketLock)."""
        vence = self.red.hgetall(self._claves(conversation_id)[1])
        if not vence:
            return None
        desfase = time.time() - _segundos(self.red.time())
        tickets = sorted(
            (Ticket(int(n), float(v) + desfase) for n, v in vence.items()),
            key=lambda t: t.number,
        )
        return TicketLock(conversation_id, deque(tickets))

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(*self._claves(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        """Replaces the queue in one transaction (Rasa's API; our paths never call it)."""
        numero, clave = self._claves(lock.conversation_id)
        desfase = _segundos(self.red.time()) - time.time()
        with self.red.pipeline(transaction=True) as tx:
            tx.delete(clave)
            if lock.tickets:
                tx.hset(clave, mapping={t.number: str(t.expires + desfase) for t in lock.tickets})
                tx.set(numero, lock.last_issued)
            tx.execute()


def _segundos(tiempo_redis: tuple[int, int]) -> float:
    segundos, micro = tiempo_redis
    return segundos + micro / 1_000_000
