"""bot/secretos.py: which secrets a process may start with."""

from __future__ import annotations

import secrets

import pytest

from bot.secretos import SecretoInvalido, es_marcador, exigir, problema


@pytest.mark.parametrize(
    "valor",
    [
        "CAMBIAR-clave-asistente-openssl-rand-hex-32",  # deploy/.env.example
        "CAMBIAR-password-postgres-hex",  # deploy/k8s/secret.example.yaml
        "cambiar-esta-clave-por-una-buena",
        "changeme-0123456789abcdef",
        "my-example-key-0123456789",
        "<tu-clave-aqui-0123456789>",
        "${ORIENTA_ADMIN_API_KEY}",
    ],
)
def test_placeholders_are_refused(valor):
    assert es_marcador(valor)
    assert "valor de ejemplo" in problema("X", valor)


@pytest.mark.parametrize(
    ("valor", "motivo"), [("", "falta"), ("abc123", "16"), ("ab" * 20, "repite")]
)
def test_missing_short_or_patterned(valor, motivo):
    assert motivo in problema("X", valor)


def test_generated_keys_pass():
    # What `make run` generates (scripts/stack.py) and `openssl rand -hex 32` gives.
    for _ in range(300):
        assert problema("X", secrets.token_urlsafe(32)) is None
        assert problema("X", secrets.token_hex(32)) is None


def test_exigir_names_every_bad_variable_never_its_value():
    with pytest.raises(SecretoInvalido) as error:
        exigir({"A_KEY": "CAMBIAR-a", "B_KEY": None, "C_KEY": secrets.token_hex(32)})
    texto = str(error.value)
    assert "A_KEY" in texto and "B_KEY" in texto and "C_KEY" not in texto
    assert "CAMBIAR-a" not in texto
