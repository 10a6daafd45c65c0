"""Faults, end to end: the action server down, the enrollment service down and the
service's database down. In each case the person gets a Spanish apology (never an empty answer or
a 500), nothing already given is lost, and when the part comes back the registration is created
exactly once.

Rasa on the trained model + the action server + the enrollment service, through the REST channel.
The database fault runs the service on a throwaway PostgreSQL database reached through a TCP proxy
owned by the test, so the machine's PostgreSQL server keeps running for everyone else."""

from __future__ import annotations

import contextlib
import itertools
import secrets
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from channels.rest import TEXTO_SIN_RESPUESTA
from scripts import stack
from scripts.bench_registro import (
    EMAIL,
    NOMBRE,
    curp_valida,
    folio_en,
    turnos_registro,
)
from scripts.stack_prod import drop_database, pg_admin
from tests.e2e.conversacion import Conversacion, flujo_en_puertos, texts

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT, SERVICE_PORT = 5605, 5655, 5680
PG_HOST, PG_PORT = "127.0.0.1", 5432
_curps = (curp_valida(n) for n in itertools.count(5000, 43))


@pytest.fixture(scope="module")
def flujo(tmp_path_factory):
    yield from flujo_en_puertos(
        tmp_path_factory.mktemp("fallas"), RASA_PORT, ACTIONS_PORT, SERVICE_PORT
    )


@pytest.fixture
def conversacion(flujo):
    return Conversacion(flujo.rest_url, "e2e-fallas")


# ------------------------------------------------------------------ a) action server down
@contextlib.contextmanager
def acciones_detenidas(flujo) -> Iterator[None]:
    """The action server is down inside the block and started again after it."""
    proc = flujo.running.processes.pop("actions")
    proc.terminate()
    proc.wait(timeout=15)
    try:
        yield
    finally:
        stack.iniciar_acciones(flujo.running, flujo.env, ACTIONS_PORT)


def test_action_server_down_mid_form_apologises_then_resumes_and_registers_once(
    flujo, conversacion, domain
):
    curp = next(_curps)
    turnos = turnos_registro(curp)
    correo = turnos.index(EMAIL)
    for message in turnos[:correo]:  # up to the name: the form asks for the email
        conversacion(message)
    assert conversacion.transcript[-1][1][-1] in texts(domain, "utter_ask_email"), conversacion

    with acciones_detenidas(flujo):
        disculpa = conversacion(EMAIL)
    assert disculpa == [TEXTO_SIN_RESPUESTA], conversacion

    # The person writes the same answer again: the form goes on from where it was.
    telefono = conversacion(EMAIL)
    assert telefono[-1] in texts(domain, "utter_ask_telefono"), conversacion
    for message in turnos[correo + 1 : -1]:
        conversacion(message)
    resumen = "\n".join(conversacion.transcript[-1][1])
    assert curp in resumen and NOMBRE in resumen and EMAIL in resumen, conversacion  # kept

    folio = folio_en(conversacion(turnos[-1]))
    assert folio, conversacion
    rows = flujo.registros(curp)
    assert [(r["folio"], r["nombre"], r["email"]) for r in rows] == [(folio, NOMBRE, EMAIL)]


def test_action_server_down_at_submission_then_the_same_answer_registers_once(flujo, conversacion):
    curp = next(_curps)
    *hasta_resumen, enviar = turnos_registro(curp)
    for message in hasta_resumen:
        conversacion(message)

    with acciones_detenidas(flujo):
        disculpa = conversacion(enviar)
    assert disculpa == [TEXTO_SIN_RESPUESTA], conversacion
    assert flujo.registros(curp) == []

    folio = folio_en(conversacion(enviar))  # "1" again on the same summary
    assert folio, conversacion
    assert [r["folio"] for r in flujo.registros(curp)] == [folio], conversacion


# ------------------------------------------------------------------ b) service down: quote, status
def test_service_down_for_a_quote_then_intentar_de_nuevo(flujo, conversacion):
    flujo.stop_service()
    try:
        disculpa = "\n".join(conversacion("cuanto pagaria si gano 15 mil pesos al mes"))
    finally:
        flujo.iniciar_servicio()
    assert "Perdón" in disculpa and "INTENTAR DE NUEVO" in disculpa, conversacion
    assert "MXN" not in disculpa, conversacion

    cotizacion = "\n".join(conversacion("intentar de nuevo"))
    assert "Estimación" in cotizacion and "MXN" in cotizacion, conversacion  # amount kept


def test_service_down_for_a_status_query_keeps_folio_and_curp(flujo, conversacion):
    curp = next(_curps)
    for message in turnos_registro(curp):
        conversacion(message)
    folio = folio_en(conversacion.transcript[-1][1])
    assert folio, conversacion

    conversacion("como va mi registro")
    conversacion(folio)
    flujo.stop_service()
    try:
        disculpa = "\n".join(conversacion(curp))
    finally:
        flujo.iniciar_servicio()
    assert "Perdón" in disculpa and "INTENTAR DE NUEVO" in disculpa, conversacion

    pide = "\n".join(conversacion("intentar de nuevo"))
    assert "te mandé un código" in pide, conversacion  # folio and CURP were kept
    estado = "\n".join(conversacion(flujo.codigo(folio))).lower()
    assert "recibida" in estado, conversacion


