"""Fixtures shared by the action tests."""

import httpx
import pytest

from actions.api.enrollment import EnrollmentClient, EnrollmentSettings
from tests.service.helpers import ADMIN_KEY, ASSISTANT_KEY


@pytest.fixture
async def servicio_en_proceso(tmp_path, monkeypatch):
    """The typed client talking to the real enrollment service, in process, on a fresh SQLite."""
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", ASSISTANT_KEY)
    monkeypatch.setenv("ORIENTA_ADMIN_API_KEY", ADMIN_KEY)
    url = f"sqlite:///{tmp_path / 'orienta.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    import bot.enrollment  # noqa: F401  (pydantic shim before FastAPI)
    from bot.enrollment.app import create_app
    from bot.enrollment.migrate import upgrade

    upgrade(url)
    app = create_app()
    client = EnrollmentClient(
        EnrollmentSettings(base_url="http://orienta.test", api_key=ASSISTANT_KEY),
        transport=httpx.ASGITransport(app=app),
    )
    client.app = app  # for tests that need a second client on the same service
    yield client
    await client.aclose()
    app.state.engine.dispose()
