"""servicio/twilio_salida.enviar with a fake Twilio HttpClient (no network)."""

from __future__ import annotations

import json
import logging

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from servicio import twilio_salida as salida

TEL = "+13125550100"
SID = "AC" + "1" * 32


class TwilioFalso(HttpClient):
    def __init__(
        self, status: int = 201, cuerpo: dict | None = None, error: Exception | None = None
    ):
        super().__init__(logger=None, is_async=False)
        self.status, self.error = status, error
        self.cuerpo = cuerpo or {"sid": "SM" + "0" * 32, "status": "queued"}
        self.peticiones: list[dict] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **_):
        self.peticiones.append(
            {"method": method, "url": url, "data": dict(data or {}), "auth": auth}
        )
        if self.error:
            raise self.error
        return Response(self.status, json.dumps(self.cuerpo))


@pytest.fixture
def ajustes() -> salida.AjustesSalida:
    return salida.AjustesSalida(
        account_sid=SID,
        auth_token="token",
        numero_sms="+15005550006",
        numero_whatsapp="whatsapp:+14155238886",
    )


def test_configurado(ajustes):
    assert salida.configurado("whatsapp", ajustes) and salida.configurado("telefono", ajustes)
    assert salida.configurado("sms", ajustes)
    assert not salida.configurado("web", ajustes)
    sin_wa = salida.AjustesSalida(account_sid=SID, auth_token="t", numero_sms="+15005550006")
    assert salida.configurado("telefono", sin_wa) and not salida.configurado("whatsapp", sin_wa)
    assert not salida.configurado("telefono", salida.AjustesSalida(numero_sms="+15005550006"))


def test_configurado_desde_el_entorno(monkeypatch):
    for k in ("ACCOUNT_SID", "AUTH_TOKEN", "NUMERO_SMS", "NUMERO_WHATSAPP"):
        monkeypatch.delenv(f"ORIENTA_TWILIO_{k}", raising=False)
    assert not salida.configurado("telefono")
    monkeypatch.setenv("ORIENTA_TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("ORIENTA_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("ORIENTA_TWILIO_NUMERO_SMS", " ")
    assert not salida.configurado("telefono")
    monkeypatch.setenv("ORIENTA_TWILIO_NUMERO_SMS", "+15005550006")
    assert salida.configurado("telefono") and not salida.configurado("whatsapp")


def test_enviar_whatsapp(ajustes):
    http = TwilioFalso()
    assert salida.enviar("whatsapp", TEL, "¡Hola! Así quedó.", http, ajustes=ajustes) is True
    (p,) = http.peticiones
    assert p["method"] == "POST" and p["url"].endswith(f"/Accounts/{SID}/Messages.json")
    assert p["data"] == {
        "To": f"whatsapp:{TEL}",
        "From": "whatsapp:+14155238886",
        "Body": "¡Hola! Así quedó.",
    }
    assert p["auth"] == (SID, "token")


def test_enviar_sms_gsm7(ajustes):
    http = TwilioFalso()
    assert salida.enviar("telefono", TEL, "Línea de captura “lista”", http, ajustes=ajustes)
    assert http.peticiones[0]["data"] == {
        "To": TEL,
        "From": "+15005550006",
        "Body": 'Linea de captura "lista"',
    }


@pytest.mark.parametrize(
    "http",
    [
        TwilioFalso(400, {"code": 63016, "message": f"Outside window {TEL}", "status": 400}),
        TwilioFalso(400, {"code": 21211, "message": f"Invalid 'To' {TEL}", "status": 400}),
        TwilioFalso(500, {"message": "boom"}),
        TwilioFalso(201, {"sid": "SM1", "status": "failed", "error_code": 30008}),
        TwilioFalso(error=ConnectionError(f"no route to {TEL}")),
    ],
)
def test_enviar_nunca_lanza_y_no_registra_datos(ajustes, http, caplog):
    with caplog.at_level(logging.DEBUG, logger="orienta.twilio.salida"):
        ok = salida.enviar("whatsapp", TEL, "Texto privado", http, ticket=42, ajustes=ajustes)
    assert ok is False
    assert len(http.peticiones) == 1
    assert "caso=42" in caplog.text
    assert TEL not in caplog.text and "Texto privado" not in caplog.text


def test_enviar_63016_registra_el_codigo(ajustes, caplog):
    http = TwilioFalso(400, {"code": 63016, "message": "Outside window", "status": 400})
    with caplog.at_level(logging.WARNING, logger="orienta.twilio.salida"):
        assert salida.enviar("whatsapp", TEL, "Hola", http, ticket=7, ajustes=ajustes) is False
    assert "código=63016" in caplog.text and "ventana" in caplog.text


@pytest.mark.parametrize(
    ("canal", "telefono", "texto"),
    [("web", TEL, "Hola"), ("whatsapp", "3125550100", "Hola"), ("telefono", TEL, "   ")],
)
def test_enviar_datos_invalidos_no_llama(ajustes, canal, telefono, texto):
    http = TwilioFalso()
    assert salida.enviar(canal, telefono, texto, http, ajustes=ajustes) is False
    assert http.peticiones == []


# ------------------------------------------------------------------ reminders' template (issue 15)
def test_the_reminders_template_goes_by_content_sid_with_its_variables(ajustes):
    from servicio.recordatorios import ClienteTwilio

    http = TwilioFalso()
    cliente = ClienteTwilio(ajustes, http)
    plantilla = "HX" + "a" * 32
    assert cliente.plantilla(TEL, plantilla, {"1": "OR-7K2M9QX4TB", "2": "20"})
    (peticion,) = http.peticiones
    assert peticion["data"]["ContentSid"] == plantilla
    assert json.loads(peticion["data"]["ContentVariables"]) == {"1": "OR-7K2M9QX4TB", "2": "20"}
    assert peticion["data"]["To"] == f"whatsapp:{TEL}" and "Body" not in peticion["data"]


def test_a_rejected_template_is_false_so_sms_is_tried(ajustes):
    from servicio.recordatorios import ClienteTwilio

    http = TwilioFalso(status=400, cuerpo={"code": 63016, "message": "x", "status": 400})
    assert not ClienteTwilio(ajustes, http).plantilla(TEL, "HX" + "a" * 32, {"1": "x"})
