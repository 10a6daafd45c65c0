from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.lectura import AVISO_PRIVACIDAD_VERSION
from bot.registro import cuerpo_registro
from bot.validacion import ErrorValidacion

CURP = "GOCR850312HJCMRR00"
VALORES = {
    "curp": "gocr850312hjcmrr00",
    "nombre": "Carlos Gómez Ruiz",
    "email": "carlos.gomez@example.com",
    "telefono": "+13125551234",
    "pais_residencia": "Estados Unidos",
    "ciudad_residencia": "Chicago, IL",
    "ocupacion": "Carpintero",
    "ingreso_mensual": Decimal("15000.00"),
    "moneda": "MXN",
    "consulado": "Chicago, IL",
    "aceptado_en": "2026-11-23T14:00:00+00:00",
}


def test_body_has_the_consent_the_answers_and_what_the_curp_says():
    assert cuerpo_registro(**VALORES) == {
        "consentimiento": {
            "version_aviso": AVISO_PRIVACIDAD_VERSION,
            "aceptado_en": "2026-11-23T14:00:00+00:00",
        },
        "curp": CURP,
        "nombre": "Carlos Gómez Ruiz",
        "email": "carlos.gomez@example.com",
        "telefono": "+13125551234",
        "pais_residencia": "Estados Unidos",
        "ciudad_residencia": "Chicago, IL",
        "ocupacion": "Carpintero",
        "ingreso_mensual": "15000.00",
        "moneda": "MXN",
        "fecha_nacimiento": "1985-03-12",
        "sexo": "H",
        "estado_nacimiento": "JC",
        "consulado": "Chicago, IL",
        "nss": None,
        "domicilio_estado": None,
        "domicilio_municipio": None,
        "domicilio_cp": None,
        "domicilio_colonia": None,
        "recordatorios": False,
    }


def test_body_carries_the_nss_and_the_mexican_address():
    domicilio = {
        "domicilio_estado": "Jalisco",
        "domicilio_municipio": "Zapopan",
        "domicilio_cp": "45010",
        "domicilio_colonia": "Centro",
    }
    cuerpo = cuerpo_registro(**VALORES, nss="12345678903", **domicilio)
    assert cuerpo["nss"] == "12345678903"
    assert {k: cuerpo[k] for k in domicilio} == domicilio


def test_body_carries_the_reminder_opt_in_and_the_channel():
    cuerpo = cuerpo_registro(
        **VALORES, recordatorios=True, canal="whatsapp", direccion_canal="+13125551234"
    )
    assert cuerpo["recordatorios"] is True
    assert cuerpo["canal"] == "whatsapp" and cuerpo["direccion_canal"] == "+13125551234"


def test_an_unknown_channel_is_left_out():
    cuerpo = cuerpo_registro(**VALORES, canal=None, direccion_canal=None)
    assert "canal" not in cuerpo and "direccion_canal" not in cuerpo


def test_consent_time_defaults_to_now_and_currency_to_pesos():
    valores = {**VALORES, "aceptado_en": None, "moneda": None, "ingreso_mensual": 15000.0}
    cuerpo = cuerpo_registro(**valores)
    aceptado = datetime.fromisoformat(cuerpo["consentimiento"]["aceptado_en"])
    assert abs(aceptado - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert cuerpo["moneda"] == "MXN" and cuerpo["ingreso_mensual"] == "15000.0"


def test_an_invalid_curp_is_refused():
    with pytest.raises(ErrorValidacion):
        cuerpo_registro(**{**VALORES, "curp": "GOCR850312HJCMRR08"})
