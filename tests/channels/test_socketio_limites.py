"""socket.io channel (channels/socketio.py): REST's input checks before a message reaches Rasa.

Like test_entregas.py, the real `user_uttered` handler is called with a fake `sio.emit`.
Pending-reply lookups hit a closed port (conftest `_sin_entregas`): none are shown.
"""

from __future__ import annotations

import logging

import pytest

from channels.rest import MAX_TEXTO, TEXTO_LARGO, TEXTO_VACIO
from channels.socketio import SocketIOInput
from tests.channels.conftest import RasaFalso


class SioFalso:
    def __init__(self) -> None:
        self.emitidos: list[tuple[str, dict, str]] = []

    async def emit(self, evento, datos, room=None, **_):
        self.emitidos.append((evento, datos, room))


def canal_con(rasa: RasaFalso, persistencia: bool = True):
    canal = SocketIOInput(session_persistence=persistencia)
    canal.blueprint(rasa)
    falso = SioFalso()
    canal.sio.emit = falso.emit
    return canal.sio.handlers["/"]["user_uttered"], falso


@pytest.mark.parametrize("persistencia", [True, False])
async def test_mensaje_muy_largo_respuesta_fija_sin_rasa(rasa: RasaFalso, persistencia: bool):
    manejador, sio = canal_con(rasa, persistencia)
    await manejador("sid-1", {"message": "a" * (MAX_TEXTO + 1), "session_id": "s-1"})
    destino = "web-s-1" if persistencia else "sid-1"
    assert sio.emitidos == [("bot_uttered", {"text": TEXTO_LARGO}, destino)]
    assert rasa.recibidos == []


async def test_largo_se_mide_despues_de_limpiar(rasa: RasaFalso):
    manejador, sio = canal_con(rasa)
    # 1600 visible characters plus control characters and surrounding spaces: accepted.
    texto = "  " + "\x00\u202e" * 50 + "b" * MAX_TEXTO + "\x07  "
    await manejador("sid-1", {"message": texto, "session_id": "s-1"})
    assert rasa.textos == ["b" * MAX_TEXTO]
    assert sio.emitidos == [("bot_uttered", {"text": "eco: " + "b" * MAX_TEXTO}, "web-s-1")]


@pytest.mark.parametrize("mensaje", ["", "   ", "\x00\x1b\u202e", None, 42, ["hola"], {"a": 1}])
async def test_vacio_o_no_texto_respuesta_fija(rasa: RasaFalso, mensaje):
    manejador, sio = canal_con(rasa)
    await manejador("sid-1", {"message": mensaje, "session_id": "s-1"})
    assert sio.emitidos == [("bot_uttered", {"text": TEXTO_VACIO}, "web-s-1")]
    assert rasa.recibidos == []


async def test_sin_message_respuesta_fija(rasa: RasaFalso):
    manejador, sio = canal_con(rasa, persistencia=False)
    await manejador("sid-1", {})
    assert sio.emitidos == [("bot_uttered", {"text": TEXTO_VACIO}, "sid-1")]
    assert rasa.recibidos == []


async def test_texto_limpio_llega_a_rasa(rasa: RasaFalso):
    manejador, sio = canal_con(rasa)
    await manejador("sid-1", {"message": " ¡Hola,\u202e ñandú!\x00 ", "session_id": "s-1"})
    assert rasa.textos == ["¡Hola, ñandú!"]
    assert rasa.recibidos[0].sender_id == "web-s-1"
    assert rasa.recibidos[0].input_channel == "socketio"


async def test_metadata_del_cliente_se_descarta(rasa: RasaFalso):
    manejador, _ = canal_con(rasa)
    falsa = {"telefono": "+13125550100", "canal": "whatsapp"}
    await manejador("sid-1", {"message": "hola", "session_id": "s-1", "metadata": falsa})
    assert rasa.recibidos[0].metadata in ({}, None)


