"""While a promoter has the conversation the bot steps aside (channels/canalizacion.py), on REST,
socket.io and Twilio; the live delivery of promoters' replies to the web chat (EnVivo).

The service is a stateful fake behind respx (its contract: prompt of issue 17); Rasa is
``RasaFalso``. No network."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from contextlib import asynccontextmanager

import httpx
import pytest
import respx
from sanic import Sanic

from bot import canalizacion as reglas
from channels import canalizacion
from channels.canalizacion import EnVivo, bajo_cerrojo
from tests.channels.conftest import TELEFONO, Cliente, RasaFalso, _arrancar, _parar, parametros

SERVICIO = "http://servicio.test"
CLAVE = "clave-asistente-prueba"
RUTA_REST = "/webhooks/rest/webhook"


class ServicioFalso:
    """The service's side of the handoff: one active ticket per (canal, direccion), a thread
    that stores each id_externo once, and replies waiting to be delivered."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self.activas: dict[tuple[str, str], dict] = {}
        self.hilo: dict[int, list[dict]] = {}
        self.pendientes: list[dict] = []
        self.caido: set[str] = set()  # routes that answer 503
        self.rechazo: int | None = None  # 404/409 for every post to a thread
        self.volver_llamado: list[int] = []
        self.pedidos_pendientes: list[list[str]] = []
        router.post(SERVICIO + "/v1/canalizaciones/entregas").mock(side_effect=self._entregas)
        router.post(SERVICIO + "/v1/canalizaciones/pendientes").mock(side_effect=self._pendientes)
        router.post(url__regex=SERVICIO + r"/v1/canalizaciones/\d+/mensajes").mock(
            side_effect=self._mensajes
        )
        router.post(url__regex=SERVICIO + r"/v1/canalizaciones/\d+/volver").mock(
            side_effect=self._volver
        )

    def abrir(self, canal: str, direccion: str, ticket: int = 12, estado: str = "tomada"):
        self.activas[(canal, direccion)] = {"ticket": ticket, "estado": estado}
        self.hilo.setdefault(ticket, [])

    def textos(self, ticket: int = 12) -> list[str]:
        return [m["texto"] for m in self.hilo.get(ticket, [])]

    @staticmethod
    def _cuerpo(request: httpx.Request) -> dict:
        assert request.headers["X-API-Key"] == CLAVE
        return json.loads(request.content)

    def _entregas(self, request: httpx.Request) -> httpx.Response:
        if "entregas" in self.caido:
            return httpx.Response(503)
        c = self._cuerpo(request)
        activa = self.activas.get((c["canal"], c["direccion"]))
        return httpx.Response(200, json={"respuestas": [], "canalizacion": activa})

    def _mensajes(self, request: httpx.Request) -> httpx.Response:
        if "mensajes" in self.caido:
            return httpx.Response(503)
        c = self._cuerpo(request)
        if len(c["texto"]) > 1000 or len(c["id_externo"]) > 100:  # the service's limits
            return httpx.Response(422, json={"detail": [{"campo": "texto", "mensaje": "largo"}]})
        if self.rechazo:
            return httpx.Response(self.rechazo, json={"detail": "no"})
        ticket = int(request.url.path.split("/")[3])
        activa = self.activas.get((c["canal"], c["direccion"]))
        if activa is None or activa["ticket"] != ticket:
            return httpx.Response(404, json={"detail": "no existe"})
        hilo = self.hilo[ticket]
        if any(m["id_externo"] == c["id_externo"] for m in hilo):
            return httpx.Response(
                200, json={"primero": False, "duplicado": True, "estado": activa["estado"]}
            )
        hilo.append(c)
        return httpx.Response(
            200, json={"primero": len(hilo) == 1, "duplicado": False, "estado": activa["estado"]}
        )

    def _volver(self, request: httpx.Request) -> httpx.Response:
        c = self._cuerpo(request)
        ticket = int(request.url.path.split("/")[3])
        self.volver_llamado.append(ticket)
        self.activas.pop((c["canal"], c["direccion"]), None)
        return httpx.Response(200, json={"cerrada": True})

    def _pendientes(self, request: httpx.Request) -> httpx.Response:
        if "pendientes" in self.caido:
            raise httpx.ConnectError("caído")
        c = self._cuerpo(request)
        self.pedidos_pendientes.append(list(c["direcciones"]))
        salen = [p for p in self.pendientes if p["direccion"] in c["direcciones"] or p.get("bug")]
        self.pendientes = [p for p in self.pendientes if p not in salen]
        return httpx.Response(200, json={"respuestas": salen})


