"""The atomic Redis lock store (channels/cerrojo.py) against the real Redis: two store instances
in two threads with their own event loops stand for two Rasa replicas.

Uses Redis DB 13 on 127.0.0.1:6379 (ORIENTA_TEST_REDIS_LOCK_URL to change it), emptied before and
after each test; skipped, with the reason, when that Redis does not answer."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from channels.cerrojo import RedisLockStoreAtomico
from tests.channels.conftest import redis_vacio

URL = os.environ.get("ORIENTA_TEST_REDIS_LOCK_URL", "redis://127.0.0.1:6379/13")
CONVERSACION = "conv-1"


@pytest.fixture
def redis_cerrojo():
    with redis_vacio(URL) as cliente:
        yield cliente


def replica() -> RedisLockStoreAtomico:
    return RedisLockStoreAtomico(cliente=redis.Redis.from_url(URL))


def en_dos_replicas(trabajo, por_replica: int) -> None:
    """Runs `trabajo(store, i)` `por_replica` times concurrently in each of two replicas."""
    errores: list[BaseException] = []

    def correr(store: RedisLockStoreAtomico) -> None:
        async def todos() -> None:
            await asyncio.gather(*(trabajo(store, i) for i in range(por_replica)))

        try:
            asyncio.run(todos())
        except BaseException as error:  # noqa: BLE001 - reported below
            errores.append(error)

    hilos = [threading.Thread(target=correr, args=(replica(),)) for _ in range(2)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(timeout=60)
    assert not errores, errores


def test_two_replicas_never_hold_one_conversation_at_once(redis_cerrojo):
    """Each turn reads, waits and writes a counter (as a turn reads and saves the tracker):
    any overlap loses an increment, as it lost a user message with Rasa's RedisLockStore."""
    dentro, maximo = [0], [0]
    guardia = threading.Lock()

    async def turno(store: RedisLockStoreAtomico, _: int) -> None:
        async with store.lock(CONVERSACION):
            with guardia:
                dentro[0] += 1
                maximo[0] = max(maximo[0], dentro[0])
            valor = int(redis_cerrojo.get("contador") or 0)
            await asyncio.sleep(0.005)
            redis_cerrojo.set("contador", valor + 1)
            with guardia:
                dentro[0] -= 1

    en_dos_replicas(turno, por_replica=15)
    assert int(redis_cerrojo.get("contador")) == 30
    assert maximo[0] == 1
    assert redis_cerrojo.keys("orienta:lock:*") == []  # the last one out removes the queue


async def test_turns_are_served_in_ticket_order(redis_cerrojo):
    store = replica()
    orden: list[int] = []

    async def turno(i: int) -> None:
        await asyncio.sleep(i * 0.01)  # ticket i is taken before ticket i + 1
        async with store.lock(CONVERSACION):
            orden.append(i)
            await asyncio.sleep(0.02)

    await asyncio.gather(*(turno(i) for i in range(6)))
    assert orden == list(range(6))


async def test_other_conversations_do_not_wait(redis_cerrojo):
    store = replica()

    async def otra() -> bool:
        async with store.lock("otra"):
            return True

    async with store.lock("una"):
        assert await asyncio.wait_for(otra(), timeout=5)


async def test_an_abandoned_ticket_expires_and_the_queue_moves_on(redis_cerrojo):
    store = replica()
    store.issue_ticket(CONVERSACION, lock_lifetime=0.3)  # a replica killed mid-turn
    async with store.lock(CONVERSACION) as lock:
        assert [t.number for t in lock.tickets] == [2]


async def test_a_ticket_that_expires_while_waiting_raises_lock_error(redis_cerrojo):
    store = replica()
    async with store.lock(CONVERSACION):
        with pytest.raises(LockError, match="caducó"):
            async with store.lock(CONVERSACION, lock_lifetime=0.2):
                pass  # pragma: no cover - never reached


async def test_redis_down_is_a_lock_error():
    store = RedisLockStoreAtomico(EndpointConfig(url="127.0.0.1", port=1, db=0, socket_timeout=1))
    with pytest.raises(LockError, match="Redis"):
        async with store.lock(CONVERSACION):
            pass  # pragma: no cover - never reached


def test_rasa_builds_it_from_the_endpoints_file(redis_cerrojo):
    config = EndpointConfig(
        url="127.0.0.1",
        type="channels.cerrojo.RedisLockStoreAtomico",
        port=6379,
        db=13,
        key_prefix="orienta",
    )
    store = LockStore.create(config)
    assert isinstance(store, RedisLockStoreAtomico)
    assert store.issue_ticket("x") == 1
    assert redis_cerrojo.hkeys("orienta:lock:x:tickets") == ["1"]
    store.cleanup("x", 1)
    assert redis_cerrojo.keys("orienta:lock:*") == []
