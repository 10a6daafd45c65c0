from decimal import Decimal

import pytest

from bot.ingreso import (
    ANIO,
    PERIODOS_ELEGIBLES,
    QUINCENA,
    SEMANA,
    Ingreso,
    IngresoNoMensual,
    leer_ingreso_mensual,
    leer_monto,
    leer_tipo_cambio,
)
from bot.validacion import ErrorValidacion


@pytest.mark.parametrize(
    ("text", "monto", "moneda"),
    [
        ("12000", "12000", "MXN"),
        ("12,000", "12000", "MXN"),
        ("12.000", "12000", "MXN"),
        ("12,000.50", "12000.50", "MXN"),
        ("15 mil", "15000", "MXN"),
        ("quince mil pesos", "15000", "MXN"),
        ("doce mil quinientos", "12500", "MXN"),
        ("$2,000 dólares", "2000", "USD"),
        ("2000 dls", "2000", "USD"),
        ("2 mil usd", "2000", "USD"),
        ("1.5k", "1500", "MXN"),
        ("1,5 mil", "1500", "MXN"),
        ("Gano como 9 mil pesos", "9000", "MXN"),
        ("3000 USD", "3000", "USD"),
    ],
)
def test_parse_income(text, monto, moneda):
    assert leer_monto(text) == Ingreso(Decimal(monto).quantize(Decimal("0.01")), moneda)


def test_moneda_por_omision_applies_to_bare_numbers():
    assert leer_monto("2500", moneda_por_omision="USD").moneda == "USD"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Escribe cuánto ganas"),
        ("no sé", "No encontré una cantidad"),
        ("entre 10 y 12 mil", "más de una cantidad"),
        ("2000 pesos o 100 dólares", "pesos o en dólares"),
        ("0 pesos", "mayor que cero"),
    ],
)
def test_parse_income_errors(text, fragment):
    with pytest.raises(ErrorValidacion) as exc:
        leer_monto(text)
    assert fragment in exc.value.mensaje
    assert "Ejemplos" in exc.value.mensaje


# ------------------------------------------------------------------ income per period
@pytest.mark.parametrize(
    ("text", "monto", "moneda"),
    [
        ("cuanto pagaria si gano 15 mil pesos al mes", "15000.00", "MXN"),
        ("cuánto pagaría si gano 15 mil pesos al mes", "15000.00", "MXN"),
        ("si gano 3500 dolares al mes cuanto me sale la cuota", "3500.00", "USD"),
        ("cotizame con 1200 dolares mensuales", "1200.00", "USD"),
        ("12000", "12000.00", "MXN"),
        ("gano 2000 dolares a la semana", "8660.00", "USD"),  # × 4.33
        ("500 semanales", "2165.00", "MXN"),
        ("8 mil a la quincena", "16000.00", "MXN"),
        ("240 mil pesos al año", "20000.00", "MXN"),
        ("15000.00 MXN", "15000.00", "MXN"),  # the stored value validates to itself
    ],
)
def test_leer_ingreso_mensual_mensual(text, monto, moneda):
    leido = leer_ingreso_mensual(text)
    assert (str(leido.ingreso.monto), leido.ingreso.moneda) == (monto, moneda)


@pytest.mark.parametrize("text", ["gano 300 al dia", "20 dolares la hora", "gano 500 diarios"])
def test_leer_ingreso_mensual_per_day_or_hour_asks_for_the_month(text):
    with pytest.raises(IngresoNoMensual):
        leer_ingreso_mensual(text)


def test_leer_ingreso_mensual_says_what_was_declared_and_the_period():
    leido = leer_ingreso_mensual("3000 dólares a la semana")
    assert leido.declarado == Ingreso(Decimal("3000.00"), "USD")
    assert leido.ingreso == Ingreso(Decimal("12990.00"), "USD")
    assert leido.periodo is SEMANA
    mensual = leer_ingreso_mensual("15 mil pesos")
    assert mensual.periodo is None and mensual.ingreso == mensual.declarado


@pytest.mark.parametrize(
    ("text", "periodo"), [("8 mil quincenales", QUINCENA), ("60 mil anuales", ANIO)]
)
def test_leer_ingreso_mensual_periods(text, periodo):
    assert leer_ingreso_mensual(text).periodo is periodo


def test_leer_ingreso_mensual_bare_numbers_use_the_default_currency():
    assert leer_ingreso_mensual("500 a la semana", "USD").ingreso == Ingreso(
        Decimal("2165.00"), "USD"
    )


def test_per_day_is_a_validation_error_with_an_example():
    with pytest.raises(ErrorValidacion, match="Ejemplos"):
        leer_ingreso_mensual("gano 300 al dia")


# ------------------------------------------------------------------ the person's exchange rate
@pytest.mark.parametrize(
    ("texto", "tc", "monto"),
    [
        ("cotiza 2000 dólares a 17.50", "17.50", "2000.00"),
        ("2,000 dólares tipo de cambio 18.2", "18.20", "2000.00"),
        ("gano 2000 dls, el dolar a 17 pesos", "17.00", "2000.00"),
        ("2000 usd a 17 pesos por dólar", "17.00", "2000.00"),
        ("tc 20 y gano 2500 dolares", "20.00", "2500.00"),
    ],
)
def test_exchange_rate_given_with_a_dollar_income(texto, tc, monto):
    resto, leido = leer_tipo_cambio(texto)
    assert leido == Decimal(tc)
    assert leer_ingreso_mensual(resto).ingreso == Ingreso(Decimal(monto), "USD")


@pytest.mark.parametrize(
    "texto", ["2000 dolares a la semana", "15 mil pesos a 17.5", "2000 dolares a 500 pesos"]
)
def test_no_exchange_rate_is_read_where_there_is_none(texto):
    assert leer_tipo_cambio(texto) == (texto, None)


def test_a_forms_period_applies_only_when_the_text_names_none():
    semana = PERIODOS_ELEGIBLES["semana"]
    assert leer_ingreso_mensual("3000", "USD", semana).ingreso == Ingreso(
        Decimal("12990.00"), "USD"
    )
    por_quincena = leer_ingreso_mensual("6000 por quincena", "MXN", semana)
    assert por_quincena.periodo is QUINCENA and por_quincena.ingreso.monto == Decimal("12000.00")
    assert leer_ingreso_mensual("15000", "MXN", PERIODOS_ELEGIBLES["mes"]).periodo is None
    with pytest.raises(IngresoNoMensual):
        leer_ingreso_mensual("300 al día", "MXN", semana)