@pytest.fixture(autouse=True)
def _servicio(monkeypatch):
    monkeypatch.setenv("ORIENTA_SERVICE_URL", SERVICIO)
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", CLAVE)


@pytest.fixture
def servicio():
    with respx.mock(assert_all_called=False) as router:
        yield ServicioFalso(router)


@pytest.fixture
def respx_mock_baja(servicio):
    """The service's opt-out endpoint: what it was asked (channel + address)."""
    pedidos: list[dict] = []

    def baja(request: httpx.Request) -> httpx.Response:
        pedidos.append(json.loads(request.content))
        return httpx.Response(
            200, json={"registros": 1, "mensaje": "Listo, ya no recibirás recordatorios."}
        )

    servicio.router.post(SERVICIO + "/v1/recordatorios/baja").mock(side_effect=baja)
    return pedidos


@pytest.fixture
async def rest(rasa: RasaFalso):
    from channels.rest import RestInput

    Sanic.test_mode = True
    app = Sanic(f"prueba_rest_{uuid.uuid4().hex[:8]}", configure_logging=False)
    canal = RestInput()
    app.blueprint(canal.blueprint(rasa), url_prefix="/webhooks/" + canal.url_prefix())
    cola, tarea = await _arrancar(app)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    yield http
    await http.aclose()
    await _parar(cola, tarea)


async def escribir(rest, texto: str, sender: str = "ana-1", **extra) -> list[str]:
    r = await rest.post(RUTA_REST, json={"sender": sender, "message": texto, **extra})
    assert r.status_code == 200
    return [m["text"] for m in r.json()]


# ------------------------------------------------------------------ REST
async def test_rest_sin_canalizacion_contesta_el_bot(rest, rasa: RasaFalso, servicio):
    assert await escribir(rest, "Hola") == ["eco: Hola"]
    assert rasa.textos == ["Hola"]
    assert servicio.hilo == {}


async def test_rest_con_promotora_no_hay_turno_y_acuse_solo_la_primera(
    rest, rasa: RasaFalso, servicio
):
    servicio.abrir("web", "ana-1")
    assert await escribir(rest, "Tengo una duda de mi pago") == [reglas.ACUSE]
    assert await escribir(rest, "¿me escuchas?") == []  # a valid JSON list, no bot answer
    assert rasa.textos == []
    assert servicio.textos() == ["Tengo una duda de mi pago", "¿me escuchas?"]


@pytest.mark.parametrize("palabra", ["BAJA", "cancelar recordatorios", "STOP"])
async def test_rest_baja_de_recordatorios_se_confirma_sin_turno(
    rest, rasa: RasaFalso, servicio, respx_mock_baja, palabra
):
    assert await escribir(rest, palabra) == ["Listo, ya no recibirás recordatorios."]
    assert rasa.textos == []  # no bot turn: the opt-out is honoured at once
    assert respx_mock_baja == [{"canal": "web", "direccion": "ana-1"}]


async def test_rest_una_frase_con_baja_va_al_bot(rest, rasa: RasaFalso, servicio, respx_mock_baja):
    assert await escribir(rest, "no quiero darme de baja") == ["eco: no quiero darme de baja"]
    assert respx_mock_baja == []


async def test_rest_reintento_con_message_id_se_guarda_una_vez(rest, rasa, servicio):
    servicio.abrir("web", "ana-1")
    assert await escribir(rest, "hola", message_id="m-1") == [reglas.ACUSE]
    assert await escribir(rest, "hola", message_id="m-1") == []
    assert await escribir(rest, "hola", message_id="m-2") == []
    assert [m["id_externo"] for m in servicio.hilo[12]] == ["c:m-1", "c:m-2"]


async def test_rest_reintento_sin_id_en_el_mismo_minuto_se_guarda_una_vez(rest, servicio):
    servicio.abrir("web", "ana-1")
    await escribir(rest, "hola")
    await escribir(rest, "hola")
    assert servicio.textos() == ["hola"]


