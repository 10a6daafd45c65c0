"""Test data helpers: real, check-digit-valid CURPs and NSS numbers."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import string

from stdnum.mx import curp as stdnum_curp

from bot.validacion import digito_verificador_nss

ASSISTANT_KEY = "test-assistant-key-0123456789"
ADMIN_KEY = "test-admin-key-9876543210abcdef"
A = {"X-API-Key": ASSISTANT_KEY}
ADMIN = {"X-API-Key": ADMIN_KEY}

_CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"


def make_curp(
    rng: random.Random | None = None, *, birth: str = "850312", sex: str = "H", state: str = "JC"
) -> str:
    """A random CURP whose check digit is computed by python-stdnum."""
    rng = rng or random.Random()
    while True:
        prefix = (
            rng.choice(string.ascii_uppercase)
            + rng.choice("AEIOU")
            + rng.choice(string.ascii_uppercase)
            + rng.choice(string.ascii_uppercase)
            + birth
            + sex
            + state
            + "".join(rng.choice(_CONSONANTS) for _ in range(3))
            + rng.choice("0123456789")
        )
        value = prefix + stdnum_curp.calc_check_digit(prefix)
        if stdnum_curp.is_valid(value):
            return value


def make_nss(first10: str = "1234567890") -> str:
    return first10 + digito_verificador_nss(first10)


def registro_body(curp: str, **overrides) -> dict:
    body = {
        "consentimiento": {"version_aviso": "2026-01", "aceptado_en": "2026-01-15T10:00:00Z"},
        "curp": curp,
        "nombre": "Carlos Gómez Ramírez",
        "email": "carlos.gomez@example.com",
        "telefono": "(312) 555-1234",
        "pais_residencia": "Estados Unidos",
        "ciudad_residencia": "Chicago",
        "ocupacion": "Carpintero",
        "ingreso_mensual": 12000,
        "moneda": "MXN",
    }
    body.update(overrides)
    return body


PG_HOST, PG_PORT = "127.0.0.1", 5432


def pg_responde() -> bool:
    """Whether this machine's PostgreSQL answers (tests on it are skipped, saying so, if not)."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def entorno_temporal(valores: dict[str, str]):
    """``os.environ`` with ``valores`` while the block runs (a stack started inside copies
    them), then as it was."""
    previo = {v: os.environ.get(v) for v in valores}
    os.environ.update(valores)
    try:
        yield
    finally:
        for variable, valor in previo.items():
            if valor is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = valor