@pytest.mark.parametrize("session_id", [None, "", 7, {"x": 1}, "s" * 129])
async def test_sesion_invalida_se_ignora(rasa: RasaFalso, session_id):
    manejador, sio = canal_con(rasa)
    with pytest.warns(UserWarning, match="session_id"):
        await manejador("sid-1", {"message": "hola", "session_id": session_id})
    assert sio.emitidos == []
    assert rasa.recibidos == []


async def test_datos_que_no_son_objeto(rasa: RasaFalso):
    manejador, sio = canal_con(rasa, persistencia=False)
    await manejador("sid-1", "hola")
    assert sio.emitidos == [("bot_uttered", {"text": TEXTO_VACIO}, "sid-1")]
    assert rasa.recibidos == []


async def test_log_sin_texto(rasa: RasaFalso, caplog: pytest.LogCaptureFixture):
    manejador, _ = canal_con(rasa)
    secreto = "XEXX010101HNEXXXA4 " * 100
    with caplog.at_level(logging.DEBUG):
        await manejador("sid-1", {"message": secreto, "session_id": "s-1"})
    assert "XEXX010101" not in caplog.text


def test_credentials_use_the_socketio_channel_that_joins_rooms():
    """Rasa 3.6's own socketio channel never awaits enter_room with python-socketio >= 5.10,
    so no bot answer reaches the browser (see channels/socketio.py)."""
    import yaml

    from channels.socketio import CHANNEL
    from scripts.stack import ROOT

    creds = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert "socketio" not in creds and CHANNEL in creds, (
        f"credentials.yml debe usar `{CHANNEL}:` en lugar de `socketio:` (mismos ajustes); "
        "ver docs/webchat.md"
    )
    assert creds[CHANNEL]["session_persistence"] is True


# ------------------------------------------------------------------ conversation ids by channel
TWILIO = "tw-0123456789abcdef0123"


class SalasFalsas(SioFalso):
    def __init__(self) -> None:
        super().__init__()
        self.salas: list[str] = []

    async def enter_room(self, sid, sala, namespace=None):
        self.salas.append(sala)


def canal_con_salas(rasa: RasaFalso):
    canal = SocketIOInput(session_persistence=True)
    canal.blueprint(rasa)
    falso = SalasFalsas()
    canal.sio.emit, canal.sio.enter_room = falso.emit, falso.enter_room
    return canal.sio.handlers["/"], falso


async def test_sesion_de_twilio_no_se_puede_unir(rasa: RasaFalso):
    """A browser naming a WhatsApp/SMS conversation joins a fresh web one instead."""
    manejadores, sio = canal_con_salas(rasa)
    await manejadores["session_request"]("sid-1", {"session_id": TWILIO})
    (sala,) = sio.salas
    assert sala.startswith("web-") and TWILIO not in sala
    ((evento, confirmada, _),) = sio.emitidos
    assert evento == "session_confirm" and confirmada != TWILIO


@pytest.mark.parametrize("session_id", [TWILIO, "TW-abc", "web-abc"])
async def test_mensaje_con_prefijo_reservado_no_llega(rasa: RasaFalso, session_id: str):
    manejador, sio = canal_con(rasa)
    with pytest.warns(UserWarning, match="session_id"):
        await manejador("sid-1", {"message": "hola", "session_id": session_id})
    assert rasa.recibidos == [] and sio.emitidos == []


async def test_conversacion_web_en_su_espacio(rasa: RasaFalso):
    manejadores, sio = canal_con_salas(rasa)
    await manejadores["session_request"]("sid-1", {"session_id": "abc123"})
    await manejadores["user_uttered"]("sid-1", {"message": "hola", "session_id": "abc123"})
    assert sio.salas == ["web-abc123"]
    assert rasa.recibidos[0].sender_id == "web-abc123"
    assert sio.emitidos[-1] == ("bot_uttered", {"text": "eco: hola"}, "web-abc123")
