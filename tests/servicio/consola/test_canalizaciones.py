"""Handoff tickets in the console's service layer (servicio/inscripcion/canalizaciones.py), the
``POST /v1/canalizaciones/entregas`` endpoint and the Twilio send of a reply
(servicio/twilio_salida.enviar_respuesta). SQLite always, PostgreSQL when it answers."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.tiempo import ahora_utc
from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import contactos
from servicio.inscripcion import modelos as m
from servicio.inscripcion.operaciones import ErrorApi
from tests.ayudas import ADMIN, A

TEL = "+13125550100"


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def Sesion(app):
    return app.state.sessionmaker


@pytest.fixture
def session(Sesion):
    s = Sesion()
    yield s
    s.close()


@pytest.fixture
def app_entregas(app):
    from servicio.inscripcion.api_canalizaciones import router

    app.include_router(router)
    return app


@pytest.fixture
def client_entregas(app_entregas):
    from fastapi.testclient import TestClient

    with TestClient(app_entregas) as c:
        yield c


def promotor(session, usuario: str, rol: str = m.ROL_PROMOTOR, consulado=None) -> m.Promotor:
    p = m.Promotor(
        usuario=usuario,
        nombre=usuario.title(),
        rol=rol,
        consulado=consulado,
        password_hash="x",
        activo=True,
        creado_en=ahora_utc(),
    )
    session.add(p)
    session.commit()
    return p


def ticket(
    session,
    canal: str = "whatsapp",
    direccion: str = TEL,
    estado: str = m.CANALIZACION_ABIERTA,
    consulado=None,
    creada_en=None,
    firmado: bool = True,
) -> m.Canalizacion:
    """A ticket; ``firmado``: its number wrote in a signed Twilio request when it was opened
    (what really happens), recorded as the Twilio channel does."""
    if firmado:
        contactos.registrar_firmado(session, canal, direccion, ahora=creada_en or ahora_utc())
    t = m.Canalizacion(
        resumen="Pide hablar con una persona.",
        canal=canal,
        direccion_canal=direccion,
        consulado=consulado,
        estado=estado,
        creada_en=creada_en or ahora_utc(),
    )
    session.add(t)
    session.commit()
    return t


def auditoria(session, ticket_id: int) -> list[tuple[str, str]]:
    filas = session.execute(
        select(m.Auditoria).where(m.Auditoria.folio == f"CAN-{ticket_id}").order_by(m.Auditoria.id)
    ).scalars()
    return [(a.accion, a.actor) for a in filas]


@pytest.fixture
def ana(session):
    return promotor(session, "ana")


@pytest.fixture
def beto(session):
    return promotor(session, "beto")


@pytest.fixture
def admin(session):
    return promotor(session, "jefa", rol=m.ROL_ADMIN)


# ------------------------------------------------------------------ tomar
def test_tomar_asigna_y_audita(session, ana):
    t = ticket(session)
    fila = tickets.tomar(session, t.id, ana)
    assert (fila.estado, fila.tomada_por) == ("tomada", ana.id)
    assert fila.tomada_en is not None
    assert auditoria(session, t.id) == [("canalizacion_tomada", f"promotor:{ana.id}")]
    # Taking it again is a no-op: no second audit row.
    tickets.tomar(session, t.id, ana)
    assert len(auditoria(session, t.id)) == 1


def test_tomar_errores(session, ana, beto, admin):
    with pytest.raises(ErrorApi) as e:
        tickets.tomar(session, 999_999, ana)
    assert e.value.status == 404
    t = ticket(session)
    tickets.tomar(session, t.id, ana)
    with pytest.raises(ErrorApi) as e:
        tickets.tomar(session, t.id, beto)
    assert e.value.status == 409 and "Otra persona" in e.value.mensaje
    session.expire_all()
    assert session.get(m.Canalizacion, t.id).tomada_por == ana.id
    # An admin may take over.
    assert tickets.tomar(session, t.id, admin).tomada_por == admin.id
    cerrada = ticket(session, estado=m.CANALIZACION_CERRADA)
    with pytest.raises(ErrorApi) as e:
        tickets.tomar(session, cerrada.id, admin)
    assert e.value.status == 409
    assert auditoria(session, cerrada.id) == []


# ------------------------------------------------------------------ responder
@pytest.mark.parametrize("texto", [None, "", "   \n ", "x" * 1001, " " + "y" * 1001])
def test_responder_valida_texto(session, ana, texto):
    t = ticket(session)
    with pytest.raises(ErrorApi) as e:
        tickets.responder(session, t.id, ana, texto)
    assert (e.value.status, e.value.campo) == (422, "texto")
    assert tickets.respuestas(session, t.id) == []
    assert auditoria(session, t.id) == []


def test_responder_toma_el_ticket_abierto_y_guarda_la_respuesta(session, ana):
    t = ticket(session)
    r = tickets.responder(session, t.id, ana, "  " + "a" * 1000 + "  ")
    assert r.texto == "a" * 1000 and r.promotor_id == ana.id and r.entregada_en is None
    session.expire_all()
    fila = session.get(m.Canalizacion, t.id)
    assert (fila.estado, fila.tomada_por) == ("tomada", ana.id)
    assert auditoria(session, t.id) == [
        ("canalizacion_tomada", f"promotor:{ana.id}"),
        ("canalizacion_respondida", f"promotor:{ana.id}"),
    ]
    tickets.responder(session, t.id, ana, "Segunda")
    assert [x.texto for x in tickets.respuestas(session, t.id)] == ["a" * 1000, "Segunda"]


def test_responder_permisos(session, ana, beto, admin):
    t = ticket(session)
    tickets.tomar(session, t.id, ana)
    with pytest.raises(ErrorApi) as e:
        tickets.responder(session, t.id, beto, "Hola")
    assert e.value.status == 409
    # An admin may answer a ticket someone else holds, without taking it.
    tickets.responder(session, t.id, admin, "Hola desde coordinación")
    session.expire_all()
    assert session.get(m.Canalizacion, t.id).tomada_por == ana.id
    assert [x.promotor_id for x in tickets.respuestas(session, t.id)] == [admin.id]
    tickets.cerrar(session, t.id, ana)
    with pytest.raises(ErrorApi) as e:
        tickets.responder(session, t.id, ana, "Tarde")
    assert e.value.status == 409
    with pytest.raises(ErrorApi) as e:
        tickets.responder(session, 999_999, ana, "Hola")
    assert e.value.status == 404


# ------------------------------------------------------------------ cerrar / listar
def test_cerrar(session, ana, beto, admin):
    t = ticket(session)
    tickets.tomar(session, t.id, ana)
    with pytest.raises(ErrorApi) as e:
        tickets.cerrar(session, t.id, beto)
    assert e.value.status == 409
    fila = tickets.cerrar(session, t.id, ana)
    assert fila.estado == "cerrada" and fila.cerrada_en is not None
    with pytest.raises(ErrorApi) as e:
        tickets.cerrar(session, t.id, admin)
    assert e.value.status == 409
    assert auditoria(session, t.id)[-1] == ("canalizacion_cerrada", f"promotor:{ana.id}")
    otro = ticket(session)
    tickets.tomar(session, otro.id, ana)
    assert tickets.cerrar(session, otro.id, admin).estado == "cerrada"
    with pytest.raises(ErrorApi) as e:
        tickets.cerrar(session, 999_999, ana)
    assert e.value.status == 404


def test_listar_orden_y_filtros(session, ana):
    a = ticket(session, consulado="Chicago")
    b = ticket(session, consulado="Dallas")
    c = ticket(session, consulado="Chicago")
    d = ticket(session, consulado="Chicago")
    tickets.tomar(session, b.id, ana)
    tickets.cerrar(session, d.id, ana)
    # Open and taken first (newest first), closed at the end, even if newer.
    assert [t.id for t in tickets.listar(session, None)] == [c.id, b.id, a.id, d.id]
    assert [t.id for t in tickets.listar(session, "abierta")] == [c.id, a.id]
    assert [t.id for t in tickets.listar(session, "tomada")] == [b.id]
    assert [t.id for t in tickets.listar(session, None, "Chicago")] == [c.id, a.id, d.id]
    assert [t.id for t in tickets.listar(session, None, limite=2)] == [c.id, b.id]
    with pytest.raises(ErrorApi):
        tickets.listar(session, "perdida")


# ------------------------------------------------------------------ entrega
def test_entregar_pendientes_solo_de_esa_direccion(session, ana):
    t1 = ticket(session)
    t2 = ticket(session)
    otro_canal = ticket(session, canal="telefono")
    otra_dir = ticket(session, direccion="+13125550199")
    r1 = tickets.responder(session, t1.id, ana, "uno")
    r2 = tickets.responder(session, t2.id, ana, "dos")
    tickets.responder(session, otro_canal.id, ana, "sms")
    tickets.responder(session, otra_dir.id, ana, "otra")
    tickets.cerrar(session, t1.id, ana)  # closed after replying: still delivered
    entregadas = tickets.entregar_pendientes(session, "whatsapp", TEL)
    # The closing notice of t1 comes after its reply (and after t2's older reply).
    assert [r.id for r in entregadas][:2] == [r1.id, r2.id]
    assert [r.texto for r in entregadas][2:] == [tickets.AVISO_CIERRE]
    assert all(r.entregada_via == "siguiente_mensaje" for r in entregadas)
    assert all(r.entregada_en is not None for r in entregadas)
    assert tickets.entregar_pendientes(session, "whatsapp", TEL) == []
    assert [r.texto for r in tickets.entregar_pendientes(session, "telefono", TEL)] == ["sms"]


def test_entregar_pendientes_con_limite(session, ana):
    t = ticket(session, canal="web", direccion="sesion-1")
    for i in range(3):
        tickets.responder(session, t.id, ana, f"r{i}")
    assert [r.texto for r in tickets.entregar_pendientes(session, "web", "sesion-1", 2)] == [
        "r0",
        "r1",
    ]
    assert [r.texto for r in tickets.entregar_pendientes(session, "web", "sesion-1")] == ["r2"]


def test_reclamo_perdido_no_se_entrega_dos_veces(Sesion, session, ana):
    """A claims the candidates it read after B already delivered them: A gets nothing."""
    t = ticket(session)
    ids = [tickets.responder(session, t.id, ana, f"r{i}").id for i in range(3)]
    with Sesion() as a, Sesion() as b:
        candidatas = [r.id for r in tickets.pendientes(a, "whatsapp", TEL)]
        assert candidatas == ids
        assert tickets.marcar_entregada(b, ids[1], "twilio") is True
        assert [r.id for r in tickets.entregar_pendientes(b, "whatsapp", TEL)] == [ids[0], ids[2]]
        assert tickets._reclamar(a, candidatas, "siguiente_mensaje") == []
        a.commit()
    assert tickets.marcar_entregada(session, ids[0], "twilio") is False
    session.expire_all()
    assert session.get(m.RespuestaCanalizacion, ids[1]).entregada_via == "twilio"


def test_entregas_concurrentes_nunca_duplican(Sesion, session, ana):
    t = ticket(session, canal="web", direccion="sesion-x")
    ids = {tickets.responder(session, t.id, ana, f"r{i}").id for i in range(20)}
    hilos, resultados, errores = 6, [], []
    barrera = threading.Barrier(hilos)

    def trabajar():
        try:
            barrera.wait(timeout=10)
            for _ in range(3):
                with Sesion() as s:
                    resultados.extend(
                        r.id for r in tickets.entregar_pendientes(s, "web", "sesion-x", 7)
                    )
        except Exception as error:  # pragma: no cover - reported below
            errores.append(error)

    ts = [threading.Thread(target=trabajar) for _ in range(hilos)]
    for h in ts:
        h.start()
    for h in ts:
        h.join(timeout=60)
    assert errores == []
    assert sorted(resultados) == sorted(ids)  # every reply once, none twice


def test_marcar_entregada_y_desmarcar(session, ana):
    t = ticket(session)
    r = tickets.responder(session, t.id, ana, "hola")
    with pytest.raises(ValueError):
        tickets.marcar_entregada(session, r.id, "paloma")
    assert tickets.marcar_entregada(session, r.id, "twilio") is True
    assert tickets.marcar_entregada(session, r.id, "siguiente_mensaje") is False
    assert tickets.entregar_pendientes(session, "whatsapp", TEL) == []
    # Releasing only undoes the claim of the same route.
    assert tickets.desmarcar_entrega(session, r.id, "siguiente_mensaje") is False
    assert tickets.desmarcar_entrega(session, r.id, "twilio") is True
    assert [x.id for x in tickets.entregar_pendientes(session, "whatsapp", TEL)] == [r.id]


# ------------------------------------------------------------------ endpoint
def test_endpoint_entregas(client_entregas, session, ana):
    t = ticket(session, canal="web", direccion="sesion-abc")
    tickets.responder(session, t.id, ana, "Hola, te llamo mañana.")
    url = "/v1/canalizaciones/entregas"
    body = {"canal": "web", "direccion": "sesion-abc"}
    assert client_entregas.post(url, json=body).status_code == 401
    assert client_entregas.post(url, json=body, headers={"X-API-Key": "mala"}).status_code == 401
    # Nothing was delivered by the refused calls.
    r = client_entregas.post(url, json=body, headers=A)
    assert r.status_code == 200, r.text
    (rid,) = [x.id for x in tickets.respuestas(session, t.id)]
    activa = {"ticket": t.id, "estado": "tomada"}
    assert r.json() == {
        "respuestas": [
            {"ticket": t.id, "id": rid, "texto": "Hola, te llamo mañana.", "autor_nombre": "Ana"}
        ],
        "canalizacion": activa,
    }
    vacia = {"respuestas": [], "canalizacion": activa}
    assert client_entregas.post(url, json=body, headers=A).json() == vacia
    assert client_entregas.post(url, json=body, headers=ADMIN).json() == vacia


@pytest.mark.parametrize(
    "body",
    [
        {"canal": "paloma", "direccion": "x"},
        {"canal": "web", "direccion": ""},
        {"canal": "web"},
        {"canal": "web", "direccion": "x", "maximo": 0},
        {"canal": "web", "direccion": "x", "extra": 1},
    ],
)
def test_endpoint_entregas_422(client_entregas, body):
    r = client_entregas.post("/v1/canalizaciones/entregas", json=body, headers=A)
    assert r.status_code == 422


def test_endpoint_entregas_maximo(client_entregas, session, ana):
    t = ticket(session)
    for i in range(3):
        tickets.responder(session, t.id, ana, f"r{i}")
    body = {"canal": "whatsapp", "direccion": TEL, "maximo": 2}
    r = client_entregas.post("/v1/canalizaciones/entregas", json=body, headers=A)
    assert [x["texto"] for x in r.json()["respuestas"]] == ["r0", "r1"]


def test_api_existente_de_canalizaciones_sigue_igual(client_entregas):
    body = {"resumen": "Quiere hablar.", "canal": "web", "direccion_canal": "s-1"}
    r = client_entregas.post("/v1/canalizaciones", json=body, headers=A)
    assert r.status_code == 201
    tid = r.json()["id"]
    listado = client_entregas.get("/v1/canalizaciones", headers=ADMIN).json()
    assert [x["id"] for x in listado] == [tid]
    r = client_entregas.post(f"/v1/canalizaciones/{tid}/cerrar", json={}, headers=ADMIN)
    assert r.json()["estado"] == "cerrada"


# ------------------------------------------------------------------ Twilio send of a reply
class TwilioFalso(HttpClient):
    """Twilio's REST API in memory: records requests, answers with a canned response."""

    def __init__(self, status: int = 201, cuerpo: dict | None = None) -> None:
        super().__init__(logger=None, is_async=False)
        self.status = status
        self.cuerpo = cuerpo or {"sid": "SM" + "0" * 32, "status": "queued"}
        self.peticiones: list[dict] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **_):
        self.peticiones.append({"method": method, "url": url, "data": dict(data or {})})
        return Response(self.status, json.dumps(self.cuerpo))


