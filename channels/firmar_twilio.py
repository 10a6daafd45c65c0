"""Signs a test request as Twilio would and prints the curl command.

Usage (the token comes from ORIENTA_TWILIO_AUTH_TOKEN or --token)::

    python -m channels.firmar_twilio Body='¿Cuánto cuesta?'
    python -m channels.firmar_twilio --whatsapp Body=2
    python -m channels.firmar_twilio --solo-firma Body=Hola \\
        --url https://bot.example.org/webhooks/twilio_orienta/webhook

The ``CLAVE=valor`` parameters are added to those of a typical SMS (random MessageSid, From,
To, NumMedia=0). The signature is HMAC-SHA1 over the exact URL + every parameter, so the URL
must be the one the server checks (ORIENTA_TWILIO_PUBLIC_URL or the request's own).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys

from twilio.request_validator import RequestValidator

URL_LOCAL = "http://localhost:5005/webhooks/twilio_orienta/webhook"
TELEFONO_PRUEBA = "+13125550100"
NUMERO_TWILIO = "+15005550006"


def parametros_de_prueba(extra: dict[str, str], whatsapp: bool = False) -> dict[str, str]:
    """The parameters of a typical incoming Twilio message, with ``extra`` on top."""
    prefijo = "whatsapp:" if whatsapp else ""
    base = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": prefijo + TELEFONO_PRUEBA,
        "To": prefijo + NUMERO_TWILIO,
        "Body": "Hola",
        "NumMedia": "0",
        "NumSegments": "1",
    }
    base.update(extra)
    return base


def firmar(token: str, url: str, parametros: dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` value for that URL and those parameters."""
    return RequestValidator(token).compute_signature(url, parametros)


def comando_curl(url: str, parametros: dict[str, str], firma: str) -> str:
    partes = ["curl", "-sS", "-X", "POST", url, "-H", f"X-Twilio-Signature: {firma}"]
    for clave, valor in parametros.items():
        partes += ["--data-urlencode", f"{clave}={valor}"]
    return " ".join(shlex.quote(p) for p in partes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m channels.firmar_twilio",
        description="Firma una petición de prueba de Twilio e imprime el curl.",
    )
    parser.add_argument("parametros", nargs="*", metavar="CLAVE=valor")
    parser.add_argument("--url", default=URL_LOCAL, help=f"URL firmada (por defecto {URL_LOCAL})")
    parser.add_argument("--token", help="Auth Token (por defecto ORIENTA_TWILIO_AUTH_TOKEN)")
    parser.add_argument("--whatsapp", action="store_true", help="From/To con prefijo whatsapp:")
    parser.add_argument("--solo-firma", action="store_true", help="imprime solo la firma")
    args = parser.parse_args(argv)

    token = args.token or os.environ.get("ORIENTA_TWILIO_AUTH_TOKEN", "")
    if not token:
        parser.error("falta el token: usa --token o ORIENTA_TWILIO_AUTH_TOKEN")
    extra: dict[str, str] = {}
    for par in args.parametros:
        clave, igual, valor = par.partition("=")
        if not igual or not clave:
            parser.error(f"parámetro sin '=': {par!r}")
        extra[clave] = valor

    parametros = parametros_de_prueba(extra, whatsapp=args.whatsapp)
    firma = firmar(token, args.url, parametros)
    print(firma if args.solo_firma else comando_curl(args.url, parametros, firma))
    return 0


if __name__ == "__main__":
    sys.exit(main())
