"""The production configuration on this machine: N Rasa replicas sharing a PostgreSQL tracker
store (encrypted), a Redis lock store and a RabbitMQ event broker (deploy/endpoints.prod.yml), one
action server, the enrollment service on PostgreSQL and the metrics consumer.

Used by the reliability tests (tests/escala/) and `make bench-load`. Every run gets its own
PostgreSQL databases, Redis database number and RabbitMQ queue, dropped by ``stop()``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from cryptography.fernet import Fernet

from scripts import model_cache, stack

ROOT = stack.ROOT
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
ENDPOINTS = ROOT / "deploy" / "endpoints.prod.yml"


def pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def drop_database(name: str) -> None:
    pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


async def _delete_queue(name: str) -> None:
    import aio_pika

    conexion = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    async with conexion:
        canal = await conexion.channel()
        await canal.queue_delete(name)


@dataclass
class PilaProd:
    work_dir: Path
    rasa_ports: tuple[int, ...]
    actions_port: int
    service_port: int
    env: dict[str, str] = field(default_factory=dict)
    running: stack.Pila = field(init=False)
    tracker_db: str = ""
    service_db: str = ""
    cola: str = ""
    model: Path | None = None
    endpoints: Path = ENDPOINTS

    def __post_init__(self) -> None:
        self.running = stack.Pila(log_dir=self.work_dir)

    # ---------------------------------------------------------------- urls
    def rest_url(self, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[replica]}/webhooks/rest/webhook"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.service_port}"

    @property
    def service_database_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.service_db}"

    @property
    def tracker_database_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.tracker_db}"

    # ---------------------------------------------------------------- processes
    def iniciar_rasa(self, replica: int) -> float:
        name = f"rasa{replica}"
        return stack.iniciar_rasa(
            self.running,
            self.env,
            self.model,
            self.rasa_ports[replica],
            name=name,
            endpoints=str(self.endpoints),
        )

    def kill_rasa(self, replica: int) -> None:
        """SIGKILL, as a crashed container: no shutdown handlers run."""
        proc = self.running.processes.pop(f"rasa{replica}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_process(self, name: str) -> None:
        proc = self.running.processes.pop(name)
        proc.terminate()
        proc.wait(timeout=30)

    def iniciar_servicio(self) -> float:
        return stack.iniciar_servicio(
            self.running, self.env, self.service_port, self.service_database_url
        )

    def iniciar_acciones(self) -> float:
        return stack.iniciar_acciones(self.running, self.env, self.actions_port)

    def start_consumer(self) -> None:
        self.running.start(
            "consumidor", [stack.PY_RASA, "-m", "channels.consumidor_metricas"], self.env
        )

    def stop(self) -> None:
        self.running.stop()
        for db in (self.tracker_db, self.service_db):
            if db:
                drop_database(db)
        if self.cola:
            asyncio.run(_delete_queue(self.cola))


def sin_nlg(origen: Path, destino: Path) -> Path:
    """A copy of an endpoints file without its ``nlg:`` section (Rasa then uses the domain)."""
    datos = yaml.safe_load(origen.read_text(encoding="utf-8"))
    datos.pop("nlg", None)
    destino.parent.mkdir(parents=True, exist_ok=True)
    destino.write_text(yaml.safe_dump(datos, sort_keys=False), encoding="utf-8")
    return destino


def iniciar_pila_prod(
    work_dir: Path,
    rasa_ports: tuple[int, ...] = (5505, 5506),
    actions_port: int = 5555,
    service_port: int = 5580,
    redis_db: int = 9,
    consumer: bool = True,
    nlg: bool = True,
) -> PilaProd:
    """Starts everything (Rasa replicas in parallel with the rest); the caller calls stop()."""
    sufijo = secrets.token_hex(4)
    prod = PilaProd(work_dir, rasa_ports, actions_port, service_port)
    prod.tracker_db, prod.service_db = f"orienta_tracker_{sufijo}", f"orienta_svc_{sufijo}"
    prod.cola = f"orienta_eventos_{sufijo}"
    prod.model = model_cache.ensure_model()
    if not nlg:  # measure the NLG hop: the same file without its nlg section
        prod.endpoints = sin_nlg(ENDPOINTS, work_dir / "endpoints.sin-nlg.yml")
    keys = {
        "ORIENTA_ASSISTANT_API_KEY": secrets.token_urlsafe(32),
        "ORIENTA_ADMIN_API_KEY": secrets.token_urlsafe(32),
    }
    prod.env = stack.entorno_base() | keys
    prod.env |= {
        "ORIENTA_SERVICE_URL": prod.service_url,
        "ORIENTA_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "ORIENTA_NLG_URL": f"{prod.service_url}/v1/nlg",
        "ORIENTA_PG_HOST": PG["host"],
        "ORIENTA_PG_PORT": str(PG["port"]),
        "ORIENTA_PG_USER": PG["user"],
        "ORIENTA_PG_PASSWORD": "",
        "ORIENTA_PG_LOGIN_DB": "postgres",
        "ORIENTA_TRACKER_DB": prod.tracker_db,
        "ORIENTA_REDIS_HOST": "127.0.0.1",
        "ORIENTA_REDIS_PORT": "6379",
        "ORIENTA_REDIS_DB": str(redis_db),
        "ORIENTA_REDIS_PASSWORD": "",  # the local Redis has no AUTH (deploy/ enables it)
        "ORIENTA_RABBITMQ_HOST": "127.0.0.1",
        "ORIENTA_RABBITMQ_PORT": "5672",
        "ORIENTA_RABBITMQ_USER": "guest",
        "ORIENTA_RABBITMQ_PASSWORD": "guest",
        "ORIENTA_RABBITMQ_COLA": prod.cola,
        "ORIENTA_TRACKER_KEY": Fernet.generate_key().decode(),
    }
    pg_admin(f'CREATE DATABASE "{prod.service_db}"')
    try:
        prod.iniciar_servicio()
        prod.iniciar_acciones()
        if consumer:
            prod.start_consumer()
        # Rasa loads the model in ~30-60 s; both replicas at once.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(rasa_ports)) as pool:
            list(pool.map(prod.iniciar_rasa, range(len(rasa_ports))))
    except BaseException:
        prod.stop()
        raise
    return prod


def say(url: str, sender: str, text: str, timeout: float = 60) -> list[str]:
    r = httpx.post(url, json={"sender": sender, "message": text}, timeout=timeout)
    r.raise_for_status()
    return [m.get("text") or "" for m in r.json()]


if __name__ == "__main__":  # manual check: start, print the URLs, wait for Ctrl+C
    import time

    s = iniciar_pila_prod(ROOT / "var" / "prod")
    print("Rasa:", [s.rest_url(i) for i in range(len(s.rasa_ports))], "service:", s.service_url)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        s.stop()
    os._exit(0)