@pytest.mark.parametrize("palabra", ["MENÚ", "volver al asistente", "Salir", "/ayuda_menu"])
async def test_rest_menu_vuelve_al_bot(rest, rasa: RasaFalso, servicio, palabra):
    servicio.abrir("web", "ana-1")
    assert await escribir(rest, palabra) == [reglas.VUELTA, "eco: /ayuda_menu"]
    assert servicio.volver_llamado == [12]
    assert rasa.textos == [reglas.PAYLOAD_MENU]
    assert servicio.textos() == []
    # Back with the bot: the next message is the bot's again.
    assert await escribir(rest, "Hola") == ["eco: Hola"]


@pytest.mark.parametrize("estado_http", [404, 409])
async def test_rest_caso_desconocido_o_cerrado_contesta_el_bot(
    rest, rasa: RasaFalso, servicio, estado_http
):
    servicio.abrir("web", "ana-1")
    servicio.rechazo = estado_http  # closed (409) or unknown (404) when posting
    assert await escribir(rest, "Hola") == ["eco: Hola"]
    assert rasa.textos == ["Hola"]


async def test_rest_servicio_caido_al_pasar_el_mensaje_avisa_y_contesta_el_bot(
    rest, rasa: RasaFalso, servicio
):
    servicio.abrir("web", "ana-1")
    servicio.caido.add("mensajes")
    assert await escribir(rest, "Hola") == [reglas.NO_SE_PASO, "eco: Hola"]
    assert rasa.textos == ["Hola"]  # the text is kept in the conversation


async def test_rest_servicio_caido_del_todo_contesta_el_bot(rest, rasa: RasaFalso, servicio):
    servicio.abrir("web", "ana-1")
    servicio.caido.add("entregas")
    assert await escribir(rest, "Hola") == ["eco: Hola"]


# ------------------------------------------------------------------ lock
class CerrojoFalso:
    def __init__(self, eventos: list[str]) -> None:
        self.eventos = eventos

    @asynccontextmanager
    async def lock(self, conversacion: str):
        self.eventos.append(f"toma {conversacion}")
        yield
        self.eventos.append(f"suelta {conversacion}")


async def test_el_mensaje_se_pasa_bajo_el_cerrojo_de_la_conversacion():
    eventos: list[str] = []

    async def trabajo():
        eventos.append("pasa el mensaje")
        return canalizacion.Decision()

    await bajo_cerrojo(CerrojoFalso(eventos), "web-s1", trabajo)
    assert eventos == ["toma web-s1", "pasa el mensaje", "suelta web-s1"]


async def test_sin_cerrojo_o_con_cerrojo_roto_el_mensaje_se_pasa_igual():
    class Roto:
        def lock(self, _):
            raise RuntimeError("redis caído")

    async def trabajo():
        return canalizacion.Decision(["ok"])

    assert (await bajo_cerrojo(None, "x", trabajo)).textos == ["ok"]
    assert (await bajo_cerrojo(Roto(), "x", trabajo)).textos == ["ok"]


# ------------------------------------------------------------------ Twilio
def mensajes_twiml(respuesta) -> list[str]:
    return [m.text or "" for m in ET.fromstring(respuesta.content).findall("Message")]


async def test_twilio_con_promotora_acuse_y_luego_twiml_vacio(
    cliente: Cliente, rasa: RasaFalso, servicio
):
    servicio.abrir("whatsapp", TELEFONO)
    primero = parametros("Ya tengo mi CURP", whatsapp=True)
    segundo = parametros("¿sigues ahí?", whatsapp=True)
    r = await cliente.enviar(primero)
    assert mensajes_twiml(r) == [reglas.ACUSE]
    r = await cliente.enviar(segundo)
    assert r.status_code == 200 and mensajes_twiml(r) == []
    assert rasa.textos == []
    ids = [m["id_externo"] for m in servicio.hilo[12]]
    assert ids == [primero["MessageSid"], segundo["MessageSid"]]


async def test_twilio_webhook_repetido_no_se_vuelve_a_pasar(cliente: Cliente, rasa, servicio):
    servicio.abrir("telefono", TELEFONO)
    datos = parametros("Hola")
    primera = await cliente.enviar(datos)
    segunda = await cliente.enviar(datos)  # Twilio's retry of the same MessageSid
    assert mensajes_twiml(primera) == mensajes_twiml(segunda)
    assert servicio.textos() == ["Hola"]


