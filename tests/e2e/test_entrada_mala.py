"""Bad input through the REST and Twilio channels, on the real stack.

Each input gets a Spanish reply or a Spanish 4xx, never a 500; the server keeps answering; the
tables still exist after SQL strings; the metrics keep HTML as data and the console escapes it.
One stack for the whole file (Rasa + actions + service on their own SQLite file).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from bot.analitica import conversacion_id, redactar
from channels.firmar_twilio import firmar, parametros_de_prueba
from channels.rest import MAX_TEXTO, TEXTO_LARGO, TEXTO_VACIO
from scripts.bench_registro import iniciar_pila_flujo
from scripts.consola_http import ConsolaHttp
from tests.ayudas import entorno_temporal

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT, SERVICE_PORT = 5425, 5475, 5490
TOKEN_TWILIO = "token-e2e-" + secrets.token_hex(8)
SAL_TWILIO = "sal-e2e-" + secrets.token_hex(8)

SQL = "'; DROP TABLE registros; --"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# Words any of our Spanish answers has (greeting, menu, fallback, out of scope, fixed texts).
ESPANOL = ("puedo", "temas", "escribe", "quieres", "mensaje", "entendido", "ayud", "hola")


@pytest.fixture(scope="module")
def pila(tmp_path_factory):
    model = os.environ.get("ORIENTA_E2E_MODEL")
    # stack.base_env() copies os.environ: the Twilio channel of this Rasa gets the token and
    # the sender-id salt it requires.
    ajustes = {"ORIENTA_TWILIO_AUTH_TOKEN": TOKEN_TWILIO, "ORIENTA_TWILIO_ID_SALT": SAL_TWILIO}
    with entorno_temporal(ajustes):
        running = iniciar_pila_flujo(
            tmp_path_factory.mktemp("entrada_mala"),
            RASA_PORT,
            ACTIONS_PORT,
            SERVICE_PORT,
            model=Path(model) if model else None,
        )
    try:
        yield running
    finally:
        running.stop()


def remitente() -> str:
    return f"e2e-mala-{uuid.uuid4().hex[:8]}"


def es_espanol(texto: str) -> bool:
    return any(p in texto.lower() for p in ESPANOL)


def filas(pila, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(pila.database) as db:
        return db.execute(sql, args).fetchall()


def esperar_metricas(
    pila, conversaciones: list[str], minimo: int = 1, timeout: float = 20.0
) -> dict[str, list]:
    """metricas_mensajes rows (canal, fallback, texto) of these conversations, once each has
    ``minimo`` (the broker sends every 2 s)."""
    fin = time.monotonic() + timeout
    while True:
        por_conv: dict[str, list] = {c: [] for c in conversaciones}
        marcas = ",".join("?" * len(conversaciones))
        for conv, canal, fallback, texto in filas(
            pila,
            "SELECT conversacion, canal, fallback, texto FROM metricas_mensajes "
            f"WHERE conversacion IN ({marcas})",
            *conversaciones,
        ):
            por_conv[conv].append((canal, fallback, texto))
        if all(len(v) >= minimo for v in por_conv.values()) or time.monotonic() > fin:
            return por_conv
        time.sleep(0.5)


# ------------------------------------------------------------------ REST
def rest(pila, cuerpo, **kwargs) -> httpx.Response:
    if not isinstance(cuerpo, bytes):
        # ASCII escapes, so a lone surrogate travels as the JSON escape \ud800.
        cuerpo = json.dumps(cuerpo).encode("ascii")
    kwargs["content"] = cuerpo
    kwargs["headers"] = {"Content-Type": "application/json"}
    return httpx.post(pila.rest_url, timeout=30, **kwargs)


def textos_rest(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [m.get("text") or "" for m in r.json()]


@pytest.mark.parametrize(
    ("cuerpo", "status", "campo"),
    [
        (b"hola", 400, "cuerpo"),  # not JSON
        (b"", 400, "cuerpo"),  # empty body (Rasa: 500)
        (b"null", 400, "cuerpo"),  # (Rasa: 500)
        ([1, 2], 400, "cuerpo"),  # (Rasa: 500)
        ("hola", 400, "cuerpo"),  # (Rasa: 500)
        (b'{"sender": "x", "message": "hol\xff\xfe"}', 400, "cuerpo"),  # invalid UTF-8
        ({"message": "hola"}, 422, "sender"),  # (Rasa: the shared sender "default")
        ({"sender": {"a": 1}, "message": "hola"}, 422, "sender"),
        ({"sender": None, "message": "hola"}, 422, "sender"),
        ({"sender": "x" * 100_000, "message": "hola"}, 422, "sender"),
        ({"sender": "tw-0123456789abcdef0123", "message": "hola"}, 422, "sender"),
        ({"sender": "a\x00b", "message": "hola"}, 422, "sender"),
        ({"sender": "e2e-mala-1"}, 422, "message"),  # (Rasa: 200 [])
        ({"sender": "e2e-mala-1", "message": None}, 422, "message"),  # (Rasa: 200 [])
        ({"sender": "e2e-mala-1", "message": 42}, 422, "message"),
        ({"sender": "e2e-mala-1", "message": {"text": "hola"}}, 422, "message"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_rest_peticion_mal_formada_4xx_en_espanol(pila, cuerpo, status, campo):
    r = rest(pila, cuerpo)
    assert r.status_code == status, r.text
    (error,) = r.json()["detail"]
    assert error["campo"] == campo
    assert error["mensaje"].startswith(("El cuerpo", "Falta «", "«sender» debe", "Los «sender»"))


def test_rest_sender_numerico_se_acepta_como_texto(pila):
    r = rest(pila, {"sender": 12345678, "message": "hola"})
    assert [m["recipient_id"] for m in r.json()][:1] == ["12345678"]
    assert es_espanol(textos_rest(r)[0])


@pytest.mark.parametrize(
    ("mensaje", "fija"),
    [
        ("", TEXTO_VACIO),
        ("   \n\t ", TEXTO_VACIO),
        ("\x00\x1b\u202e", TEXTO_VACIO),  # only control characters
        ("hola " * 2000, TEXTO_LARGO),  # 10,000 characters
        ("x" * (MAX_TEXTO + 1), TEXTO_LARGO),
        ("😀🎉👍", None),
        ("hola\x00 qué\x1b[31m tal \u202eotsoc", None),
        ("hola \ud800 x", None),  # lone surrogate (valid JSON escape)
        (SQL, None),
        (SCRIPT, None),
        (IMG, None),
        ("¿cuánto cuesta? " * 100, None),  # 1,600 characters: still answered by the model
    ],
    ids=lambda v: repr(v)[:30],
)
def test_rest_texto_raro_recibe_respuesta_en_espanol(pila, mensaje, fija):
    textos = textos_rest(rest(pila, {"sender": remitente(), "message": mensaje}))
    assert textos and all(textos), textos
    if fija is not None:
        assert textos == [fija]
    else:
        assert es_espanol(textos[0]) and SCRIPT not in "".join(textos)


def test_rest_stream_con_texto_vacio(pila):
    r = rest(pila, {"sender": remitente(), "message": ""}, params={"stream": "true"})
    assert r.status_code == 200
    assert [json.loads(linea)["text"] for linea in r.text.splitlines()] == [TEXTO_VACIO]


def test_rest_ignora_input_channel_y_metadata_del_cliente(pila):
    """Twilio's metadata (the phone) addresses tickets and replies: a REST client can't set it."""
    sender = remitente()
    cuerpo = {
        "sender": sender,
        "message": "zzqx wqpl vvkk",  # gibberish: a fallback, so the metric keeps the text
        "input_channel": "twilio_orienta",
        "metadata": {"telefono": "+13125550100", "canal": "whatsapp"},
    }
    assert es_espanol(textos_rest(rest(pila, cuerpo))[0])
    conv = conversacion_id(sender)
    assert [canal for canal, _, _ in esperar_metricas(pila, [conv])[conv]] == ["rest"]


# ------------------------------------------------------------------ Twilio
def twilio_url(pila) -> str:
    return f"http://127.0.0.1:{pila.rasa_port}/webhooks/twilio_orienta/webhook"


def twilio(pila, parametros: dict, firma: str | None = None) -> httpx.Response:
    url = twilio_url(pila)
    firma = firmar(TOKEN_TWILIO, url, parametros) if firma is None else firma
    return httpx.post(url, data=parametros, headers={"X-Twilio-Signature": firma}, timeout=30)


def mensajes_twiml(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/xml")
    return [m.text or "" for m in ET.fromstring(r.content).iter("Message")]


@pytest.mark.parametrize(
    ("body", "fija"),
    [
        ("", "No recib"),
        ("\x00\x1b\u202e", "No recib"),
        ("hola " * 2000, "Tu mensaje es muy largo"),
        ("😀🎉👍", None),
        ("hola\x00 qué\x1b[31m tal \u202eotsoc", None),
        (SQL, None),
        (SCRIPT, None),
        (IMG, None),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_twilio_texto_raro_recibe_twiml_en_espanol(pila, body, fija):
    parametros = parametros_de_prueba(
        {"Body": body, "From": f"+1312555{secrets.randbelow(10**4):04d}"}
    )
    cuerpos = mensajes_twiml(twilio(pila, parametros))
    assert cuerpos and all(cuerpos)
    if fija is not None:
        assert cuerpos[0].startswith(fija)  # SMS text: GSM-7, no accents
    else:
        assert es_espanol(cuerpos[0])


def test_twilio_firma_incorrecta_403(pila):
    parametros = parametros_de_prueba({"Body": "hola"})
    assert twilio(pila, parametros, firma="AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status_code == 403
    assert twilio(pila, parametros, firma="").status_code == 403
    firmados = parametros_de_prueba({"Body": "hola"})
    firma = firmar(TOKEN_TWILIO, twilio_url(pila), firmados)
    cambiados = {**firmados, "Body": SQL}
    assert twilio(pila, cambiados, firma=firma).status_code == 403


def test_twilio_utf8_invalido_403(pila):
    r = httpx.post(
        twilio_url(pila),
        content=b"Body=hol%FF%FE&From=%2B13125550100&MessageSid=SMx",
        headers={"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert r.status_code == 403


def test_twilio_sin_from_400_sin_body_pide_texto(pila):
    sin_from = parametros_de_prueba({})
    del sin_from["From"]
    r = twilio(pila, sin_from)
    assert r.status_code == 400 and "From" in r.text
    sin_body = parametros_de_prueba({})
    del sin_body["Body"]
    assert mensajes_twiml(twilio(pila, sin_body))[0].startswith("No recib")


def test_twilio_message_sid_duplicado_se_procesa_una_vez(pila):
    telefono = f"+1773555{secrets.randbelow(10**4):04d}"
    parametros = parametros_de_prueba({"Body": "zzqx wqpl vvkk", "From": telefono})
    primera, segunda = twilio(pila, parametros), twilio(pila, parametros)
    assert mensajes_twiml(primera) == mensajes_twiml(segunda)
    # Same sender, another MessageSid: processed, so there are exactly two turns in the metrics.
    otra = {**parametros, "MessageSid": "SM" + secrets.token_hex(16), "Body": SCRIPT}
    mensajes_twiml(twilio(pila, otra))
    conv = conversacion_id(_sender_twilio(telefono))
    assert len(esperar_metricas(pila, [conv], minimo=2)[conv]) == 2
    time.sleep(2.5)  # one more broker cycle: a duplicated turn would show up as a third row
    assert len(esperar_metricas(pila, [conv])[conv]) == 2


def _sender_twilio(telefono: str) -> str:
    from channels.twilio import id_remitente

    return id_remitente(telefono, SAL_TWILIO)


def test_redactar_quita_caracteres_de_control():
    """Second line of defence for the metrics (other channels, socket.io): no \\x00, no bidi."""
    assert redactar("zz\x00qx \x1b[31m wq\u202epl \ud800") == "zzqx [31m wqpl"


# ------------------------------------------------------------------ afterwards
def test_el_servidor_sigue_respondiendo_y_las_tablas_existen(pila):
    assert httpx.get(f"http://127.0.0.1:{pila.rasa_port}/", timeout=10).status_code == 200
    assert es_espanol(textos_rest(rest(pila, {"sender": remitente(), "message": "hola"}))[0])
    tablas = {t for (t,) in filas(pila, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"registros", "canalizaciones", "metricas_mensajes", "embudo"} <= tablas
    assert httpx.get(f"{pila.service_url}/health", timeout=10).status_code == 200


def test_metricas_guardan_html_como_datos_sin_caracteres_de_control(pila):
    fin = time.monotonic() + 20
    while time.monotonic() < fin:
        textos = [
            t for (t,) in filas(pila, "SELECT texto FROM metricas_mensajes WHERE texto IS NOT NULL")
        ]
        if SCRIPT in textos and SQL in textos and IMG in textos:
            break
        time.sleep(0.5)
    assert {SCRIPT, SQL, IMG} <= set(textos), textos
    for texto in textos:
        assert len(texto) <= 300
        assert not any(
            ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in texto
        ), texto


def test_consola_escapa_el_html_guardado(pila):
    """The statistics page lists the unanswered questions: the stored <script> shows as text.
    (An admin: these REST conversations name no consulate, so only the national view has them.)"""
    consola = ConsolaHttp(pila.service_url, pila.database_url, rol="admin")
    try:
        html = consola.get("/consola/estadisticas")
    finally:
        consola.close()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert SCRIPT not in html and IMG not in html
