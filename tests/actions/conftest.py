"""Fixtures shared by the action tests."""

import pytest

from actions.api.inscripcion import AjustesCliente, ClienteServicio
from tests.ayudas import ASSISTANT_KEY


@pytest.fixture
async def servicio_real(servicio_http):
    """The typed client talking to the real enrollment service over HTTP."""
    client = ClienteServicio(AjustesCliente(base_url=servicio_http.url, api_key=ASSISTANT_KEY))
    yield client
    await client.aclose()
