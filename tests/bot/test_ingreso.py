from decimal import Decimal

import pytest

from bot.ingreso import Ingreso, leer_monto
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
