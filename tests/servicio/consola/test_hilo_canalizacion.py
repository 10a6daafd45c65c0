"""Issue 17: the handoff as a two-way thread. The channels' contract (creation with history,
the person's messages, back to the bot, deliveries and the web chat's poll), the ticket's state
machine, unread counts, notes, assignment, failed deliveries, origins, timeouts and the purge.
SQLite always, PostgreSQL when it answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.tiempo import ahora_utc
from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import canalizaciones_vencidas as vencidas
from servicio.inscripcion import modelos as m
from servicio.inscripcion.operaciones import ErrorApi
from tests.ayudas import A
from tests.servicio.consola import test_canalizaciones as base

# The fixtures and helpers of the existing ticket tests.
TEL, TwilioFalso, auditoria, promotor, ticket = (
    base.TEL,
    base.TwilioFalso,
    base.auditoria,
    base.promotor,
    base.ticket,
)
Sesion, session, app_entregas, client_entregas = (
    base.Sesion,
    base.session,
    base.app_entregas,
    base.client_entregas,
)
ana, beto, admin, salida = base.ana, base.beto, base.admin, base.salida

WEB = "web-sesion-17"


def crear(client, direccion=WEB, canal="web", **extra):
    body = {"resumen": "Pide hablar con una persona.", "canal": canal, "direccion_canal": direccion}
    return client.post("/v1/canalizaciones", headers=A, json={**body, **extra})


def mensaje(client, tid, texto="¿Me ayudas?", id_externo="m-1", direccion=WEB, canal="web"):
    body = {"canal": canal, "direccion": direccion, "texto": texto, "id_externo": id_externo}
    return client.post(f"/v1/canalizaciones/{tid}/mensajes", headers=A, json=body)


def volver(client, tid, direccion=WEB, canal="web"):
    body = {"canal": canal, "direccion": direccion}
    return client.post(f"/v1/canalizaciones/{tid}/volver", headers=A, json=body)


def entregas(client, direccion=WEB, canal="web"):
    body = {"canal": canal, "direccion": direccion}
    return client.post("/v1/canalizaciones/entregas", headers=A, json=body).json()


# ------------------------------------------------------------------ creation
def test_creacion_guarda_el_historial_y_es_idempotente_por_direccion(client_entregas, session):
    historial = [
        {"autor": "persona", "texto": "¿Cuánto cuesta?"},
        {"autor": "asistente", "texto": "Depende de tu ingreso."},
    ]
    r = crear(client_entregas, historial=historial)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    assert r.json()["origen"] == "real"
    assert [(x.autor, x.texto) for x in tickets.hilo(session, tid)] == [
        ("persona", "¿Cuánto cuesta?"),
        ("asistente", "Depende de tu ingreso."),
    ]
    # The same address asking again gets the same case back (no 48 identical cases).
    otra = crear(client_entregas, historial=historial)
    assert (otra.status_code, otra.json()["id"]) == (200, tid)
    assert session.execute(select(func.count(m.Canalizacion.id))).scalar() == 1
    assert len(tickets.hilo(session, tid)) == 2
    # Once closed, a new request opens a new case.
    assert volver(client_entregas, tid).status_code == 200
    nueva = crear(client_entregas)
    assert nueva.status_code == 201 and nueva.json()["id"] != tid


@pytest.mark.parametrize(
    "extra",
    [
        {"historial": [{"autor": "promotor", "texto": "x"}]},
        {"historial": [{"autor": "persona", "texto": "x" * 1001}]},
        {"historial": [{"autor": "persona", "texto": "x"}] * 31},
        {"origen": "inventado"},
    ],
)
def test_creacion_valida_historial_y_origen(client_entregas, extra):
    assert crear(client_entregas, **extra).status_code == 422


def test_origen_y_consulado(client_entregas, session):
    prueba = crear(client_entregas, direccion="web-prueba", origen="prueba").json()
    assert prueba["origen"] == "prueba"
    # The console's Preguntar talks to the bot as "consola-…": never a real case.
    preguntar = crear(client_entregas, direccion="consola-3-abcdef").json()
    assert preguntar["origen"] == "consola"
    # Without a consulate from the bot, the one nearest the person's city.
    con_ciudad = crear(client_entregas, direccion="web-ciudad", ciudad="Chicago, IL").json()
    assert con_ciudad["consulado"] == "Chicago, IL"
    # The queue and its poll leave tests and Preguntar out by default.
    assert [t.id for t in tickets.bandeja(session)] == [con_ciudad["id"]]
    todas = {t.id for t in tickets.bandeja(session, incluir_pruebas=True)}
    assert todas == {prueba["id"], preguntar["id"], con_ciudad["id"]}


# ------------------------------------------------------------------ the person's messages
def test_mensajes_de_la_persona(client_entregas, session):
    tid = crear(client_entregas).json()["id"]
    r = mensaje(client_entregas, tid, "Hola, sigo aquí", "m-1")
    assert r.status_code == 200, r.text
    assert r.json() == {"primero": True, "duplicado": False, "estado": "abierta"}
    # A redelivered webhook: nothing added.
    again = mensaje(client_entregas, tid, "Hola, sigo aquí", "m-1")
    assert again.json() == {"primero": False, "duplicado": True, "estado": "abierta"}
    segundo = mensaje(client_entregas, tid, "¿Me lees?", "m-2")
    assert segundo.json() == {"primero": False, "duplicado": False, "estado": "abierta"}
    persona = [x.texto for x in tickets.hilo(session, tid) if x.autor == "persona"]
    assert persona == ["Hola, sigo aquí", "¿Me lees?"]
    assert tickets.no_leidos(session, [tid]) == {tid: 2}
    acciones = [a for a, _ in auditoria(session, tid)]
    assert acciones.count("canalizacion_mensaje_persona") == 2
    session.expire_all()
    assert session.get(m.Canalizacion, tid).actividad_persona_en is not None


def test_mensajes_404_sin_revelar_y_409_cerrada(client_entregas, session):
    tid = crear(client_entregas).json()["id"]
    otra_dir = mensaje(client_entregas, tid, direccion="web-otra")
    otro_canal = mensaje(client_entregas, tid, canal="whatsapp")
    no_existe = mensaje(client_entregas, 999_999)
    assert {otra_dir.status_code, otro_canal.status_code, no_existe.status_code} == {404}
    assert otra_dir.json() == no_existe.json()  # no leak of which
    assert tickets.hilo(session, tid) == []
    volver(client_entregas, tid)
    cerrada = mensaje(client_entregas, tid, id_externo="m-9")
    assert cerrada.status_code == 409 and cerrada.json()["detail"]
    for body in (
        {"texto": ""},
        {"texto": "x" * 1001},
        {"id_externo": ""},
        {"id_externo": "x" * 101},
    ):
        full = {"canal": "web", "direccion": WEB, "texto": "a", "id_externo": "b", **body}
        r = client_entregas.post(f"/v1/canalizaciones/{tid}/mensajes", headers=A, json=full)
        assert r.status_code == 422


def test_volver_al_asistente_cierra_idempotente_y_auditado(client_entregas, session):
    tid = crear(client_entregas).json()["id"]
    assert entregas(client_entregas)["canalizacion"] == {"ticket": tid, "estado": "abierta"}
    assert volver(client_entregas, tid, direccion="web-otra").status_code == 404
    r = volver(client_entregas, tid)
    assert (r.status_code, r.json()) == (200, {"cerrada": True})
    assert volver(client_entregas, tid).json() == {"cerrada": True}
    session.expire_all()
    fila = session.get(m.Canalizacion, tid)
    assert (fila.estado, fila.motivo_cierre) == ("cerrada", tickets.MOTIVO_VOLVIO)
    assert auditoria(session, tid).count(("canalizacion_volvio_al_asistente", None)) == 1
    # Closed: the channel lets the bot answer again; no notice is queued (the bot answers).
    assert entregas(client_entregas) == {"respuestas": [], "canalizacion": None}


# ------------------------------------------------------------------ state machine
def test_maquina_de_estados(session, ana, beto, admin):
    t = ticket(session, canal="web", direccion=WEB)
    assert t.estado == "abierta"
    tickets.tomar(session, t.id, ana)
    assert t.estado == "tomada"
    with pytest.raises(ErrorApi) as e:
        tickets.cerrar(session, t.id, beto, motivo="no es mío")
    assert e.value.status == 409
    fila = tickets.cerrar(session, t.id, ana, motivo="  Se resolvió   su duda ")
    assert (fila.estado, fila.motivo_cierre) == ("cerrada", "Se resolvió su duda")
    for accion in (tickets.tomar, lambda s, i, p: tickets.responder(s, i, p, "hola")):
        with pytest.raises(ErrorApi) as e:
            accion(session, t.id, ana)
        assert e.value.status == 409
    # The person is told what happens next, once.
    (aviso,) = tickets.entregar_pendientes(session, "web", WEB)
    assert aviso.texto == tickets.AVISO_CIERRE and aviso.autor == "sistema"
    eventos = [x.texto for x in tickets.hilo(session, t.id) if x.autor == "sistema"]
    assert eventos[0] == "Ana tomó el caso." and "Se resolvió su duda" in eventos[1]


def test_nota_privada_nunca_se_entrega(session, ana):
    t = ticket(session, canal="web", direccion=WEB)
    nota = tickets.anotar(session, t.id, ana, "Llamar el lunes; no le digas esto.")
    assert nota.autor == "nota" and nota.estado_entrega is None
    assert tickets.entregar_pendientes(session, "web", WEB) == []
    assert tickets.entregar_pendientes_web(session, [WEB]) == []
    assert ("canalizacion_nota", f"promotor:{ana.id}") in auditoria(session, t.id)
    with pytest.raises(ErrorApi) as e:
        tickets.anotar(session, t.id, ana, "  ")
    assert e.value.status == 422


def test_asignar_a_una_colega_del_mismo_consulado(session, admin):
    eva = promotor(session, "eva", consulado="Chicago, IL")
    lia = promotor(session, "lia", consulado="Chicago, IL")
    ruy = promotor(session, "ruy", consulado="Dallas, TX")
    t = ticket(session, consulado="Chicago, IL")
    tickets.tomar(session, t.id, eva)
    with pytest.raises(ErrorApi) as e:
        tickets.asignar(session, t.id, eva, ruy.id)
    assert e.value.status == 422
    with pytest.raises(ErrorApi) as e:
        tickets.asignar(session, t.id, lia, lia.id)  # Lia cannot take it from Eva herself
    assert e.value.status == 409
    fila = tickets.asignar(session, t.id, eva, lia.id)
    assert (fila.estado, fila.tomada_por) == ("tomada", lia.id)
    assert ("canalizacion_asignada", f"promotor:{eva.id}") in auditoria(session, t.id)
    assert {c.id for c in tickets.colegas(session, fila, eva)} == {eva.id, lia.id, admin.id}


def test_no_leidos_se_reinician_cuando_la_titular_abre_el_caso(client_entregas, session, ana):
    tid = crear(client_entregas).json()["id"]
    mensaje(client_entregas, tid, "uno", "m-1")
    tickets.tomar(session, tid, ana)
    fila = session.get(m.Canalizacion, tid)
    otra = promotor(session, "otra")
    tickets.marcar_leida(session, fila, otra)  # someone else looking does not count
    assert tickets.no_leidos(session, [tid]) == {tid: 1}
    tickets.marcar_leida(session, fila, ana)
    assert tickets.no_leidos(session, [tid]) == {tid: 0}
    mensaje(client_entregas, tid, "dos", "m-2")
    assert tickets.no_leidos(session, [tid]) == {tid: 1}
    assert mensaje(client_entregas, tid, "tres", "m-3").json()["estado"] == "tomada"


# ------------------------------------------------------------------ delivery
def test_pendientes_web_entrega_por_socketio_una_sola_vez(client_entregas, session, ana):
    t1 = ticket(session, canal="web", direccion="web-a")
    t2 = ticket(session, canal="web", direccion="web-b")
    r1 = tickets.responder(session, t1.id, ana, "Hola A")
    r2 = tickets.responder(session, t2.id, ana, "Hola B")
    tickets.responder(session, ticket(session, canal="web", direccion="web-c").id, ana, "C")
    body = {"canal": "web", "direcciones": ["web-a", "web-b", "web-x"]}
    r = client_entregas.post("/v1/canalizaciones/pendientes", headers=A, json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "respuestas": [
            {"direccion": "web-a", "ticket": t1.id, "id": r1.id, "texto": "Hola A",
             "autor_nombre": "Ana"},
            {"direccion": "web-b", "ticket": t2.id, "id": r2.id, "texto": "Hola B",
             "autor_nombre": "Ana"},
        ]
    }  # fmt: skip
    again = client_entregas.post("/v1/canalizaciones/pendientes", headers=A, json=body)
    assert again.json() == {"respuestas": []}
    session.expire_all()
    assert session.get(m.RespuestaCanalizacion, r1.id).entregada_via == "socketio"
    assert session.get(m.RespuestaCanalizacion, r1.id).estado_entrega == "entregada"
    demasiadas = {"canal": "web", "direcciones": [f"web-{i}" for i in range(201)]}
    r = client_entregas.post("/v1/canalizaciones/pendientes", headers=A, json=demasiadas)
    assert r.status_code == 422
    solo_web = {"canal": "whatsapp", "direcciones": ["web-a"]}
    r = client_entregas.post("/v1/canalizaciones/pendientes", headers=A, json=solo_web)
    assert r.status_code == 422


def test_envio_fallido_se_ve_como_fallido_nunca_como_entregado(session, ana, salida):
    t = ticket(session)
    r = tickets.responder(session, t.id, ana, "Ya revisé tu caso.")
    twilio_caido = TwilioFalso(status=400, cuerpo={"code": 21211, "message": "Invalid"})
    assert tickets.entregar_ahora(session, r, t, http_client=twilio_caido) is False
    session.expire_all()
    fila = session.get(m.RespuestaCanalizacion, r.id)
    assert (fila.estado_entrega, fila.entregada_en) == ("fallida", None)
    assert fila.fallo == salida.FALLO_TWILIO
    # The person's next message still carries it, and only then it counts as delivered.
    (entregada,) = tickets.entregar_pendientes(session, "whatsapp", TEL)
    assert entregada.id == r.id and entregada.estado_entrega == "entregada"


def _fuera_de_ventana(session, ana):
    t = ticket(session, creada_en=ahora_utc() - timedelta(hours=30))
    return t, tickets.responder(session, t.id, ana, "Hola")


def test_whatsapp_fuera_de_ventana_sin_sms_queda_fallida_con_motivo(
    session, ana, salida, monkeypatch
):
    monkeypatch.delenv("ORIENTA_TWILIO_NUMERO_SMS")
    t, r = _fuera_de_ventana(session, ana)
    http = TwilioFalso()
    assert tickets.entregar_ahora(session, r, t, http_client=http) is False
    assert http.peticiones == []
    session.expire_all()
    fila = session.get(m.RespuestaCanalizacion, r.id)
    assert (fila.estado_entrega, fila.fallo) == ("fallida", salida.FALLO_VENTANA)


def test_whatsapp_fuera_de_ventana_va_por_sms_al_mismo_numero(session, ana, salida):
    t, r = _fuera_de_ventana(session, ana)
    http = TwilioFalso()
    assert tickets.entregar_ahora(session, r, t, http_client=http) is True
    (peticion,) = http.peticiones
    assert peticion["data"]["To"] == TEL and "Hola" in peticion["data"]["Body"]
    session.expire_all()
    assert session.get(m.RespuestaCanalizacion, r.id).estado_entrega == "entregada"


def test_whatsapp_fuera_de_ventana_con_plantilla_aprobada(session, ana, salida, monkeypatch):
    monkeypatch.setenv("ORIENTA_TWILIO_PLANTILLA_SID", "HX" + "a" * 32)
    t, r = _fuera_de_ventana(session, ana)
    http = TwilioFalso()
    assert tickets.entregar_ahora(session, r, t, http_client=http) is False
    (peticion,) = http.peticiones
    assert peticion["data"]["To"] == f"whatsapp:{TEL}"
    assert peticion["data"]["ContentSid"] == "HX" + "a" * 32
    assert json.loads(peticion["data"]["ContentVariables"]) == {"1": str(t.id)}
    assert "Body" not in peticion["data"]  # the reply's text never goes in the template
    session.expire_all()
    # The reply waits for the person's answer; the thread says the template went out.
    assert session.get(m.RespuestaCanalizacion, r.id).estado_entrega == "pendiente"
    assert salida.AVISO_PLANTILLA in [x.texto for x in tickets.hilo(session, t.id)]


# ------------------------------------------------------------------ timeouts and purge
LUNES_MEDIANOCHE_CHICAGO = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)  # 00:00 CST
LUNES_MEDIODIA_CHICAGO = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)  # 12:00 CST


def test_horario_en_la_zona_del_consulado():
    ajustes = vencidas.AjustesVencidas()
    assert vencidas.en_horario("Chicago, IL", LUNES_MEDIODIA_CHICAGO, ajustes)
    assert not vencidas.en_horario("Chicago, IL", LUNES_MEDIANOCHE_CHICAGO, ajustes)
    # 18:00 UTC is 10:00 in Los Ángeles, 13:00 in Nueva York: both open.
    assert vencidas.en_horario("Los Angeles, CA", LUNES_MEDIODIA_CHICAGO, ajustes)
    # 17:30 UTC on Monday: 09:30 in Los Ángeles (open), 12:30 in Nueva York; 01:30 UTC Tuesday
    # is 17:30 Monday in Los Ángeles (closed).
    assert not vencidas.en_horario(
        "Los Angeles, CA", datetime(2026, 12, 8, 1, 30, tzinfo=timezone.utc), ajustes
    )
    sabado = datetime(2026, 12, 5, 18, 0, tzinfo=timezone.utc)
    assert not vencidas.en_horario("Chicago, IL", sabado, ajustes)


def test_vencidas_fuera_de_horario_se_cierran_con_aviso(session, ana):
    hace_3h = LUNES_MEDIANOCHE_CHICAGO - timedelta(hours=3)
    vieja = ticket(
        session, canal="web", direccion="web-v", consulado="Chicago, IL", creada_en=hace_3h
    )
    reciente = ticket(
        session, canal="web", direccion="web-r", consulado="Chicago, IL",
        creada_en=LUNES_MEDIANOCHE_CHICAGO - timedelta(minutes=30),
    )  # fmt: skip
    tomada = ticket(
        session, canal="web", direccion="web-t", consulado="Chicago, IL", creada_en=hace_3h
    )
    tickets.tomar(session, tomada.id, ana)
    # In office hours nothing closes, however old.
    assert vencidas.cerrar_vencidas(session, LUNES_MEDIODIA_CHICAGO + timedelta(days=1)) == 0
    assert vencidas.cerrar_vencidas(session, LUNES_MEDIANOCHE_CHICAGO) == 1
    session.expire_all()
    fila = session.get(m.Canalizacion, vieja.id)
    assert (fila.estado, fila.motivo_cierre) == ("cerrada", tickets.MOTIVO_FUERA_DE_HORARIO)
    assert session.get(m.Canalizacion, reciente.id).estado == "abierta"
    assert session.get(m.Canalizacion, tomada.id).estado == "tomada"
    (aviso,) = tickets.entregar_pendientes(session, "web", "web-v")
    assert aviso.texto == vencidas.AVISO_VENCIDA
    assert ("canalizacion_vencida", None) in auditoria(session, vieja.id)


def test_purga_los_casos_cerrados_hace_180_dias(session, ana):
    vieja = ticket(session, canal="web", direccion="web-1")
    nueva = ticket(session, canal="web", direccion="web-2")
    for t in (vieja, nueva):
        tickets.anotar(session, t.id, ana, "texto de la persona")
        tickets.cerrar(session, t.id, ana)
    session.get(m.Canalizacion, vieja.id).cerrada_en = ahora_utc() - timedelta(days=181)
    session.commit()
    assert vencidas.purgar_cerradas(session) == 1
    session.expire_all()
    assert session.get(m.Canalizacion, vieja.id) is None
    assert tickets.hilo(session, vieja.id) == []
    assert session.get(m.Canalizacion, nueva.id) is not None and tickets.hilo(session, nueva.id)


def test_la_linea_de_comandos_cuenta_sin_aplicar_y_luego_aplica(
    db_url, session, ana, monkeypatch, capsys
):
    vid = ticket(session, canal="web", direccion="web-cli").id
    tickets.cerrar(session, vid, ana)
    session.get(m.Canalizacion, vid).cerrada_en = ahora_utc() - timedelta(days=200)
    session.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert vencidas.main([]) == 0
    assert "casos purgados (180 días): 1" in capsys.readouterr().out
    session.expire_all()
    assert session.get(m.Canalizacion, vid) is not None  # a dry run deletes nothing
    assert vencidas.main(["--aplicar"]) == 0
    assert "casos purgados (180 días): 1" in capsys.readouterr().out
    session.expire_all()
    assert session.get(m.Canalizacion, vid) is None
