"""No message text in Rasa's own logs (channels/registros_sin_texto.py), nor in the REST
channel's timeout path (Rasa logged ``rest.message.received.timeout`` with ``text=``)."""

from __future__ import annotations

import asyncio
import logging
import uuid

import httpx
import pytest
import structlog
from rasa.utils.log_utils import configure_structlog
from sanic import Sanic

from channels import registros_sin_texto
from channels.rest import RestInput
from tests.channels.conftest import _arrancar, _parar

SECRETO = "mi CURP es XEXX010101HNEXXXA4"


@pytest.fixture
def structlog_de_rasa():
    """structlog configured as `rasa run` configures it; restored afterwards."""
    antes = structlog.get_config()
    configure_structlog(logging.INFO)
    yield
    structlog.configure(**antes)


def test_evento_de_rasa_sin_texto(structlog_de_rasa, caplog: pytest.LogCaptureFixture):
    registro = structlog.get_logger()
    with caplog.at_level(logging.INFO):
        registro.error("rest.message.received.timeout", text=SECRETO)  # cached before install
        assert "XEXX010101" in caplog.text  # what Rasa 3.6 logs on its own
        caplog.clear()
        registros_sin_texto.instalar()
        registros_sin_texto.instalar()  # idempotent
        registro.error("rest.message.received.timeout", text=SECRETO)
        structlog.get_logger().info("processor.message.parse", parse_data_text=SECRETO)
    assert "XEXX010101" not in caplog.text
    assert "rest.message.received.timeout" in caplog.text and "[omitido]" in caplog.text
    assert registros_sin_texto.instalado()


async def test_rest_tiempo_agotado_sin_texto(structlog_de_rasa, caplog: pytest.LogCaptureFixture):
    """A turn cancelled mid-way (Rasa's timeout path) is logged without the person's text."""

    async def cancelado(_mensaje):
        raise asyncio.CancelledError

    Sanic.test_mode = True
    app = Sanic(f"prueba_rest_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.blueprint(RestInput().blueprint(cancelado), url_prefix="/webhooks/rest")
    cola, tarea = await _arrancar(app)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    try:
        with caplog.at_level(logging.DEBUG):
            r = await http.post("/webhooks/rest/webhook", json={"sender": "a", "message": SECRETO})
    finally:
        await http.aclose()
        await _parar(cola, tarea)
    assert r.status_code == 200
    assert "XEXX010101" not in caplog.text
    assert "turno cancelado" in caplog.text
