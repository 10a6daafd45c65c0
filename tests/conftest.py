import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@dataclass(frozen=True)
class ServicioHttp:
    url: str
    bd: Path  # the SQLite file, to check rows with the standard library
    log_dir: Path | None = None

    def codigo(self, folio: str) -> str:
        """The last one-time code for ``folio``, read where embedded defaults (no Twilio) put
        it: the service's log, on the line marked as development only."""
        assert self.log_dir is not None
        lineas = [
            linea
            for ruta in sorted(self.log_dir.glob("*.log"))
            for linea in ruta.read_text(errors="replace").splitlines()
            if "SOLO DESARROLLO" in linea and f"folio={folio}:" in linea
        ]
        assert lineas, f"no development code for {folio} in {self.log_dir}"
        return lineas[-1].rsplit(" ", 1)[-1].strip()


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servicio_http(tmp_path):
    """The real enrollment service (uvicorn on the web service's own environment, pydantic 2) on a
    fresh SQLite file, for tests that run on Rasa's environment and talk to it over HTTP."""
    from scripts import stack
    from tests.ayudas import ADMIN_KEY, ASSISTANT_KEY

    pila = stack.Pila(log_dir=tmp_path / "log")
    entorno = {
        **stack.entorno_base(),
        "ORIENTA_ASSISTANT_API_KEY": ASSISTANT_KEY,
        "ORIENTA_ADMIN_API_KEY": ADMIN_KEY,
    }
    puerto, bd = _puerto_libre(), tmp_path / "orienta.db"
    stack.iniciar_servicio(pila, entorno, puerto, f"sqlite:///{bd}")
    try:
        yield ServicioHttp(f"http://127.0.0.1:{puerto}", bd, pila.log_dir)
    finally:
        pila.stop()


#: Fixtures that reach PostgreSQL or Redis (they skip when it does not answer), and the parameter
#: value that switches a parametrized fixture (``db_url``, ``sql_store``) to PostgreSQL.
FIXTURES_CON_SERVIDOR = {"pg_url", "redis_sync", "redis_cerrojo"}
PARAMETRO_CON_SERVIDOR = "postgresql"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks ``servidores`` every test that needs PostgreSQL, Redis or RabbitMQ through those
    fixtures or parameters (a test that reaches a server by itself carries the mark in its file),
    so ``make test-rapido`` can run without them."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        parametros = callspec.params.values() if callspec is not None else ()
        if FIXTURES_CON_SERVIDOR.intersection(getattr(item, "fixturenames", ())) or any(
            valor == PARAMETRO_CON_SERVIDOR for valor in parametros if isinstance(valor, str)
        ):
            item.add_marker(pytest.mark.servidores)
