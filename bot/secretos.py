"""Which secrets are good enough to start with: no placeholder, no example value, no short key.

One rule for every process that reads a secret from the environment (the web service's API
keys and database password, the Twilio channel's token and sender-id salt, the console's Twilio
sends, the tracker's database password). A process given a bad one refuses to start and names
the variable, never its value.
"""

from __future__ import annotations

import re

__all__ = ["MINIMO", "SecretoInvalido", "es_marcador", "exigir", "problema", "rechazar_marcador"]

#: Shortest key we accept (``openssl rand -hex 32`` gives 64 characters).
MINIMO = 16

# Words that only a template, a tutorial or a test fixture would put in a secret.
_MARCADORES = re.compile(
    r"cambiar|cambia[-_ ]?me|change[-_ ]?me|changeit|example|ejemplo|placeholder|"
    r"replace|reemplaz|your[-_]|tu[-_]clave|secreto?[-_]?aqu|<[^>]*>|\$\{|xxxxxxxx|"
    r"password|contrase|s3cret|letmein|qwerty|fernet-base64|openssl",
    re.IGNORECASE,
)
#: Fewer different characters than this is a typed pattern, not a random key.
_MIN_DISTINTOS = 8


def es_marcador(valor: str | None) -> bool:
    """True if ``valor`` is a template's or tutorial's value (``CAMBIAR-…``, ``changeme``…)."""
    return bool(valor and _MARCADORES.search(valor))


class SecretoInvalido(RuntimeError):
    """A secret missing, too short or a placeholder; the message names the variable only."""


def problema(nombre: str, valor: str | None, minimo: int = MINIMO) -> str | None:
    """Why ``valor`` cannot be the secret ``nombre`` (a Spanish sentence), or None if it can."""
    texto = (valor or "").strip()
    if not texto:
        return f"falta {nombre}"
    if es_marcador(texto):
        return f"{nombre} tiene un valor de ejemplo (p. ej. «CAMBIAR-…»): pon uno generado"
    if len(texto) < minimo:
        return f"{nombre} debe tener al menos {minimo} caracteres"
    if len(set(texto)) < _MIN_DISTINTOS:
        return f"{nombre} repite casi un solo carácter: usa uno aleatorio"
    return None


def exigir(secretos: dict[str, str | None], minimo: int = MINIMO) -> None:
    """Raises ``SecretoInvalido`` listing every bad secret of ``secretos`` (name → value)."""
    problemas = [p for n, v in secretos.items() if (p := problema(n, v, minimo)) is not None]
    if problemas:
        raise SecretoInvalido(
            "No se puede iniciar: "
            + "; ".join(problemas)
            + " (genera cada clave con `openssl rand -hex 32`)."
        )


def rechazar_marcador(nombre: str, valor: str | None) -> None:
    """For passwords that may be empty on a local, unexposed server (PostgreSQL, Redis,
    RabbitMQ): an empty one passes, a template's value (``CAMBIAR-…``) refuses to start."""
    if es_marcador(valor):
        raise SecretoInvalido(
            f"No se puede iniciar: {nombre} tiene un valor de ejemplo (p. ej. «CAMBIAR-…»): "
            "pon uno generado (`openssl rand -hex 32`)."
        )
