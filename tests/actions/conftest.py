"""Fixtures shared by the action tests."""

import httpx
import pytest

from actions.api.inscripcion import AjustesCliente, ClienteServicio
from tests.servicio.inscripcion.ayudas import ADMIN_KEY, ASSISTANT_KEY


@pytest.fixture
async def servicio_en_proceso(tmp_path, monkeypatch):
    """The typed client talking to the real enrollment service, in process, on a fresh SQLite."""
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", ASSISTANT_KEY)
    monkeypatch.setenv("ORIENTA_ADMIN_API_KEY", ADMIN_KEY)
    url = f"sqlite:///{tmp_path / 'orienta.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    import servicio.inscripcion  # noqa: F401  (pydantic shim before FastAPI)
    from servicio.inscripcion.app import crear_app
    from servicio.inscripcion.migrar import aplicar_migraciones

    aplicar_migraciones(url)
    app = crear_app()
    client = ClienteServicio(
        AjustesCliente(base_url="http://orienta.test", api_key=ASSISTANT_KEY),
        transport=httpx.ASGITransport(app=app),
    )
    client.app = app  # for tests that need a second client on the same service
    yield client
    await client.aclose()
    app.state.engine.dispose()