@pytest.fixture
def salida(monkeypatch):
    from servicio import twilio_salida

    for k, v in {
        "ORIENTA_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "ORIENTA_TWILIO_AUTH_TOKEN": "token",
        "ORIENTA_TWILIO_NUMERO_SMS": "+15005550006",
        "ORIENTA_TWILIO_NUMERO_WHATSAPP": "whatsapp:+14155238886",
    }.items():
        monkeypatch.setenv(k, v)
    return twilio_salida


def test_enviar_respuesta_whatsapp_marca_twilio(session, ana, salida):
    t = ticket(session)
    r = tickets.responder(session, t.id, ana, "Ya revisé tu caso.")
    http = TwilioFalso()
    assert salida.enviar_respuesta(session, r, t, http_client=http) is True
    assert len(http.peticiones) == 1
    datos = http.peticiones[0]["data"]
    assert datos["To"] == f"whatsapp:{TEL}"
    assert datos["From"] == "whatsapp:+14155238886"
    assert datos["Body"] == (
        f"Respuesta de tu Ventanilla de Salud (caso {t.id}): Ya revisé tu caso."
    )
    assert r.entregada_via == "twilio" and r.entregada_en is not None
    assert tickets.entregar_pendientes(session, "whatsapp", TEL) == []
    # Already delivered: a second send does not call Twilio again.
    assert salida.enviar_respuesta(session, r, t, http_client=http) is False
    assert len(http.peticiones) == 1