async def test_twilio_numero_es_para_la_promotora_no_una_opcion(cliente: Cliente, rasa, servicio):
    await cliente.enviar(parametros("menu", whatsapp=True))  # the bot offers numbered options
    servicio.abrir("whatsapp", TELEFONO)
    await cliente.enviar(parametros("2", whatsapp=True))
    assert servicio.textos() == ["2"]
    assert rasa.textos == ["menu"]


async def test_twilio_menu_vuelve_al_bot(cliente: Cliente, rasa: RasaFalso, servicio):
    servicio.abrir("whatsapp", TELEFONO)
    r = await cliente.enviar(parametros("menú", whatsapp=True))
    (cuerpo,) = mensajes_twiml(r)
    assert cuerpo.startswith(reglas.VUELTA)
    assert rasa.textos == [reglas.PAYLOAD_MENU]
    assert servicio.volver_llamado == [12]


async def test_twilio_servicio_caido_contesta_el_bot(cliente: Cliente, rasa, servicio):
    servicio.abrir("whatsapp", TELEFONO)
    servicio.caido.add("mensajes")
    r = await cliente.enviar(parametros("Hola", whatsapp=True))
    (cuerpo,) = mensajes_twiml(r)
    assert "No pude pasarle tu mensaje" in cuerpo and cuerpo.endswith("eco: Hola")


# ------------------------------------------------------------------ socket.io
class SioFalso:
    def __init__(self) -> None:
        self.emitidos: list[tuple[str, dict, str]] = []

    async def emit(self, evento, datos, room=None, **_):
        self.emitidos.append((evento, datos, room))


def canal_socketio(rasa):
    from channels.socketio import SocketIOInput

    canal = SocketIOInput(session_persistence=True)
    canal.blueprint(rasa)
    falso = SioFalso()
    canal.sio.emit = falso.emit
    canal.sio.enter_room = lambda *a, **k: None
    return canal, falso


async def test_socketio_con_promotora_no_hay_turno(rasa: RasaFalso, servicio):
    canal, falso = canal_socketio(rasa)
    servicio.abrir("web", "web-sesion-eva")
    manejador = canal.sio.handlers["/"]["user_uttered"]
    await manejador("sid-1", {"message": "Hola", "session_id": "sesion-eva", "id_mensaje": "a1"})
    await manejador("sid-1", {"message": "Hola", "session_id": "sesion-eva", "id_mensaje": "a1"})
    await manejador("sid-1", {"message": "Otra", "session_id": "sesion-eva"})
    # The widget learns that a promoter answers now; later messages only confirm it.
    con_promotora = {"canalizacion": "con_promotora"}
    assert falso.emitidos == [
        ("bot_uttered", {"text": reglas.ACUSE, "metadata": con_promotora}, "web-sesion-eva"),
        ("bot_uttered", {"metadata": con_promotora}, "web-sesion-eva"),
        ("bot_uttered", {"metadata": con_promotora}, "web-sesion-eva"),
    ]
    assert rasa.textos == []
    assert servicio.textos() == ["Hola", "Otra"]


async def test_socketio_menu_avisa_que_vuelve_el_asistente(rasa: RasaFalso, servicio):
    canal, falso = canal_socketio(rasa)
    servicio.abrir("web", "web-s1")
    await canal.sio.handlers["/"]["user_uttered"]("sid-1", {"message": "menú", "session_id": "s1"})
    assert falso.emitidos == [
        (
            "bot_uttered",
            {"text": reglas.VUELTA, "metadata": {"canalizacion": "con_asistente"}},
            "web-s1",
        ),
        ("bot_uttered", {"text": "eco: /ayuda_menu"}, "web-s1"),
    ]


async def test_en_vivo_emite_a_la_sala_con_autor_promotora(rasa: RasaFalso, servicio):
    canal, falso = canal_socketio(rasa)
    await canal.sio.handlers["/"]["session_request"]("sid-1", {"session_id": "sesion-eva"})
    await canal.en_vivo.detener()  # the test drives the polls itself
    falso.emitidos.clear()
    servicio.pendientes = [
        {
            "direccion": "web-sesion-eva",
            "ticket": 12,
            "id": 1,
            "texto": "Hola, soy Ana.",
            "autor_nombre": "Ana",
        },
        {
            "direccion": "web-otra",
            "ticket": 13,
            "id": 2,
            "texto": "No es tuya",
            "autor_nombre": "Luz",
            "bug": True,
        },
    ]
    assert await canal.en_vivo.repartir() == 1
    assert servicio.pedidos_pendientes == [["web-sesion-eva"]]
    assert falso.emitidos == [
        (
            "bot_uttered",
            {
                "text": "Hola, soy Ana.",
                "metadata": {
                    "autor": "promotor",
                    "nombre": "Ana",
                    "rol": "promotora del consulado",
                    "ticket": 12,
                },
            },
            "web-sesion-eva",
        )
    ]


