"""Webhook of channels.twilio.TwilioCanal through Sanic (ASGI) with a fake Rasa."""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET

import pytest

from bot.mensajes import MAX_CUERPO, MAX_MENSAJES
from bot.secretos import SecretoInvalido
from channels.twilio import AjustesTwilio, CacheTTL, TwilioCanal, id_remitente, telefono_e164
from tests.channels.conftest import (
    RUTA,
    SAL,
    TELEFONO,
    TOKEN,
    URL,
    Cliente,
    RasaFalso,
    firmar,
    parametros,
)


def mensajes_twiml(respuesta) -> list[str]:
    """Texts of the <Message> elements (parsing proves the XML is well formed)."""
    raiz = ET.fromstring(respuesta.content)
    assert raiz.tag == "Response"
    return [m.text or "" for m in raiz.findall("Message")]


# ------------------------------------------------------------------ signature


async def test_firma_valida_se_acepta_y_responde_twiml(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("Hola"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    assert mensajes_twiml(r) == ["eco: Hola"]
    assert rasa.textos == ["Hola"]


async def test_sin_firma_403_y_rasa_no_recibe_nada(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("Hola"), firma=None)
    assert r.status_code == 403
    assert rasa.recibidos == []


async def test_firma_falsa_403(cliente: Cliente, rasa: RasaFalso):
    datos = parametros("Hola")
    r = await cliente.enviar(datos, firma=firmar(datos, token="otro-token"))
    assert r.status_code == 403
    r = await cliente.enviar(datos, firma="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert r.status_code == 403
    assert rasa.recibidos == []


async def test_firma_reusada_con_cuerpo_cambiado_403(cliente: Cliente, rasa: RasaFalso):
    original = parametros("Hola")
    firma = firmar(original)
    cambiado = {**original, "Body": "Quiero inscribirme"}
    assert (await cliente.enviar(cambiado, firma=firma)).status_code == 403
    # A parameter added after signing also breaks it: the check covers ALL params.
    agregado = {**original, "Extra": "1"}
    assert (await cliente.enviar(agregado, firma=firma)).status_code == 403
    assert rasa.recibidos == []


async def test_parametros_vacios_cuentan_en_la_firma(cliente: Cliente, rasa: RasaFalso):
    # Sanic's request.form drops "ProfileName=": the channel must read it to validate.
    r = await cliente.enviar(parametros("Hola", ProfileName="", WaId=""))
    assert r.status_code == 200
    assert rasa.textos == ["Hola"]


async def test_url_de_otro_host_no_valida(cliente: Cliente, rasa: RasaFalso):
    datos = parametros("Hola")
    firma = firmar(datos, url="https://bot.example.org" + RUTA)
    assert (await cliente.enviar(datos, firma=firma)).status_code == 403
    assert rasa.recibidos == []


async def test_x_forwarded_proto_y_host(cliente: Cliente, rasa: RasaFalso):
    datos = parametros("Hola")
    firma = firmar(datos, url="https://bot.example.org" + RUTA)
    cabeceras = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bot.example.org"}
    r = await cliente.enviar(datos, firma=firma, headers=cabeceras)
    assert r.status_code == 200
    assert rasa.textos == ["Hola"]


@pytest.mark.parametrize(
    "public_url",
    ["https://bot.example.org/webhooks/twilio_orienta/webhook", "https://bot.example.org"],
)
async def test_public_url_configurada(
    public_url: str, canal: TwilioCanal, cliente: Cliente, rasa: RasaFalso
):
    canal.ajustes.public_url = public_url
    datos = parametros("Hola")
    firma_publica = firmar(datos, url="https://bot.example.org" + RUTA)
    assert (await cliente.enviar(datos, firma=firma_publica)).status_code == 200
    # With a public URL set, the local request URL is no longer accepted.
    otros = parametros("Hola")
    assert (await cliente.enviar(otros, firma=firmar(otros, url=URL))).status_code == 403
    assert rasa.textos == ["Hola"]


@pytest.mark.parametrize("token", [None, "", "   "])
async def test_sin_token_todo_403_y_aviso_una_vez(
    token, rasa: RasaFalso, cliente_factory, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="channels.twilio"):
        cliente = await cliente_factory(AjustesTwilio(auth_token=token))
        for _ in range(3):
            datos = parametros("Hola")
            assert (await cliente.enviar(datos)).status_code == 403
    avisos = [r for r in caplog.records if "ORIENTA_TWILIO_AUTH_TOKEN" in r.getMessage()]
    assert len(avisos) == 1
    assert rasa.recibidos == []


async def test_salud(cliente: Cliente):
    r = await cliente.http.get("/webhooks/twilio_orienta/")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "configurado": True}


# ------------------------------------------------------------------ text and formatting


async def test_texto_llega_intacto(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("¡Hola, ñandú!", whatsapp=True))
    assert r.status_code == 200
    assert rasa.textos == ["¡Hola, ñandú!"]
    assert mensajes_twiml(r) == ["eco: ¡Hola, ñandú!"]


async def test_whatsapp_lista_numerada_con_negritas(cliente: Cliente):
    r = await cliente.enviar(parametros("menu", whatsapp=True))
    (cuerpo,) = mensajes_twiml(r)
    assert "1) *¿Qué es PTI?*" in cuerpo
    assert "4) *Quiero inscribirme*" in cuerpo
    assert cuerpo.endswith("Responde con el número.")


async def test_sms_texto_plano_gsm7(cliente: Cliente):
    r = await cliente.enviar(parametros("menu"))
    (cuerpo,) = mensajes_twiml(r)
    assert "*" not in cuerpo
    assert "3) ¿Cuanto cuesta?" in cuerpo
    assert cuerpo.endswith("Responde con el numero.")


async def test_xml_escapado(cliente: Cliente, rasa: RasaFalso):
    texto = "<script>alert('x')</script> & Cía"
    r = await cliente.enviar(parametros(texto, whatsapp=True))
    assert b"<script>" not in r.content
    assert b"&lt;script&gt;" in r.content
    assert b"&amp; C" in r.content
    assert mensajes_twiml(r) == [f"eco: {texto}"]
    assert rasa.textos == [texto]


async def test_respuesta_larga_en_maximo_3_mensajes(cliente: Cliente):
    r = await cliente.enviar(parametros("largo", whatsapp=True))
    cuerpos = mensajes_twiml(r)
    assert 1 < len(cuerpos) <= MAX_MENSAJES
    assert all(len(c) <= MAX_CUERPO for c in cuerpos)
    assert "Párrafo 0:" in cuerpos[0]
    # 12 × ~490 characters do not fit in 3 × 1600: the end is cut politely.
    assert "Escribe MÁS" in cuerpos[-1]
    # Cut on paragraph boundaries: every paragraph shown is whole.
    for cuerpo in cuerpos:
        for parrafo in cuerpo.split("\n\n"):
            if parrafo.startswith("Párrafo"):
                assert parrafo.endswith("x" * 480)


async def test_varios_mensajes_del_turno_en_un_solo_sms(cliente: Cliente):
    r = await cliente.enviar(parametros("dos"))
    assert mensajes_twiml(r) == ["Primero.\n\nSegundo parrafo.\n\nTercero."]


# ------------------------------------------------------------------ numbered options


async def test_numero_se_convierte_en_payload(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("menu"))
    await cliente.enviar(parametros("3"))
    assert rasa.textos == ["menu", "/costo"]


async def test_numero_fuera_de_rango_pasa_como_texto(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("sino", whatsapp=True))
    await cliente.enviar(parametros("7", whatsapp=True))
    assert rasa.textos == ["sino", "7"]


async def test_numero_tras_respuesta_sin_botones_es_texto(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("menu"))
    await cliente.enviar(parametros("hola"))  # reply without buttons forgets the options
    await cliente.enviar(parametros("2"))
    assert rasa.textos == ["menu", "hola", "2"]


async def test_opciones_son_por_remitente(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("menu"))  # SMS sender
    await cliente.enviar(parametros("1", whatsapp=True))  # another sender (WhatsApp From)
    await cliente.enviar(parametros("1"))
    assert rasa.textos == ["menu", "1", "/que_es_pti"]


async def test_opciones_caducan(rasa: RasaFalso, cliente_factory, reloj):
    cliente = await cliente_factory(AjustesTwilio(auth_token=TOKEN, id_salt=SAL, opciones_ttl_s=60))
    await cliente.enviar(parametros("menu"))
    reloj.avanzar(61)
    await cliente.enviar(parametros("1"))
    assert rasa.textos == ["menu", "1"]


# ------------------------------------------------------------------ duplicates


async def test_message_sid_duplicado_se_procesa_una_vez(cliente: Cliente, rasa: RasaFalso):
    datos = parametros("Hola")
    r1 = await cliente.enviar(datos)
    r2 = await cliente.enviar(datos)
    assert r1.status_code == r2.status_code == 200
    assert r1.content == r2.content
    assert len(rasa.recibidos) == 1


async def test_duplicado_concurrente_se_procesa_una_vez(cliente: Cliente, rasa: RasaFalso):
    rasa.espera_s = 0.2
    datos = parametros("Hola")
    r1, r2 = await asyncio.gather(cliente.enviar(datos), cliente.enviar(datos))
    assert r1.content == r2.content
    assert mensajes_twiml(r1) == ["eco: Hola"]
    assert len(rasa.recibidos) == 1


async def test_sids_distintos_se_procesan_los_dos(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("Hola"))
    await cliente.enviar(parametros("Hola"))
    assert len(rasa.recibidos) == 2


# ------------------------------------------------------------------ media, location, empty


async def test_media_respuesta_fija_sin_rasa(cliente: Cliente, rasa: RasaFalso):
    datos = parametros(
        "",
        whatsapp=True,
        NumMedia="1",
        MediaContentType0="audio/ogg",
        MediaUrl0="https://api.twilio.com/x",
    )
    r = await cliente.enviar(datos)
    (cuerpo,) = mensajes_twiml(r)
    assert "solo puedo leer mensajes de texto" in cuerpo
    assert rasa.recibidos == []


async def test_imagen_con_texto_tambien_es_media(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("mira", NumMedia="2"))
    assert "solo puedo leer mensajes de texto" in mensajes_twiml(r)[0]
    assert rasa.recibidos == []


async def test_ubicacion_respuesta_fija_sin_rasa(cliente: Cliente, rasa: RasaFalso):
    datos = parametros("", whatsapp=True, Latitude="41.88", Longitude="-87.63")
    r = await cliente.enviar(datos)
    assert "no puedo usar ubicaciones" in mensajes_twiml(r)[0]
    assert rasa.recibidos == []


@pytest.mark.parametrize("body", ["", "   "])
async def test_cuerpo_vacio_pide_texto(body: str, cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros(body))
    assert "Escribe tu pregunta" in mensajes_twiml(r)[0]
    assert rasa.recibidos == []


# ------------------------------------------------------------------ privacy and failures


async def test_sender_id_es_hash_y_metadata_trae_telefono(cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("Hola", whatsapp=True))
    (mensaje,) = rasa.recibidos
    assert mensaje.sender_id == id_remitente("whatsapp:" + TELEFONO, SAL)
    assert mensaje.sender_id.startswith("tw-") and len(mensaje.sender_id) == 23
    assert TELEFONO.lstrip("+") not in mensaje.sender_id
    assert mensaje.metadata == {"telefono": TELEFONO, "canal": "whatsapp"}
    assert mensaje.input_channel == "twilio_orienta"


async def test_log_sin_telefono_ni_texto(
    cliente: Cliente, rasa: RasaFalso, caplog: pytest.LogCaptureFixture
):
    secreto = "mi CURP es XEXX010101HNEXXXA4"
    with caplog.at_level(logging.DEBUG):
        await cliente.enviar(parametros(secreto))
        await cliente.enviar(parametros("falla"))
        await cliente.enviar(parametros("x", NumMedia="1"))
        await cliente.enviar(parametros("x"), firma="malo")
    assert caplog.records, "the channel should log something (ids only)"
    registro = caplog.text
    assert TELEFONO.lstrip("+") not in registro
    assert "XEXX010101" not in registro


async def test_error_en_rasa_responde_disculpa(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("falla", whatsapp=True))
    assert r.status_code == 200
    assert "no está respondiendo" in mensajes_twiml(r)[0]


async def test_turno_sin_respuesta_del_bot_no_queda_en_silencio(cliente: Cliente, rasa: RasaFalso):
    r = await cliente.enviar(parametros("silencio"))  # SMS: accents transliterated
    assert r.status_code == 200
    # The apology does not offer PROMOTOR: the handoff needs the action server that failed.
    texto = mensajes_twiml(r)[0]
    assert "tuve un problema para responderte" in texto and "PROMOTOR" not in texto


async def test_turno_lento_responde_antes_del_limite(rasa: RasaFalso, cliente_factory):
    cliente = await cliente_factory(AjustesTwilio(auth_token=TOKEN, id_salt=SAL, timeout_s=0.05))
    rasa.espera_s = 0.5
    r = await cliente.enviar(parametros("Hola", whatsapp=True))
    assert r.status_code == 200
    assert "tardando" in mensajes_twiml(r)[0]


# ------------------------------------------------------------------ construction and helpers


@pytest.mark.parametrize("credenciales", [None, {}])
def test_from_credentials_sin_secretos(credenciales, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ORIENTA_TWILIO_AUTH_TOKEN", raising=False)
    canal = TwilioCanal.from_credentials(credenciales)
    assert TwilioCanal.name() == "twilio_orienta"
    assert canal.url_prefix() == "twilio_orienta"
    assert canal.ajustes.auth_token is None


def test_ajustes_desde_entorno(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ORIENTA_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ORIENTA_TWILIO_ID_SALT", SAL)
    monkeypatch.setenv("ORIENTA_TWILIO_PUBLIC_URL", "https://bot.example.org")
    ajustes = TwilioCanal.from_credentials(None).ajustes
    assert ajustes.auth_token.get_secret_value() == TOKEN
    assert ajustes.public_url == "https://bot.example.org"
    assert TOKEN not in repr(ajustes) and SAL not in repr(ajustes)


@pytest.mark.parametrize(
    ("token", "sal", "variable"),
    [
        ("CAMBIAR-auth-token-de-twilio", SAL, "ORIENTA_TWILIO_AUTH_TOKEN"),
        ("abc", SAL, "ORIENTA_TWILIO_AUTH_TOKEN"),
        (TOKEN, None, "ORIENTA_TWILIO_ID_SALT"),
        (TOKEN, "CAMBIAR-sal-openssl-rand-hex-32", "ORIENTA_TWILIO_ID_SALT"),
        (TOKEN, "corta", "ORIENTA_TWILIO_ID_SALT"),
        (TOKEN, "a" * 40, "ORIENTA_TWILIO_ID_SALT"),
    ],
)
def test_no_arranca_con_secretos_de_ejemplo_o_sin_sal(token, sal, variable, monkeypatch):
    """deploy/.env.example's placeholders, a short token, or no salt: Rasa refuses to start."""
    monkeypatch.setenv("ORIENTA_TWILIO_AUTH_TOKEN", token)
    if sal is not None:
        monkeypatch.setenv("ORIENTA_TWILIO_ID_SALT", sal)
    with pytest.raises(SecretoInvalido, match=variable) as error:
        TwilioCanal.from_credentials(None)
    assert token not in str(error.value) or len(token) < 4
    if sal:
        assert sal not in str(error.value)


def test_sin_token_no_pide_sal(monkeypatch):
    """Twilio disabled (no token: every request gets 403): nothing to hash, no salt needed."""
    assert TwilioCanal.from_credentials(None).ajustes.id_salt is None


def test_id_remitente_estable_y_no_reversible_sin_sal():
    a = id_remitente("+13125550100", SAL)
    assert a == id_remitente("+13125550100", SAL)
    assert a != id_remitente("+13125550101", SAL)
    assert id_remitente("+13125550100", "otra-sal-9b8c7d6e5f") != a
    # Not the plain SHA-256 anyone could rebuild from a list of phone numbers.
    import hashlib

    assert a[3:] != hashlib.sha256(b"+13125550100").hexdigest()[:20]
    with pytest.raises(ValueError):
        id_remitente("+13125550100", "")
    assert telefono_e164("whatsapp:+13125550100") == "+13125550100"
    assert telefono_e164("+13125550100") == "+13125550100"


def test_cache_ttl_caduca_y_respeta_tamano():
    ahora = [0.0]
    cache = CacheTTL(ttl_s=10, max_items=2, reloj=lambda: ahora[0])
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("c", 3)
    assert len(cache) == 2
    assert cache.get("a") is None
    assert cache.get("c") == 3
    ahora[0] = 11
    assert cache.get("b") is None
    assert cache.get("c") is None


@pytest.mark.parametrize("respuesta", ["2", " 2 ", "2)", "2.", "#2", "opción 2", "Opcion 2"])
async def test_variantes_de_numero(respuesta: str, cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("menu"))
    await cliente.enviar(parametros(respuesta))
    assert rasa.textos == ["menu", "/requisitos"]


@pytest.mark.parametrize("respuesta", ["2 hijos", "12", "dos", "2x"])
async def test_no_son_opcion(respuesta: str, cliente: Cliente, rasa: RasaFalso):
    await cliente.enviar(parametros("menu"))
    await cliente.enviar(parametros(respuesta))
    assert rasa.textos == ["menu", respuesta]