def test_enviar_respuesta_63016_queda_pendiente(session, ana, salida, caplog):
    t = ticket(session)
    r = tickets.responder(session, t.id, ana, "Texto privado de la respuesta")
    error = {"code": 63016, "message": f"Outside window for {TEL}", "status": 400}
    with caplog.at_level("INFO"):
        ok = salida.enviar_respuesta(session, r, t, http_client=TwilioFalso(400, error))
    assert ok is False
    assert r.entregada_en is None and r.entregada_via is None
    assert "63016" in caplog.text and str(t.id) in caplog.text
    assert TEL not in caplog.text and "Texto privado" not in caplog.text
    # It goes with the person's next message.
    assert [x.id for x in tickets.entregar_pendientes(session, "whatsapp", TEL)] == [r.id]


def test_enviar_respuesta_fuera_de_ventana_no_usa_whatsapp(session, ana, salida):
    t = ticket(session, creada_en=ahora_utc() - timedelta(hours=30))
    r = tickets.responder(session, t.id, ana, "Hola")
    http = TwilioFalso()
    # Never a free-form WhatsApp after 24 h: by SMS to the number (issue 17; it wrote to us on
    # WhatsApp in a signed request). Without SMS: test_hilo_canalizacion.py.
    assert salida.enviar_respuesta(session, r, t, http_client=http) is True
    assert [p["data"]["To"] for p in http.peticiones] == [TEL]
    http.peticiones.clear()
    # SMS has no window.
    sms = ticket(session, canal="telefono", creada_en=ahora_utc() - timedelta(days=5))
    r2 = tickets.responder(session, sms.id, ana, "Qué tal, ¿cómo estás?")
    assert salida.enviar_respuesta(session, r2, sms, http_client=http) is True
    datos = http.peticiones[0]["data"]
    assert datos["To"] == TEL and datos["From"] == "+15005550006"
    assert datos["Body"].endswith("Qué tal, ¿como estas?")  # GSM-7 for SMS (é is GSM-7)


