"""Twilio channel state shared through the real Redis: two TwilioCanal instances ("replicas").

Uses Redis DB 11 on 127.0.0.1:6379 (ORIENTA_TEST_REDIS_URL to change it), emptied before and
after each test. Skipped, with the reason, when that Redis does not answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import xml.etree.ElementTree as ET

import pytest
from cryptography.fernet import Fernet

from bot.mensajes import Opcion
from channels.almacen import ClaveFaltante
from channels.estado_compartido import (
    PREFIJO,
    EstadoMemoria,
    EstadoRedis,
    crear_estado,
)
from channels.twilio import TEXTO_DEMORA, AjustesTwilio, TwilioCanal, id_remitente
from tests.channels.conftest import SAL, TELEFONO, TOKEN, RasaFalso, parametros, redis_vacio

URL_PRUEBAS = os.environ.get("ORIENTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
# Nothing listens on port 1: connection refused at once.
URL_CAIDO = "redis://127.0.0.1:1/0"


def mensajes_twiml(respuesta) -> list[str]:
    raiz = ET.fromstring(respuesta.content)
    return [m.text or "" for m in raiz.findall("Message")]


@pytest.fixture
def redis_sync():
    with redis_vacio(URL_PRUEBAS) as cliente:
        yield cliente


#: The tracker's Fernet key: Redis values are encrypted with it.
CLAVE_FERNET = Fernet.generate_key().decode()


def descifrar(valor: str) -> str:
    return Fernet(CLAVE_FERNET.encode()).decrypt(valor.encode()).decode()


def ajustes(url: str = URL_PRUEBAS, **extra) -> AjustesTwilio:
    return AjustesTwilio(
        **{
            "auth_token": TOKEN,
            "id_salt": SAL,
            "timeout_s": 5,
            "redis_url": url,
            "tracker_key": CLAVE_FERNET,
            **extra,
        }
    )


@pytest.fixture
async def replicas(redis_sync, cliente_factory):
    """Two channels with their own memory and one Redis, each behind its own Sanic app."""
    canales = [TwilioCanal(ajustes()), TwilioCanal(ajustes())]
    clientes = [await cliente_factory(canal=c) for c in canales]
    yield clientes
    for canal in canales:
        await canal._estado.cerrar()


# ------------------------------------------------------------------ MessageSid across replicas


async def test_duplicado_concurrente_en_dos_replicas_se_procesa_una_vez(
    replicas, rasa: RasaFalso, redis_sync
):
    a, b = replicas
    rasa.espera_s = 0.3
    datos = parametros("Hola", whatsapp=True)
    r1, r2 = await asyncio.gather(a.enviar(datos), b.enviar(datos))
    assert r1.status_code == r2.status_code == 200
    assert r1.content == r2.content
    assert mensajes_twiml(r1) == ["eco: Hola"]
    assert len(rasa.recibidos) == 1
    # A later retry on either replica: the same TwiML, still one turn.
    for cliente in (b, a):
        assert (await cliente.enviar(datos)).content == r1.content
    assert len(rasa.recibidos) == 1

    clave = f"{PREFIJO}sid:{datos['MessageSid']}"
    guardado = json.loads(descifrar(redis_sync.get(clave)))
    assert guardado == {"estado": "listo", "twiml": r1.text}
    assert 0 < redis_sync.ttl(clave) <= 24 * 3600


async def test_muchos_duplicados_en_dos_replicas(replicas, rasa: RasaFalso):
    a, b = replicas
    rasa.espera_s = 0.2
    datos = parametros("Hola")
    respuestas = await asyncio.gather(*(c.enviar(datos) for c in (a, b, a, b, b, a)))
    assert len({r.content for r in respuestas}) == 1
    assert len(rasa.recibidos) == 1


async def test_copia_espera_y_si_no_llega_responde_demora(
    redis_sync, rasa: RasaFalso, cliente_factory
):
    lenta = TwilioCanal(ajustes())  # its turn takes 0.6 s (< its own 5 s budget)
    impaciente = TwilioCanal(ajustes(timeout_s=0.2))
    a = await cliente_factory(canal=lenta)
    b = await cliente_factory(canal=impaciente)
    rasa.espera_s = 0.6
    datos = parametros("Hola", whatsapp=True)
    primera = asyncio.ensure_future(a.enviar(datos))
    await asyncio.sleep(0.1)  # replica A holds the "processing" marker
    copia = await b.enviar(datos)
    assert copia.status_code == 200
    assert mensajes_twiml(copia) == [TEXTO_DEMORA]
    assert mensajes_twiml(await primera) == ["eco: Hola"]
    # Once A has answered, a retry on B gets A's answer; Rasa saw the message once.
    assert mensajes_twiml(await b.enviar(datos)) == ["eco: Hola"]
    assert len(rasa.recibidos) == 1
    for canal in (lenta, impaciente):
        await canal._estado.cerrar()


# ------------------------------------------------------------------ numbered options


async def test_opciones_de_a_sirven_en_b(replicas, rasa: RasaFalso, redis_sync):
    a, b = replicas
    await a.enviar(parametros("menu"))
    await b.enviar(parametros("3"))
    assert rasa.textos == ["menu", "/costo"]

    clave = f"{PREFIJO}opciones:{id_remitente(TELEFONO, SAL)}"
    assert redis_sync.ttl(clave) == -2, "a reply without buttons clears the options"
    await b.enviar(parametros("sino"))
    assert json.loads(descifrar(redis_sync.get(clave))) == [
        {"numero": 1, "titulo": "Sí", "payload": "/afirmar"},
        {"numero": 2, "titulo": "No", "payload": "/negar"},
    ]
    assert 0 < redis_sync.ttl(clave) <= 3600
    await a.enviar(parametros("2"))
    assert rasa.textos[-1] == "/negar"


async def test_respuesta_sin_botones_en_b_borra_opciones_de_a(replicas, rasa: RasaFalso):
    a, b = replicas
    await a.enviar(parametros("menu"))
    await b.enviar(parametros("hola"))
    await a.enviar(parametros("2"))
    assert rasa.textos == ["menu", "hola", "2"]


async def test_redis_no_guarda_telefonos_en_claro(replicas, redis_sync):
    a, b = replicas
    await a.enviar(parametros("menu", whatsapp=True))
    await b.enviar(parametros("menu"))
    claves = redis_sync.keys("*")
    assert claves and all(k.startswith(PREFIJO) for k in claves)
    volcado = " ".join(claves + [redis_sync.get(k) or "" for k in claves])
    for fragmento in ("3125550100", "whatsapp:+1", "+1312"):
        assert fragmento not in volcado
    assert f"{PREFIJO}opciones:{id_remitente('whatsapp:' + TELEFONO, SAL)}" in claves


async def test_redis_guarda_solo_cifrado(replicas, redis_sync):
    """A cached TwiML answer holds what the bot told the person; Redis used to keep it in
    clear for 24 hours. Now every value is a Fernet token."""
    a, _ = replicas
    await a.enviar(parametros("menu"))
    await a.enviar(parametros("dos"))
    claves = redis_sync.keys(f"{PREFIJO}*")
    valores = [redis_sync.get(k) for k in claves]
    assert valores and all(v.startswith("gAAAAA") for v in valores)  # Fernet tokens
    volcado = " ".join(valores)
    for claro in ("Primero.", "Tercero", "Elige un tema", "Requisitos", "twiml", "procesando"):
        assert claro not in volcado


def test_redis_sin_clave_del_tracker_no_arranca():
    with pytest.raises(ClaveFaltante):
        TwilioCanal(ajustes(tracker_key=None))


# ------------------------------------------------------------------ Redis down


async def test_redis_caido_responde_igual_con_la_memoria(
    rasa: RasaFalso, cliente_factory, caplog: pytest.LogCaptureFixture
):
    canal = TwilioCanal(ajustes(URL_CAIDO))
    cliente = await cliente_factory(canal=canal)
    secreto = "mi CURP es XEXX010101HNEXXXA4"
    with caplog.at_level(logging.INFO):
        datos = parametros("menu")
        r1 = await cliente.enviar(datos)
        r2 = await cliente.enviar(datos)  # duplicate on the same replica: from memory
        r3 = await cliente.enviar(parametros("3"))  # options from memory
        r4 = await cliente.enviar(parametros(secreto))
    assert [r.status_code for r in (r1, r2, r3, r4)] == [200] * 4
    assert r1.content == r2.content
    assert rasa.textos == ["menu", "/costo", secreto]
    assert mensajes_twiml(r4) == [f"eco: {secreto}"]
    avisos = [r for r in caplog.records if r.name == "channels.estado_compartido"]
    assert len(avisos) == 1, "one warning per outage, not one per request"
    assert "Redis falló" in avisos[0].getMessage()
    registro = caplog.text
    assert TELEFONO.lstrip("+") not in registro
    assert "XEXX010101" not in registro
    assert "127.0.0.1:1" not in registro, "the Redis URL may hold a password: never logged"
    await canal._estado.cerrar()


async def test_redis_vuelve_tras_la_espera(redis_sync, rasa: RasaFalso):
    estado = EstadoRedis(URL_PRUEBAS, ajustes(), espera_caido_s=0.05)
    estado._url = URL_CAIDO  # down first
    assert (await estado.reservar("SM1")).respuesta is None
    assert estado._caido
    await estado.cerrar()
    estado._url = URL_PRUEBAS
    await asyncio.sleep(0.06)
    assert await estado.reservar("SM2") == estado_nuevo()
    assert not estado._caido
    assert json.loads(descifrar(redis_sync.get(f"{PREFIJO}sid:SM2"))) == {"estado": "procesando"}
    await estado.cerrar()


def estado_nuevo():
    from channels.estado_compartido import Reserva

    return Reserva()


# ------------------------------------------------------------------ the store itself


async def test_marca_procesando_y_liberar(redis_sync):
    a = EstadoRedis(URL_PRUEBAS, ajustes())
    b = EstadoRedis(URL_PRUEBAS, ajustes())
    assert await a.reservar("SMx") == estado_nuevo()
    assert (await b.reservar("SMx")).en_curso
    await b.liberar("SMx")  # B did not set the marker: it must not remove it
    assert (await b.reservar("SMx")).en_curso
    await a.liberar("SMx")  # the turn failed on A: a retry may be processed
    assert await b.reservar("SMx") == estado_nuevo()
    await b.guardar_respuesta("SMx", "<Response/>")
    assert (await a.reservar("SMx")).respuesta == "<Response/>"
    assert await a.esperar_respuesta("SMx", 0.1) == "<Response/>"
    for estado in (a, b):
        await estado.cerrar()


async def test_valores_ilegibles_no_se_procesan_de_nuevo(redis_sync):
    redis_sync.set(f"{PREFIJO}sid:SMroto", "no es json")
    redis_sync.set(f"{PREFIJO}opciones:tw-abc", '[{"numero": "x"}]')
    estado = EstadoRedis(URL_PRUEBAS, ajustes())
    assert (await estado.reservar("SMroto")).en_curso
    assert await estado.opciones("tw-abc") is None
    await estado.guardar_opciones("tw-abc", [Opcion(1, "Sí", "/afirmar")])
    assert await estado.opciones("tw-abc") == [Opcion(1, "Sí", "/afirmar")]
    await estado.cerrar()


def test_sin_url_memoria_con_url_redis(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ORIENTA_REDIS_URL", raising=False)
    assert isinstance(TwilioCanal.from_credentials(None)._estado, EstadoMemoria)
    monkeypatch.setenv("ORIENTA_REDIS_URL", "   ")
    assert isinstance(TwilioCanal.from_credentials(None)._estado, EstadoMemoria)
    monkeypatch.setenv("ORIENTA_REDIS_URL", "redis://usuario:clave-secreta@redis:6379/0")
    monkeypatch.setenv("ORIENTA_TRACKER_KEY", CLAVE_FERNET)
    canal = TwilioCanal.from_credentials(None)
    assert isinstance(canal._estado, EstadoRedis)
    assert "clave-secreta" not in repr(canal.ajustes)
    assert isinstance(crear_estado(None, canal.ajustes), EstadoMemoria)


# ------------------------------------------------------------------ erasure (issue 16, item 7)
async def test_erasure_blanks_the_cached_answers_and_options_in_redis(
    replicas, rasa: RasaFalso, redis_sync
):
    """Before, a person's cached TwiML answers (their words echoed back: CURP, summary) and
    numbered options stayed in Redis for a day after "borrar mis datos"."""
    from channels import almacen

    a, b = replicas
    datos = parametros("menu")
    await a.enviar(datos)
    sender = id_remitente(TELEFONO, SAL)
    sid = f"{PREFIJO}sid:{datos['MessageSid']}"
    descifrar = EstadoRedis(URL_PRUEBAS, ajustes())._descifrar
    assert redis_sync.exists(f"{PREFIJO}opciones:{sender}")
    assert "<Message>" in json.loads(descifrar(redis_sync.get(sid)))["twiml"]

    await almacen._avisar_borrado({sender, "web-otra"})

    despues = json.loads(descifrar(redis_sync.get(sid)))
    assert despues["estado"] == "listo" and "<Message>" not in despues["twiml"]
    assert redis_sync.ttl(sid) > 0  # the dedup still holds: a retry is not processed again
    assert not redis_sync.exists(f"{PREFIJO}opciones:{sender}")
    assert not redis_sync.exists(f"{PREFIJO}sids:{sender}")
    textos = list(rasa.textos)
    repetido = await b.enviar(datos)
    assert mensajes_twiml(repetido) == [] and rasa.textos == textos


async def test_erasure_blanks_the_cached_answers_in_memory():
    estado = EstadoMemoria(ajustes(URL_CAIDO))
    await estado.guardar_respuesta("SM1", "<Response><Message>CURP X</Message></Response>", "tw-a")
    await estado.guardar_respuesta("SM2", "<Response><Message>otra</Message></Response>", "tw-b")
    await estado.guardar_opciones("tw-a", [Opcion(1, "Sí", "/afirmar")])
    await estado.olvidar_remitente("tw-a", "<Response />")
    assert (await estado.reservar("SM1")).respuesta == "<Response />"
    assert "otra" in ((await estado.reservar("SM2")).respuesta or "")
    assert await estado.opciones("tw-a") is None


async def test_the_tracker_store_erasure_reaches_the_twilio_channel():
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from channels import almacen
    from tests.channels.test_almacen import DOMINIO

    canal = TwilioCanal(AjustesTwilio(auth_token=TOKEN, id_salt=SAL, timeout_s=5))
    sender = id_remitente(TELEFONO, SAL)
    await canal._estado.guardar_respuesta(
        "SM9", "<Response><Message>CURP</Message></Response>", sender
    )
    store = almacen.InMemoryTrackerStoreSeguro(DOMINIO)
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("hola")])
    await store.save(tracker)
    tracker.update(UserUttered("borra mis datos"))
    tracker.update(SlotSet("conversacion_borrada", True))
    await store.save(tracker)
    respuesta = (await canal._estado.reservar("SM9")).respuesta or ""
    assert "CURP" not in respuesta and respuesta.endswith("<Response />")
