"""action_canalizar: a ticket for a promoter, without personal data, without duplicates (respx)."""

import json

import httpx
import pytest
import respx
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import canalizacion
from actions.api import inscripcion
from actions.canalizacion import (
    ActionCanalizar,
    canal_y_direccion,
    clave,
    estado_registro,
    no_entendidos,
    resumen,
    temas_consultados,
)
from bot import lectura
from tests.actions.trackers import action, seleccion

BASE = "http://enrollment.test"
TELEFONO = "+13125550147"
CURP = "GOCR850312HJCMRR07"
NSS = "12345678901"
EMAIL = "carlos.gomez@example.com"
NOMBRE = "Carlos Gómez Ramírez"
TICKET = {"id": 42, "estado": "abierta"}


def user(text, intent, message_id=None, metadata=None, timestamp=None):
    """``intent`` may be a knowledge-base entry, ``faq/<id>`` (see tests/actions/trackers.py)."""
    nombre, entrada = ("faq", intent) if intent.startswith("faq/") else (intent, None)
    parse = {
        "text": text,
        "intent": {"name": nombre, "confidence": 0.95},
        "entities": [],
        "message_id": message_id,
        "metadata": metadata or {},
    }
    if entrada:
        parse["response_selector"] = seleccion([(entrada, 0.9)])
    evento = {"event": "user", "text": text, "parse_data": parse, "message_id": message_id}
    if timestamp is not None:
        evento["timestamp"] = timestamp
    return evento


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def conversacion(events, slots=None, sender="conv-123"):
    usuarios = [e for e in events if e["event"] == "user"]
    latest = usuarios[-1]["parse_data"] if usuarios else {}
    valores = dict(slots or {})
    for e in events:
        if e["event"] == "slot":
            valores[e["name"]] = e["value"]
    return Tracker(sender, valores, latest, events, False, None, {}, "action_listen")


def pedir(metadata=None, message_id="SM1", slots=None, antes=()):
    return conversacion(
        [*antes, user("quiero hablar con una persona", "pedir_humano", message_id, metadata)],
        slots,
    )