def test_enviar_respuesta_web_o_sin_configurar(session, ana, salida, monkeypatch):
    web = ticket(session, canal="web", direccion="sesion-1")
    r = tickets.responder(session, web.id, ana, "Hola")
    http = TwilioFalso()
    assert salida.enviar_respuesta(session, r, web, http_client=http) is False
    monkeypatch.delenv("ORIENTA_TWILIO_NUMERO_WHATSAPP")
    wa = ticket(session)
    r2 = tickets.responder(session, wa.id, ana, "Hola")
    assert salida.configurado("whatsapp") is False
    assert salida.enviar_respuesta(session, r2, wa, http_client=http) is False
    assert http.peticiones == []
    assert r.entregada_en is None and r2.entregada_en is None


@pytest.mark.parametrize("canal", ["whatsapp", "telefono"])
def test_numero_que_nunca_escribio_firmado_no_recibe_nada(session, ana, salida, canal):
    """A ticket whose number did not come from a signed Twilio request (someone typed it):
    the console's reply is not sent to it; it waits for a message from that conversation."""
    t = ticket(session, canal=canal, direccion="+13125550142", firmado=False)
    r = tickets.responder(session, t.id, ana, "Hola")
    http = TwilioFalso()
    assert salida.enviar_respuesta(session, r, t, http_client=http) is False
    assert http.peticiones == [] and r.entregada_en is None


