"""channels/firmar_twilio.py: the signatures it makes are accepted by the channel."""

from __future__ import annotations

import shlex

import pytest

from channels import firmar_twilio
from tests.channels.conftest import TOKEN, URL, Cliente, RasaFalso


async def test_firma_del_script_es_aceptada(cliente: Cliente, rasa: RasaFalso):
    datos = firmar_twilio.parametros_de_prueba({"Body": "¿Cuánto cuesta?"}, whatsapp=True)
    firma = firmar_twilio.firmar(TOKEN, URL, datos)
    r = await cliente.enviar(datos, firma=firma)
    assert r.status_code == 200
    assert rasa.textos == ["¿Cuánto cuesta?"]
    assert rasa.recibidos[0].metadata["canal"] == "whatsapp"


def test_main_imprime_curl_sin_el_token(capsys: pytest.CaptureFixture[str]):
    assert firmar_twilio.main(["--token", TOKEN, "--url", URL, "Body=Hola & adiós"]) == 0
    salida = capsys.readouterr().out
    partes = shlex.split(salida)
    assert partes[:5] == ["curl", "-sS", "-X", "POST", URL]
    assert "Body=Hola & adiós" in partes
    assert TOKEN not in salida
    firma = partes[partes.index("-H") + 1].removeprefix("X-Twilio-Signature: ")
    datos = dict(p.split("=", 1) for p in partes if "=" in p and not p.startswith("X-"))
    assert firmar_twilio.firmar(TOKEN, URL, datos) == firma


def test_main_sin_token_falla(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ORIENTA_TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(SystemExit):
        firmar_twilio.main(["Body=Hola"])