# ------------------------------------------------------------------ c) database down
class ProxyTCP:
    """127.0.0.1:<port> → PostgreSQL, in threads. ``stop()`` closes the listener and every live
    connection (the service sees its database vanish); ``start()`` listens on the same port."""

    def __init__(self, destino: tuple[str, int] = (PG_HOST, PG_PORT)):
        self.destino = destino
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._abiertos: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._activo = threading.Event()
        self._escucha: socket.socket | None = None
        self._hilo: threading.Thread | None = None

    def start(self) -> None:
        escucha = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        escucha.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        escucha.bind(("127.0.0.1", self.port))
        escucha.listen(64)
        escucha.settimeout(0.2)
        self._escucha = escucha
        self._activo.set()
        self._hilo = threading.Thread(target=self._aceptar, args=(escucha,), daemon=True)
        self._hilo.start()

    def stop(self) -> None:
        self._activo.clear()
        if self._hilo:
            self._hilo.join(timeout=5)
        if self._escucha:
            self._escucha.close()
        self._hilo = self._escucha = None
        with self._lock:
            abiertos, self._abiertos = self._abiertos, set()
        for s in abiertos:
            self._cerrar(s)

    def _aceptar(self, escucha: socket.socket) -> None:
        while self._activo.is_set():
            try:
                cliente, _ = escucha.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                servidor = socket.create_connection(self.destino, timeout=5)
            except OSError:
                cliente.close()
                continue
            cliente.settimeout(None)
            servidor.settimeout(None)
            with self._lock:
                self._abiertos |= {cliente, servidor}
            for origen, destino in ((cliente, servidor), (servidor, cliente)):
                threading.Thread(target=self._bombear, args=(origen, destino), daemon=True).start()

    def _bombear(self, origen: socket.socket, destino: socket.socket) -> None:
        try:
            while datos := origen.recv(65536):
                destino.sendall(datos)
        except OSError:
            pass
        finally:
            for s in (origen, destino):
                self._cerrar(s)
                with self._lock:
                    self._abiertos.discard(s)

    @staticmethod
    def _cerrar(s: socket.socket) -> None:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()


@pytest.fixture
def servicio_pg(flujo) -> Iterator[tuple[ProxyTCP, str]]:
    """The service on a throwaway PostgreSQL database through a ProxyTCP, on the same port as
    the SQLite one (which comes back afterwards). Yields the proxy and the direct database URL."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            pass
    except OSError:
        pytest.skip(f"PostgreSQL no responde en {PG_HOST}:{PG_PORT}")

    nombre = f"orienta_fallas_{secrets.token_hex(4)}"
    pg_admin(f'CREATE DATABASE "{nombre}"')
    proxy = ProxyTCP()
    proxy.start()
    flujo.stop_service()
    try:
        url = f"postgresql+psycopg2://postgres@127.0.0.1:{proxy.port}/{nombre}"
        stack.iniciar_servicio(flujo.running, flujo.env, SERVICE_PORT, url)
        yield proxy, f"postgresql+psycopg2://postgres@{PG_HOST}:{PG_PORT}/{nombre}"
    finally:
        try:
            flujo.stop_service()
        finally:
            proxy.stop()
            drop_database(nombre)
            flujo.iniciar_servicio()


def filas_pg(url: str, curp: str) -> list[str]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            sql = sa.text("SELECT folio FROM registros WHERE curp = :c")
            return [f[0] for f in conn.execute(sql, {"c": curp})]
    finally:
        engine.dispose()


def test_database_down_at_submission_apologises_keeps_the_data_and_registers_once(
    flujo, servicio_pg, conversacion
):
    proxy, url = servicio_pg
    curp = next(_curps)
    *hasta_resumen, enviar = turnos_registro(curp)
    for message in hasta_resumen:
        conversacion(message)

    proxy.stop()
    try:
        salud = httpx.get(f"{flujo.service_url}/health", timeout=10)
        assert salud.status_code == 503, salud.text
        assert salud.json()["database"] == "error"
        disculpa = "\n".join(conversacion(enviar))
    finally:
        proxy.start()
    assert "Perdón" in disculpa and "INTENTAR DE NUEVO" in disculpa, conversacion
    assert folio_en([disculpa]) is None, conversacion
    assert filas_pg(url, curp) == []
    assert httpx.get(f"{flujo.service_url}/health", timeout=10).status_code == 200

    folio = folio_en(conversacion("intentar de nuevo"))
    assert folio, conversacion
    conversacion("intentar de nuevo")
    assert folio_en(conversacion.transcript[-1][1]) in (None, folio), conversacion
    assert filas_pg(url, curp) == [folio], conversacion