@pytest.fixture
def servicio(monkeypatch):
    cliente = inscripcion.ClienteServicio(
        inscripcion.AjustesCliente(base_url=BASE, api_key="k", timeout_s=1.0)
    )
    monkeypatch.setattr(inscripcion, "_cliente", cliente)
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def correr(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionCanalizar().run(dispatcher, tracker, {})
    return events, dispatcher.messages


def cuerpo(route):
    return json.loads(route.calls.last.request.content)


def respuestas_de(messages):
    return [m["response"] for m in messages]


# --- success ------------------------------------------------------------------------------


async def test_whatsapp_crea_ticket_con_telefono_y_consulado(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    tracker = pedir({"telefono": TELEFONO, "canal": "whatsapp"}, slots={"consulado": "Dallas, TX"})
    events, messages = await correr(tracker)
    body = cuerpo(route)
    assert body["canal"] == "whatsapp" and body["direccion_canal"] == TELEFONO
    assert body["consulado"] == "Dallas, TX"
    assert route.calls.last.request.headers["Idempotency-Key"] == lectura.clave_idempotencia(
        "canalizacion", "conv-123", "SM1"
    )
    assert events == [SlotSet("canalizacion_id", "42")]
    assert respuestas_de(messages) == ["utter_canalizacion_creada"]
    assert messages[0]["ticket"] == 42 and messages[0]["consulado"] == "Dallas, TX"


async def test_sms_es_canal_telefono_y_sin_consulado_da_el_contacto_general(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    events, messages = await correr(pedir({"telefono": TELEFONO, "canal": "sms"}))
    body = cuerpo(route)
    assert (body["canal"], body["direccion_canal"]) == ("telefono", TELEFONO)
    assert "consulado" not in body
    assert respuestas_de(messages) == ["utter_canalizacion_creada_sin_consulado"]
    assert events == [SlotSet("canalizacion_id", "42")]


async def test_web_sin_metadata_usa_el_sender_id(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    await correr(pedir(None))
    body = cuerpo(route)
    assert (body["canal"], body["direccion_canal"]) == ("web", "conv-123")
    assert "chat web" in body["resumen"]


# --- channel and address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mensaje", "sesion", "esperado"),
    [
        ({"telefono": TELEFONO, "canal": "whatsapp"}, None, ("whatsapp", TELEFONO)),
        ({"telefono": TELEFONO, "canal": "sms"}, None, ("telefono", TELEFONO)),
        ({"telefono": TELEFONO}, None, ("telefono", TELEFONO)),
        (None, {"telefono": TELEFONO, "canal": "whatsapp"}, ("whatsapp", TELEFONO)),
        ({}, {"telefono": TELEFONO, "canal": "sms"}, ("telefono", TELEFONO)),
        ({"canal": "whatsapp"}, None, ("web", "conv-123")),  # no phone number, nowhere to send to
        ({"telefono": "no es un numero", "canal": "sms"}, None, ("web", "conv-123")),
        (None, "basura", ("web", "conv-123")),
        (None, None, ("web", "conv-123")),
    ],
)
def test_canal_y_direccion(mensaje, sesion, esperado):
    slots = {"session_started_metadata": sesion} if sesion is not None else {}
    assert canal_y_direccion(pedir(mensaje, slots=slots)) == esperado


# --- idempotencia ---------------------------------------------------------------------------


def test_clave_estable_por_mensaje_y_distinta_entre_mensajes():
    assert clave(pedir(message_id="SM1")) == clave(pedir(message_id="SM1"))
    assert clave(pedir(message_id="SM1")) != clave(pedir(message_id="SM2"))
    sin_id = conversacion([user("promotor", "pedir_humano", timestamp=1700000000.5)])
    assert clave(sin_id) == lectura.clave_idempotencia("canalizacion", "conv-123", "t1700000000.5")


async def test_mensaje_reenviado_manda_la_misma_clave(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    await correr(pedir(message_id="SMabc"))
    await correr(pedir(message_id="SMabc"))
    claves = {c.request.headers["Idempotency-Key"] for c in route.calls}
    assert route.call_count == 2 and len(claves) == 1


async def test_clave_ya_usada_con_otro_resumen_no_abre_otro_ticket_ni_asusta(servicio):
    servicio.post("/v1/canalizaciones").respond(409, json={"detail": "ya usada"})
    events, messages = await correr(pedir())
    assert events == []
    assert respuestas_de(messages) == ["utter_canalizacion_recibida"]


async def test_segunda_peticion_en_la_misma_conversacion_recuerda_el_ticket(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    antes = [
        user("promotor", "pedir_humano", "SM1"),
        action("action_canalizar"),
        slot("canalizacion_id", "42"),
    ]
    events, messages = await correr(pedir(message_id="SM2", antes=antes))
    assert route.call_count == 1  # the service returns the address's open ticket
    assert events == []
    assert respuestas_de(messages) == ["utter_canalizacion_existente"]
    assert messages[0]["ticket"] == "42"


async def test_segunda_peticion_tras_cerrar_el_caso_abre_otro(servicio):
    servicio.post("/v1/canalizaciones").respond(201, json={"id": 43, "estado": "abierta"})
    antes = [user("promotor", "pedir_humano", "SM1"), slot("canalizacion_id", "42")]
    events, messages = await correr(pedir(message_id="SM2", antes=antes))
    assert events == [SlotSet("canalizacion_id", "43")]
    assert respuestas_de(messages) == ["utter_canalizacion_creada_sin_consulado"]


async def test_ticket_de_una_sesion_anterior_no_impide_uno_nuevo(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json={"id": 43})
    antes = [slot("canalizacion_id", "42"), {"event": "session_started"}]
    events, _ = await correr(pedir(message_id="SM9", antes=antes))
    assert route.call_count == 1 and events == [SlotSet("canalizacion_id", "43")]


# --- service down --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "respuesta",
    [
        httpx.ConnectError("sin red"),
        httpx.Response(503),
        httpx.Response(500),
        httpx.Response(401, json={"detail": "clave"}),
        httpx.Response(422, json={"detail": [{"campo": "resumen", "mensaje": "muy largo"}]}),
        httpx.Response(201, json={"sin": "id"}),
        httpx.Response(200, text="no es json"),
    ],
)
async def test_servicio_caido_o_error_se_disculpa_y_da_el_contacto(servicio, respuesta):
    servicio.post("/v1/canalizaciones").mock(side_effect=[respuesta, respuesta])
    events, messages = await correr(pedir({"telefono": TELEFONO, "canal": "whatsapp"}))
    assert events == []
    assert respuestas_de(messages) == [
        "utter_canalizacion_no_disponible",
        "utter_contacto_promotor",
    ]


async def test_una_excepcion_inesperada_no_truena_la_accion(monkeypatch):
    class Roto:
        async def crear_canalizacion(self, *args, **kwargs):
            raise RuntimeError("bug")

    monkeypatch.setattr(canalizacion.inscripcion, "cliente", lambda: Roto())
    events, messages = await correr(pedir())
    assert events == []
    assert respuestas_de(messages) == [
        "utter_canalizacion_no_disponible",
        "utter_contacto_promotor",
    ]


# --- resumen --------------------------------------------------------------------------------


def test_temas_del_mas_reciente_sin_repetir_y_solo_de_esta_sesion():
    events = [
        user("cuanto cuesta", "faq/afore_que_es"),
        {"event": "session_started"},
        user("requisitos", "faq/tramite_documentos"),
        user("cuanto cuesta", "faq/pago_cuanto_cuesta"),
        user("xyz", "nlu_fallback"),
        user("los requisitos otra vez", "faq/tramite_documentos"),
        user("promotor", "pedir_humano"),
    ]
    tracker = conversacion(events)
    assert temas_consultados(tracker) == ["Qué necesito para el registro", "Cuánto cuesta"]
    assert no_entendidos(tracker) == 1


@pytest.mark.parametrize(
    ("slots", "esperado"),
    [
        ({}, None),
        ({"consentimiento": False}, None),
        ({"consentimiento": True}, "en curso, sin terminar"),
        ({"consentimiento": True, "pendiente": "registro_form"}, "terminado, pendiente de enviar"),
        ({"consentimiento": True, "pendiente": "cotizacion_form"}, "en curso, sin terminar"),
        ({"consentimiento": True, "folio": "OR-7K2M9P4QXZ"}, "enviado (folio OR-7K2M9P4QXZ)"),
        ({"folio": CURP}, "enviado"),  # what does not look like a folio is never copied
    ],
)
def test_estado_del_registro(slots, esperado):
    estado = estado_registro(pedir(slots=slots))
    assert estado == esperado or (esperado and estado.startswith(esperado))


def test_resumen_completo():
    antes = [
        user("que es pti", "faq/general_que_es_pti"),
        user("cuanto pagaria si gano 15 mil", "cotizar"),
        user("asdf", "nlu_fallback"),
        user("qwer", "nlu_fallback"),
        user("el costo", "faq/pago_cuanto_cuesta"),
    ]
    tracker = pedir(
        {"telefono": TELEFONO, "canal": "whatsapp"},
        slots={"consentimiento": True, "consulado": "Chicago, IL"},
        antes=antes,
    )
    texto = resumen(tracker, "whatsapp")
    assert texto.splitlines() == [
        "Pide hablar con una persona (Orienta, WhatsApp).",
        "Temas consultados (del más reciente): Cuánto cuesta; Qué es PTI.",
        "Trámites que intentó: cotizar su cuota.",
        "Registro PTI: en curso, sin terminar.",
        "Mensajes que el asistente no entendió: 2.",
        "Ventanilla/consulado cercano: Chicago, IL.",
    ]


def test_resumen_cabe_en_el_limite_del_servicio():
    from bot import temas

    antes = [user(t, f"faq/{t}") for t in temas.entradas()] * 3
    texto = resumen(pedir(antes=antes, slots={"consulado": "X" * 120}), "web")
    assert 0 < len(texto) <= 1000
    assert "Temas consultados" in texto and "Mensajes que el asistente no entendió" in texto


async def test_resumen_nunca_lleva_datos_personales_ni_texto_de_la_persona(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    antes = [
        user(f"mi curp es {CURP}", "nlu_fallback", "SMa"),
        user(f"mi correo es {EMAIL} y mi nss {NSS}", "nlu_fallback", "SMb"),
        user("gano 2500 dolares al mes, cuanto pago?", "faq/pago_cuanto_cuesta", "SMc"),
        user(f"me llamo {NOMBRE}", "nlu_fallback", "SMd"),
        user(f"mi telefono es {TELEFONO}", "nlu_fallback", "SMe"),
    ]
    slots = {
        "curp": CURP,
        "nombre": NOMBRE,
        "email": EMAIL,
        "telefono": TELEFONO,
        "ingreso_mensual": "2500",
        "moneda": "USD",
        "ciudad": "Dallas, TX",
        "consentimiento": True,
        "folio": CURP,
        "lugar": "vivo en 4521 Elm St Dallas 75201",
    }
    await correr(pedir({"telefono": TELEFONO, "canal": "sms"}, slots=slots, antes=antes))
    texto = cuerpo(route)["resumen"]
    prohibidos = [CURP, EMAIL, NSS, NOMBRE, "Carlos", "Gómez", TELEFONO, "5550147", "2500"]
    prohibidos += ["dolares", "Elm", "75201", "mi curp", "correo es", "me llamo", "Dallas"]
    assert not [p for p in prohibidos if p.lower() in texto.lower()], texto
    assert "Cuánto cuesta" in texto and "no entendió: 4" in texto and "SMS" in texto


# --- the conversation so far and the origin ---------------------------------------------------


def bot(text):
    return {"event": "bot", "text": text}


async def test_manda_el_historial_de_la_sesion_y_el_origen(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    antes = [
        user("hola de antes", "saludo"),
        bot("respuesta de antes"),
        {"event": "session_started"},
        user("¿cuánto cuesta?", "costo"),
        bot("Depende de tu ingreso."),
        user("/afirmar", "afirmar"),  # a button, not the person's words
        bot("x" * 1500),
    ]
    await correr(pedir(antes=antes))
    body = cuerpo(route)
    assert body["historial"] == [
        {"autor": "persona", "texto": "¿cuánto cuesta?"},
        {"autor": "asistente", "texto": "Depende de tu ingreso."},
        {"autor": "asistente", "texto": "x" * 1000},
        {"autor": "persona", "texto": "quiero hablar con una persona"},
    ]
    assert body["origen"] == "real"


async def test_historial_solo_los_ultimos_30_turnos(servicio):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    antes = [bot(f"turno {i}") for i in range(40)]
    await correr(pedir(antes=antes))
    historial = cuerpo(route)["historial"]
    assert len(historial) == 30
    assert historial[0]["texto"] == "turno 11"
    assert historial[-1]["texto"] == "quiero hablar con una persona"


@pytest.mark.parametrize(
    ("sender", "origen"),
    [("consola-2-ab12cd", "consola"), ("e2e-1a2b3c4d", "prueba"), ("web-bench-9", "prueba")],
)
async def test_origen_de_pruebas_y_de_la_consola(servicio, sender, origen):
    route = servicio.post("/v1/canalizaciones").respond(201, json=TICKET)
    tracker = conversacion([user("promotor", "pedir_humano", "SM1")], sender=sender)
    await correr(tracker)
    assert cuerpo(route)["origen"] == origen


async def test_servicio_anterior_al_historial_abre_el_caso_sin_el(servicio):
    """A service that does not know `historial`/`origen` answers 422: the case is opened
    without them (the person is not left without a promoter during a deployment)."""
    rechazo = {"detail": [{"campo": "historial", "mensaje": "Campo no permitido."}]}
    route = servicio.post("/v1/canalizaciones").mock(
        side_effect=[httpx.Response(422, json=rechazo), httpx.Response(201, json=TICKET)]
    )
    events, messages = await correr(pedir())
    assert route.call_count == 2
    assert "historial" not in cuerpo(route) and "origen" not in cuerpo(route)
    assert events == [SlotSet("canalizacion_id", "42")]
    assert respuestas_de(messages) == ["utter_canalizacion_creada_sin_consulado"]