async def test_en_vivo_olvida_la_sesion_al_desconectarse(rasa: RasaFalso, servicio):
    canal, falso = canal_socketio(rasa)
    handlers = canal.sio.handlers["/"]
    await handlers["session_request"]("sid-1", {"session_id": "s1"})
    await handlers["session_request"]("sid-2", {"session_id": "s2"})
    await canal.en_vivo.detener()
    assert sorted(canal.en_vivo.salas) == ["web-s1", "web-s2"]
    await handlers["disconnect"]("sid-1", "client disconnect")
    assert canal.en_vivo.salas == ["web-s2"]
    assert await canal.en_vivo.repartir() == 0
    assert servicio.pedidos_pendientes == [["web-s2"]]


async def test_en_vivo_sin_sesiones_no_pregunta_y_un_servicio_caido_no_lo_detiene(servicio):
    emitidos = []

    async def emitir(sala, datos):
        emitidos.append(sala)

    en_vivo = EnVivo(emitir, intervalo_s=0)
    assert await en_vivo.repartir() == 0
    assert servicio.pedidos_pendientes == []
    en_vivo.entrar("web-x")
    servicio.caido.add("pendientes")
    assert await en_vivo.repartir() == 0
    assert emitidos == []


async def test_en_vivo_reparte_solo_sin_que_la_persona_escriba(servicio):
    import asyncio

    llego = asyncio.Event()
    emitidos = []

    async def emitir(sala, datos):
        emitidos.append((sala, datos["text"]))
        llego.set()

    en_vivo = EnVivo(emitir, intervalo_s=0.01)
    en_vivo.entrar("web-s1")
    servicio.pendientes = [
        {"direccion": "web-s1", "ticket": 3, "id": 9, "texto": "¿Sigues ahí?", "autor_nombre": ""}
    ]
    en_vivo.arrancar()
    en_vivo.arrancar()  # once per loop
    try:
        await asyncio.wait_for(llego.wait(), timeout=10)
    finally:
        await en_vivo.detener()
    assert emitidos == [("web-s1", "¿Sigues ahí?")]


async def test_con_el_cerrojo_de_rasa_el_turno_espera_a_que_se_pase_el_mensaje():
    """Rasa's own lock store: a turn of the same conversation that arrives meanwhile waits."""
    import asyncio

    from rasa.core.lock_store import InMemoryLockStore

    cerrojo = InMemoryLockStore()
    orden: list[str] = []
    soltar = asyncio.Event()

    async def trabajo():
        orden.append("pasa el mensaje")
        await soltar.wait()
        orden.append("mensaje pasado")
        return canalizacion.Decision()

    pase = asyncio.create_task(bajo_cerrojo(cerrojo, "web-s1", trabajo))
    while not orden:
        await asyncio.sleep(0)

    async def turno():
        async with cerrojo.lock("web-s1", wait_time_in_seconds=0.01):
            orden.append("turno de Rasa")

    otro = asyncio.create_task(turno())
    await asyncio.sleep(0.05)
    soltar.set()
    await asyncio.wait_for(asyncio.gather(pase, otro), timeout=10)
    assert orden == ["pasa el mensaje", "mensaje pasado", "turno de Rasa"]


async def test_mensaje_largo_llega_entero_al_hilo_en_partes(rest, rasa: RasaFalso, servicio):
    servicio.abrir("web", "ana-1")
    largo = "a" * 1000 + "b" * 500  # the channels take 1600, a thread message 1000
    assert await escribir(rest, largo, message_id="m-9") == [reglas.ACUSE]
    assert "".join(servicio.textos()) == largo
    assert [m["id_externo"] for m in servicio.hilo[12]] == ["c:m-9:1", "c:m-9:2"]
    assert rasa.textos == []
