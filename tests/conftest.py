import os
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


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