def test_la_ventana_de_whatsapp_cuenta_solo_mensajes_firmados(session, ana, salida):
    """Opening a ticket (or anything else the API is told) does not open the window: only a
    message whose Twilio signature was checked."""
    t = ticket(session, firmado=False)  # ticket created now, but no signed message from TEL
    r = tickets.responder(session, t.id, ana, "Hola")
    http = TwilioFalso()
    assert salida.enviar_respuesta(session, r, t, http_client=http) is False
    contactos.registrar_firmado(session, "whatsapp", TEL)  # the person writes (signed)
    assert salida.enviar_respuesta(session, r, t, http_client=http) is True


def test_entregas_registra_el_numero_solo_si_viene_firmado(client_entregas, session):
    otro = "+13125550177"
    body = {"canal": "whatsapp", "direccion": otro}
    client_entregas.post("/v1/canalizaciones/entregas", json=body, headers=A)
    assert contactos.ultimo_firmado(session, "whatsapp", otro) is None
    body["firmado"] = True
    client_entregas.post("/v1/canalizaciones/entregas", json=body, headers=A)
    assert contactos.ultimo_firmado(session, "whatsapp", otro) is not None
    web = {"canal": "web", "direccion": "sesion-1", "firmado": True}
    assert (
        client_entregas.post("/v1/canalizaciones/entregas", json=web, headers=A).status_code == 200
    )
    assert session.execute(select(m.ContactoFirmado.medio)).scalars().all() == ["whatsapp"]


