"""Firma una petición de prueba como lo haría Twilio e imprime el comando curl.

Uso (el token se lee de ORIENTA_TWILIO_AUTH_TOKEN o de --token)::

    python -m channels.firmar_twilio Body='¿Cuánto cuesta?'
    python -m channels.firmar_twilio --whatsapp Body=2
    python -m channels.firmar_twilio --solo-firma Body=Hola \\
        --url https://bot.example.org/webhooks/twilio_orienta/webhook

Los parámetros ``CLAVE=valor`` se añaden a los de un SMS típico (MessageSid aleatorio, From,
To, NumMedia=0). La firma es HMAC-SHA1 sobre la URL exacta + todos los parámetros, así que
la URL debe ser la misma que valida el servidor (ORIENTA_TWILIO_PUBLIC_URL o la de la petición).
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
    """Parámetros de un mensaje entrante típico de Twilio, con ``extra`` encima."""
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
    """Valor de ``X-Twilio-Signature`` para esa URL y esos parámetros."""
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
