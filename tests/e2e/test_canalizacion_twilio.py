"""A WhatsApp conversation with a promoter, on the real stack (issue 17): Rasa's Twilio channel
gets signed webhooks (twilio's own RequestValidator signs them), the web service sends the
promoter's replies through Twilio's own client to a fake Twilio API, and the console is used
over HTTP with its session and CSRF token.

The person asks for a person; the promoter takes the case and replies: the reply leaves at once
through the Twilio API (inside the 24-hour window). What the person writes then goes to the
case's thread, with one acknowledgement, and the bot stays quiet; closing the case tells the
person and gives the conversation back to the bot.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from channels.firmar_twilio import firmar, parametros_de_prueba
from scripts.bench_registro import iniciar_pila_flujo
from scripts.consola_http import ConsolaHttp
from tests.ayudas import entorno_temporal

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT, SERVICE_PORT = 5435, 5485, 5495
TOKEN = "token-e2e-" + secrets.token_hex(8)
SAL = "sal-e2e-" + secrets.token_hex(8)
CUENTA = "AC" + "0" * 32
NUMERO_ORIENTA = "+15005550006"
RESPUESTA = "Hola, soy Ana de la Ventanilla de Salud. Con gusto te ayudo."


class TwilioFalso:
    """Twilio's Messages API on localhost: records every message Orienta sends."""

    def __init__(self) -> None:
        self.enviados: list[dict[str, str]] = []
        enviados = self.enviados

        class Manejador(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                largo = int(self.headers.get("Content-Length") or 0)
                campos = {k: v[0] for k, v in parse_qs(self.rfile.read(largo).decode()).items()}
                if not self.path.endswith(f"/Accounts/{CUENTA}/Messages.json"):
                    self.send_response(404)
                    self.end_headers()
                    return
                enviados.append(campos)
                cuerpo = json.dumps(
                    {"sid": "SM" + secrets.token_hex(16), "status": "queued", **campos}
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(cuerpo)

            def log_message(self, *args):  # quiet
                pass

        self.servidor = ThreadingHTTPServer(("127.0.0.1", 0), Manejador)
        threading.Thread(target=self.servidor.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.servidor.server_address[1]}"

    def cerrar(self) -> None:
        self.servidor.shutdown()


@pytest.fixture(scope="module")
def twilio_falso():
    falso = TwilioFalso()
    yield falso
    falso.cerrar()


@pytest.fixture(scope="module")
def pila(tmp_path_factory, twilio_falso):
    # stack.entorno_base() copies os.environ: Rasa's Twilio channel and the web service's
    # Twilio sends get these settings.
    ajustes = {
        "ORIENTA_TWILIO_AUTH_TOKEN": TOKEN,
        "ORIENTA_TWILIO_ID_SALT": SAL,
        "ORIENTA_TWILIO_ACCOUNT_SID": CUENTA,
        "ORIENTA_TWILIO_NUMERO_WHATSAPP": NUMERO_ORIENTA,
        "ORIENTA_TWILIO_API_URL": twilio_falso.url,
    }
    model = os.environ.get("ORIENTA_E2E_MODEL")
    with entorno_temporal(ajustes):
        running = iniciar_pila_flujo(
            tmp_path_factory.mktemp("canalizacion_twilio"),
            RASA_PORT,
            ACTIONS_PORT,
            SERVICE_PORT,
            model=Path(model) if model else None,
        )
    try:
        yield running
    finally:
        running.stop()


def whatsapp(pila, telefono: str, texto: str) -> list[str]:
    """A signed WhatsApp webhook; the TwiML's messages."""
    url = f"http://127.0.0.1:{pila.rasa_port}/webhooks/twilio_orienta/webhook"
    parametros = parametros_de_prueba({"Body": texto, "From": f"whatsapp:{telefono}"}, True)
    r = httpx.post(
        url,
        data=parametros,
        headers={"X-Twilio-Signature": firmar(TOKEN, url, parametros)},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return [m.text or "" for m in ET.fromstring(r.content).iter("Message")]


def test_una_conversacion_por_whatsapp_con_la_promotora(pila, twilio_falso):
    telefono = f"+1312555{secrets.randbelow(10**4):04d}"
    web, base = f"http://127.0.0.1:{pila.service_port}", f"sqlite:///{pila.database}"
    consola = ConsolaHttp(web, base, "admin")

    # 1. The person asks for a person: a case, and what happens next.
    abierta = " ".join(whatsapp(pila, telefono, "PROMOTOR"))
    ticket = int(re.search(r"solicitud (\d+)", abierta).group(1))

    # 2. The promoter takes it and replies: it leaves at once through Twilio's API.
    assert consola.enviar(f"/consola/canalizaciones/{ticket}/tomar").status_code in (200, 303)
    r = consola.enviar(f"/consola/canalizaciones/{ticket}/responder", texto=RESPUESTA)
    assert r.status_code in (200, 303), r.text
    (enviado,) = [e for e in twilio_falso.enviados if e.get("To") == f"whatsapp:{telefono}"]
    assert RESPUESTA in enviado["Body"] and enviado["From"] == f"whatsapp:{NUMERO_ORIENTA}"

    # 3. The person answers: to the thread, one acknowledgement, then no bot at all.
    acuse = whatsapp(pila, telefono, "Gracias, ¿mi esposa puede entrar conmigo?")
    assert len(acuse) == 1 and "promotora" in acuse[0], acuse
    assert whatsapp(pila, telefono, "Vive en Guadalajara") == []
    hilo = html.unescape(consola.get(f"/consola/canalizaciones/{ticket}"))
    assert "¿mi esposa puede entrar conmigo?" in hilo and "Vive en Guadalajara" in hilo

    # 4. Closing tells the person (through Twilio) and gives the conversation back to the bot.
    r = consola.enviar(f"/consola/canalizaciones/{ticket}/cerrar", motivo="resuelta")
    assert r.status_code in (200, 303), r.text
    avisos = [e["Body"] for e in twilio_falso.enviados if e.get("To") == f"whatsapp:{telefono}"]
    assert any("terminó" in a for a in avisos[1:]), avisos
    despues = whatsapp(pila, telefono, "¿Cuánto cuesta al mes?")
    assert despues and not any("promotora" in t and "pasé" in t for t in despues), despues
    consola.close()