def test_tomar_ve_el_estado_actual_aunque_la_fila_este_en_la_sesion(Sesion, session, ana, beto):
    """The console loads the ticket before acting: a take by someone else in between counts."""
    t = ticket(session)
    assert session.get(m.Canalizacion, t.id).estado == "abierta"  # cached in this session
    with Sesion() as otra:
        tickets.tomar(otra, t.id, beto)
    with pytest.raises(ErrorApi) as e:
        tickets.responder(session, t.id, ana, "Hola")
    assert e.value.status == 409


# ------------------------------------------------------------------ closing from the admin API
def test_cerrar_desde_la_api_entrega_la_respuesta_con_el_siguiente_mensaje(
    client_entregas, session
):
    body = {"resumen": "Quiere hablar.", "canal": "web", "direccion_canal": "s-9"}
    tid = client_entregas.post("/v1/canalizaciones", json=body, headers=A).json()["id"]
    r = client_entregas.post(
        f"/v1/canalizaciones/{tid}/cerrar", json={"respuesta": " Ya quedó. "}, headers=ADMIN
    )
    assert r.status_code == 200
    assert r.json()["estado"] == "cerrada" and r.json()["respuesta"] == "Ya quedó."
    assert auditoria(session, tid) == [
        ("canalizacion_creada", None),
        ("canalizacion_respondida", tickets.ACTOR_API),
        ("canalizacion_cerrada", tickets.ACTOR_API),
    ]
    entrega = {"canal": "web", "direccion": "s-9"}
    r = client_entregas.post("/v1/canalizaciones/entregas", json=entrega, headers=A)
    assert [(x["texto"], x["autor_nombre"]) for x in r.json()["respuestas"]] == [
        ("Ya quedó.", "Orienta"),
        (tickets.AVISO_CIERRE, "Orienta"),
    ]
    assert r.json()["canalizacion"] is None  # closed: the bot answers again
    r = client_entregas.post("/v1/canalizaciones/entregas", json=entrega, headers=A)
    assert r.json()["respuestas"] == []  # delivered once


def test_cerrar_desde_la_api_respuesta_larga_es_422(client_entregas):
    body = {"resumen": "Quiere hablar.", "canal": "web", "direccion_canal": "s-8"}
    tid = client_entregas.post("/v1/canalizaciones", json=body, headers=A).json()["id"]
    r = client_entregas.post(
        f"/v1/canalizaciones/{tid}/cerrar", json={"respuesta": "x" * 1001}, headers=ADMIN
    )
    assert r.status_code == 422 and r.json()["detail"][0]["campo"] == "respuesta"
    assert client_entregas.get("/v1/canalizaciones", headers=ADMIN).json()[0]["estado"] == "abierta"


def test_cerrar_sin_promotor_envia_por_twilio_como_la_consola(session, ana, salida):
    t = ticket(session)
    tickets.tomar(session, t.id, ana)  # the admin API may close a ticket someone holds
    http = TwilioFalso()
    fila = tickets.cerrar(session, t.id, None, "Te llamamos mañana.", http_client=http)
    assert fila.estado == "cerrada"
    # The reply, then the closing notice (what happens next).
    assert [p["data"]["To"] for p in http.peticiones] == [f"whatsapp:{TEL}"] * 2
    assert tickets.AVISO_CIERRE in http.peticiones[1]["data"]["Body"]
    (respuesta,) = tickets.respuestas(session, t.id)
    assert respuesta.texto == "Te llamamos mañana." and respuesta.entregada_via == "twilio"
    assert respuesta.promotor_id is None
    assert tickets.entregar_pendientes(session, "whatsapp", TEL) == []


def test_cerrar_desde_la_consola_sin_respuesta_no_crea_ninguna(session, ana):
    t = ticket(session)
    tickets.cerrar(session, t.id, ana)
    assert tickets.respuestas(session, t.id) == [] and t.respuesta is None


def test_id_de_auditoria_ida_y_vuelta():
    assert tickets.id_canalizacion(12) == "CAN-12"
    assert tickets.ticket_de_id("CAN-12") == 12
    assert tickets.ticket_de_id("OR-7K2M9QX4TB") is None
    assert tickets.ticket_de_id("CAN-") is None and tickets.ticket_de_id(None) is None
