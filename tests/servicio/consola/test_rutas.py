"""The console over HTTP: login, cookies, CSRF, roles, audit, every page (SQLite + PostgreSQL)."""

from __future__ import annotations

import re

import httpx
import pytest
import respx
from sqlalchemy import select

from bot.tiempo import ahora_utc
from servicio.consola import cuentas, seguridad
from servicio.inscripcion import modelos as m
from servicio.inscripcion.bd import crear_fabrica_sesiones

CLAVE = "una-clave-larga-2026"
CURP = "HEGG560427MVZRRL04"
RASA = "http://rasa.test"
PAGINAS = [
    "/consola/preguntar",
    "/consola/registros",
    "/consola/registros/nuevo",
    "/consola/canalizaciones",
    "/consola/estadisticas",
    "/consola/auditoria",
]
REGISTRO = {
    "consentimiento": "si",
    "curp": CURP,
    "nombre": "Gloria Hernández García",
    "email": "gloria@example.com",
    "telefono": "312 555 0199",
    "residencia": "Chicago, IL",
    "ocupacion": "limpieza de casas",
    "ingreso": "15 mil pesos",
    "moneda": "MXN",
}


@pytest.fixture
def web(settings):
    from servicio.consola.rutas import AjustesConsola
    from servicio.web.app import AjustesWeb, crear_app

    app = crear_app(settings, AjustesWeb(), AjustesConsola(rasa_url=RASA))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def session(web):
    with crear_fabrica_sesiones(web.state.engine)() as s:
        yield s


@pytest.fixture
def cuentas_consola(session):
    cuentas.crear(session, "ana", "Ana Pérez", CLAVE, consulado="Chicago, IL")
    cuentas.crear(session, "jefa", "Rosa Admin", CLAVE, rol=m.ROL_ADMIN)


def cliente(web):
    from fastapi.testclient import TestClient

    return TestClient(web, follow_redirects=False)


def csrf_de(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def entrar(c, usuario="ana", clave=CLAVE):
    pagina = c.get("/consola/entrar")
    return c.post(
        "/consola/entrar", data={"usuario": usuario, "clave": clave, "csrf": csrf_de(pagina.text)}
    )


@pytest.fixture
def promotor(web, cuentas_consola):
    with cliente(web) as c:
        assert entrar(c).status_code == 303
        yield c


@pytest.fixture
def admin(web, cuentas_consola):
    with cliente(web) as c:
        assert entrar(c, "jefa").status_code == 303
        yield c


def csrf(c, url="/consola/preguntar") -> str:
    return csrf_de(c.get(url).text)


def registrar(c, **cambios) -> httpx.Response:
    return c.post("/consola/registros/nuevo", data={**REGISTRO, **cambios, "csrf": csrf(c)})


def buscar(c, q: str) -> httpx.Response:
    return c.post("/consola/registros", data={"q": q, "csrf": csrf(c)})


def auditoria(session, accion=None):
    stmt = select(m.Auditoria).order_by(m.Auditoria.id)
    if accion:
        stmt = stmt.where(m.Auditoria.accion == accion)
    session.expire_all()
    return list(session.execute(stmt).scalars())


# ------------------------------------------------------------------ login and session
@pytest.mark.parametrize("pagina", PAGINAS + ["/consola"])
def test_every_page_needs_a_session(web, pagina):
    with cliente(web) as c:
        r = c.get(pagina)
    assert r.status_code == 303 and r.headers["location"] == "/consola/entrar"


def test_login_sets_a_strict_httponly_cookie(web, cuentas_consola):
    with cliente(web) as c:
        r = entrar(c)
    assert r.status_code == 303 and r.headers["location"] == "/consola/preguntar"
    galleta = next(h for h in r.headers.get_list("set-cookie") if h.startswith("orienta_consola="))
    assert "HttpOnly" in galleta and "SameSite=strict" in galleta and "Path=/consola" in galleta


def test_wrong_password_and_missing_form_token(web, cuentas_consola):
    with cliente(web) as c:
        r = entrar(c, clave="otra-clave-larga-1")
        assert r.status_code == 401 and "Usuario o contraseña incorrectos" in r.text
        sin_token = c.post("/consola/entrar", data={"usuario": "ana", "clave": CLAVE, "csrf": "x"})
        assert sin_token.status_code == 400 and "caducó" in sin_token.text
        assert "orienta_consola=" not in "".join(sin_token.headers.get_list("set-cookie"))


def _atrasar_fallos(web, segundos: float) -> None:
    """Moves every recorded failure ``segundos`` into the past (time passing)."""
    from datetime import timedelta

    with crear_fabrica_sesiones(web.state.engine)() as s:
        for fila in s.execute(select(m.IntentoLogin)).scalars():
            fila.en = fila.en - timedelta(seconds=segundos)
        s.commit()


def test_login_is_delayed_not_locked(web, cuentas_consola):
    with cliente(web) as c:
        for _ in range(seguridad.UMBRAL_USUARIO + 5):  # someone else guessing Ana's password
            entrar(c, clave="otra-clave-larga-1")
        r = entrar(c)  # even the right password waits a little now
        assert r.status_code == 429 and "Espera" in r.text and "segundos" in r.text
        _atrasar_fallos(web, seguridad.ESPERA_MAX.total_seconds() + 1)
        assert entrar(c).status_code == 303  # a minute later Ana gets in: nothing was locked


def test_a_spoofed_forwarded_for_does_not_reset_the_delay(web, cuentas_consola):
    """Without a configured proxy, X-Forwarded-For is ignored: rotating it changes nothing."""
    with cliente(web) as c:
        for i in range(seguridad.UMBRAL_IP + 2):
            c.headers["X-Forwarded-For"] = f"203.0.113.{i}"
            entrar(c, usuario=f"nadie{i}", clave="otra-clave-larga-1")
        c.headers["X-Forwarded-For"] = "198.51.100.7"
        r = entrar(c, usuario="otra-persona", clave="otra-clave-larga-1")
    assert r.status_code == 429


def test_login_busy_hashing_is_a_spanish_503(web, cuentas_consola, monkeypatch):
    import threading

    monkeypatch.setattr(seguridad, "_HASHES", threading.BoundedSemaphore(1))
    monkeypatch.setattr(seguridad, "ESPERA_HASH_S", 0.01)
    with cliente(web) as c:
        pagina = c.get("/consola/entrar")
        seguridad._HASHES.acquire()
        try:
            r = c.post(
                "/consola/entrar",
                data={"usuario": "ana", "clave": CLAVE, "csrf": csrf_de(pagina.text)},
            )
        finally:
            seguridad._HASHES.release()
    assert r.status_code == 503 and "Intenta de nuevo" in r.text


def test_logout_ends_the_session(promotor):
    r = promotor.post("/consola/salir", data={"csrf": csrf(promotor)})
    assert r.status_code == 303
    assert promotor.get("/consola/registros").headers["location"] == "/consola/entrar"


def test_pages_are_not_cached_framed_or_scripted_inline(promotor):
    r = promotor.get("/consola/preguntar")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text and " style=" not in r.text


# ------------------------------------------------------------------ CSRF and roles
@pytest.mark.parametrize(
    "url",
    ["/consola/preguntar", "/consola/registros/nuevo", "/consola/salir"],
)
def test_posts_without_the_session_token_are_refused(promotor, url):
    r = promotor.post(url, data={"pregunta": "hola", **REGISTRO, "csrf": "robado"})
    assert r.status_code == 403 and "Recarga la página" in r.text


def test_a_token_from_another_session_is_refused(web, promotor, cuentas_consola):
    with cliente(web) as otro:
        entrar(otro, "jefa")
        ajeno = csrf(otro)
    r = promotor.post("/consola/registros/nuevo", data={**REGISTRO, "csrf": ajeno})
    assert r.status_code == 403


def test_audit_page_is_for_admins_only(promotor, admin):
    assert promotor.get("/consola/auditoria").status_code == 403
    r = admin.get("/consola/auditoria")
    assert r.status_code == 200 and "Auditoría" in r.text


def _mover(c, folio, destino, **campos) -> httpx.Response:
    url = f"/consola/registros/{folio}"
    return c.post(f"{url}/estado", data={"destino": destino, **campos, "csrf": csrf(c, url)})


LINEA = {
    "nss": "12345678903",
    "linea_captura": "IMSS1234567890AB",
    "linea_monto": "1520.50",
    "linea_vence_en": "2026-12-20",
}


def test_the_case_moves_through_its_states_from_the_console(promotor, session):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    pagina = promotor.get(f"/consola/registros/{folio}").text
    assert "solicitud recibida por la ventanilla" in pagina and "Anotar cita o llamada" in pagina
    assert promotor.post(f"/consola/registros/{folio}/pago", data={}).status_code in (404, 405)
    assert _mover(promotor, folio, "en_proceso").status_code == 303
    # A required field missing: 422, the typed values come back, nothing moves.
    falta = _mover(promotor, folio, "hecha_en_imss", **{**LINEA, "linea_captura": ""})
    assert falta.status_code == 422 and "Falta: Línea de captura" in falta.text
    assert 'value="1520.50"' in falta.text
    assert _mover(promotor, folio, "hecha_en_imss", **LINEA).status_code == 303
    detalle = promotor.get(f"/consola/registros/{folio}").text
    assert "IMSS1234567890AB" in detalle and "emitida por el IMSS" in detalle
    assert "registró lo que emitió el IMSS" in detalle  # the history
    ficha = promotor.get(f"/consola/registros/{folio}/ficha").text
    assert "IMSS1234567890AB" in ficha and "Emitida por el IMSS" in ficha
    assert "20 de diciembre de 2026" in ficha
    # Skipping a step is refused with a Spanish 409.
    salto = _mover(promotor, folio, "clinica_asignada")
    assert salto.status_code == 409 and "No se puede pasar" in salto.text
    assert _mover(promotor, folio, "pagada").status_code == 303
    pasos = [a.accion for a in auditoria(session) if a.folio == folio and "estado_" in a.accion]
    assert pasos == ["estado_en_proceso", "estado_hecha_en_imss", "estado_pagada"]
    assert all(a.actor.startswith("promotor:") for a in auditoria(session) if a.accion in pasos)
    reg = session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()
    assert reg.estado == "pagada" and reg.linea_monto == 1520.5
    avisos = list(session.execute(select(m.Aviso).where(m.Aviso.registro_id == reg.id)).scalars())
    assert len(avisos) == 3 and "activ" not in " ".join(a.texto for a in avisos).lower()


def test_closing_needs_a_reason_and_a_move_needs_the_form_token(promotor, session):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    sin_token = promotor.post(
        f"/consola/registros/{folio}/estado", data={"destino": "cerrada", "motivo": "x"}
    )
    assert sin_token.status_code == 403
    assert _mover(promotor, folio, "cerrada").status_code == 422
    assert _mover(promotor, folio, "cerrada", motivo="No volvió a la cita").status_code == 303
    pagina = promotor.get(f"/consola/registros/{folio}").text
    assert "caso cerrado" in pagina and "No volvió a la cita" in pagina
    assert "Este caso ya no admite cambios" in pagina
    assert _mover(promotor, folio, "en_proceso").status_code == 409


def test_the_reminders_toggle_is_audited(promotor, session):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    url = f"/consola/registros/{folio}"
    r = promotor.post(f"{url}/recordatorios", data={"activar": "si", "csrf": csrf(promotor, url)})
    assert r.status_code == 303
    reg = session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()
    session.refresh(reg)
    assert reg.recordatorios is True
    assert auditoria(session, "recordatorios_alta")[-1].folio == folio


# ------------------------------------------------------------------ registros and audit
def test_assisted_registration_then_detail_is_audited(promotor, session):
    r = registrar(promotor)
    assert r.status_code == 303
    folio = r.headers["location"].rsplit("/", 1)[1]
    detalle = promotor.get(r.headers["location"])
    assert detalle.status_code == 200
    assert folio in detalle.text and "Gloria Hernández García" in detalle.text
    reg = session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()
    assert reg.linea_captura is None and reg.origen == "consola"
    assert "Referencia de pago" not in detalle.text and "Todavía no es tu alta en el IMSS" in (
        detalle.text
    )
    ana = session.execute(select(m.Promotor).where(m.Promotor.usuario == "ana")).scalar_one()
    acciones = [(a.accion, a.actor) for a in auditoria(session) if a.folio == folio]
    assert acciones == [
        ("registro_creado", f"promotor:{ana.id}"),
        ("consola_vista", f"promotor:{ana.id}"),
    ]


def test_assisted_registration_with_period_nss_and_mexican_address(promotor, session):
    formulario = promotor.get("/consola/registros/nuevo").text
    for nombre in ("periodo", "nss", "domicilio_estado", "domicilio_cp", "domicilio_colonia"):
        assert f'name="{nombre}"' in formulario, nombre
    r = registrar(
        promotor,
        ingreso="6000",
        moneda="MXN",
        periodo="quincena",
        nss="12345678903",
        domicilio_estado="Jalisco",
        domicilio_municipio="Zapopan",
        domicilio_cp="45010",
        domicilio_colonia="Centro",
    )
    assert r.status_code == 303, r.text
    folio = r.headers["location"].rsplit("/", 1)[1]
    reg = session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()
    assert reg.ingreso_mensual == 12000 and reg.nss == "12345678903"
    assert (reg.domicilio_estado, reg.domicilio_cp) == ("Jalisco", "45010")
    # The registration's page shows what the IMSS form will need (before any línea exists).
    pagina = promotor.get(f"/consola/registros/{folio}").text
    assert "12345678903" in pagina and "Centro, CP 45010, Zapopan, Jalisco" in pagina


def test_invalid_registration_keeps_what_was_typed(promotor, session):
    r = registrar(promotor, email="gloria@", curp="XXXX")
    assert r.status_code == 422
    assert 'value="gloria@"' in r.text and "Gloria Hernández García" in r.text
    assert r.text.count('class="error"') >= 2
    assert session.execute(select(m.Registro)).first() is None


def test_search_lists_and_audits_every_record_shown(promotor, session):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    r = buscar(promotor, "gloria hernandez")
    assert folio in r.text
    assert [a.folio for a in auditoria(session, "consola_busqueda")] == [folio]
    nada = buscar(promotor, "<script>x</script>")
    assert "&lt;script&gt;" in nada.text and "<script>x" not in nada.text


@pytest.mark.parametrize("q", ["gloria hernandez", CURP])
def test_search_never_reads_the_url(promotor, session, q):
    """A CURP or a name in ?q= would sit in access logs, the browser history and Referer."""
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    r = promotor.get("/consola/registros", params={"q": q})
    assert r.status_code == 200 and folio not in r.text
    assert auditoria(session, "consola_busqueda") == []
    assert 'method="post" action="/consola/registros"' in r.text
    assert folio in buscar(promotor, q).text


def test_search_needs_the_csrf_token(promotor):
    r = promotor.post("/consola/registros", data={"q": CURP})
    assert r.status_code == 403


def test_print_page_is_audited(promotor, session):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    r = promotor.get(f"/consola/registros/{folio}/ficha")
    assert r.status_code == 200 and "data-imprimir" in r.text
    assert "no sirve para pagar" in r.text and "Ficha de pago" not in r.text
    assert [a.folio for a in auditoria(session, "consola_ficha")] == [folio]


def test_unknown_folio_is_a_spanish_404(promotor):
    r = promotor.get("/consola/registros/OR-0000000000")
    assert r.status_code == 404 and "No existe un registro" in r.text


# ------------------------------------------------------------------ preguntar
@respx.mock
def test_ask_shows_the_assistant_answer_escaped(promotor):
    ruta = respx.post(f"{RASA}/webhooks/rest/webhook").mock(
        return_value=httpx.Response(
            200,
            json=[{"text": "Sí, puedes inscribirte. Fuente: IMSS <b>2021</b>"}],
        )
    )
    r = promotor.post(
        "/consola/preguntar", data={"pregunta": "¿puedo inscribirme?", "csrf": csrf(promotor)}
    )
    assert r.status_code == 200
    assert "Sí, puedes inscribirte. Fuente: IMSS &lt;b&gt;2021&lt;/b&gt;" in r.text
    enviado = ruta.calls.last.request
    assert b'"sender":"consola-' in enviado.content.replace(b" ", b"")
    # Rasa's per-address limits count the promoter's address, not the web app's.
    assert enviado.headers["x-forwarded-for"] == "testclient"


@respx.mock
def test_ask_when_rasa_is_down(promotor):
    respx.post(f"{RASA}/webhooks/rest/webhook").mock(side_effect=httpx.ConnectError("down"))
    r = promotor.post("/consola/preguntar", data={"pregunta": "hola", "csrf": csrf(promotor)})
    assert r.status_code == 200 and "El asistente no respondió" in r.text


# ------------------------------------------------------------------ canalizaciones and stats
@pytest.fixture
def ticket(session):
    fila = m.Canalizacion(
        resumen="Pide hablar con una persona (Orienta, WhatsApp).\nTemas consultados: costo.",
        canal="whatsapp",
        direccion_canal="+13125550199",
        consulado="Chicago, IL",
        estado="abierta",
        creada_en=ahora_utc(),
    )
    session.add(fila)
    session.commit()
    return fila.id


def test_ticket_take_reply_close(promotor, session, ticket):
    assert f"#{ticket}" in promotor.get("/consola/canalizaciones").text
    url = f"/consola/canalizaciones/{ticket}"
    detalle = promotor.get(url)
    assert "+13125550199" in detalle.text
    assert [a.folio for a in auditoria(session, "consola_vista_canalizacion")] == [f"CAN-{ticket}"]
    assert promotor.post(f"{url}/tomar", data={"csrf": csrf(promotor, url)}).status_code == 303
    vacia = promotor.post(f"{url}/responder", data={"texto": "  ", "csrf": csrf(promotor, url)})
    assert vacia.status_code == 422
    r = promotor.post(
        f"{url}/responder", data={"texto": "Hola, te llamo mañana.", "csrf": csrf(promotor, url)}
    )
    assert r.status_code == 303 and r.headers["location"].endswith("aviso=pendiente")
    assert "Hola, te llamo mañana." in promotor.get(url).text
    assert promotor.post(f"{url}/cerrar", data={"csrf": csrf(promotor, url)}).status_code == 303
    session.expire_all()
    assert session.get(m.Canalizacion, ticket).estado == "cerrada"
    assert f"#{ticket}" not in promotor.get("/consola/canalizaciones").text  # only pending ones


def test_audit_page_links_tickets_and_channel_labels(promotor, admin, ticket):
    url = f"/consola/canalizaciones/{ticket}"
    detalle = promotor.get(url)
    assert "WhatsApp · +13125550199" in detalle.text
    assert "WhatsApp" in promotor.get("/consola/canalizaciones").text
    r = admin.get("/consola/auditoria")
    assert f'<a href="{url}">CAN-{ticket}</a>' in r.text


def test_statistics_page_renders_charts(promotor):
    r = promotor.get("/consola/estadisticas")
    assert r.status_code == 200 and "<svg" in r.text


# ------------------------------------------------------------------ scope by consulate
@pytest.fixture
def ticket_houston(session):
    fila = m.Canalizacion(
        resumen="Pide hablar con una persona (Orienta, SMS).",
        canal="telefono",
        direccion_canal="+17135550123",
        consulado="Houston, TX",
        estado="abierta",
        creada_en=ahora_utc(),
    )
    session.add(fila)
    session.commit()
    return fila.id


@pytest.fixture
def folio_houston(admin, session):
    """A registration an admin made for a person of Houston (Ana's consulate is Chicago)."""
    from tests.ayudas import make_curp

    r = registrar(admin, residencia="Houston, TX", curp=make_curp())
    assert r.status_code == 303, r.text
    folio = r.headers["location"].rsplit("/", 1)[1].split("?")[0]
    consulado = session.execute(
        select(m.Registro.consulado).where(m.Registro.folio == folio)
    ).scalar_one()
    assert consulado and consulado != "Chicago, IL"
    return folio


def test_promoter_gets_404_outside_their_consulate(promotor, admin, folio_houston, session):
    """Ana (Chicago) used to open, print and send any registration of the country."""
    for url in (f"/consola/registros/{folio_houston}", f"/consola/registros/{folio_houston}/ficha"):
        r = promotor.get(url)
        assert r.status_code == 404 and "No existe un registro con ese folio" in r.text
    enviar = promotor.post(
        f"/consola/registros/{folio_houston}/enviar", data={"csrf": csrf(promotor)}
    )
    assert enviar.status_code == 404
    assert 'id="resultados"' not in buscar(promotor, folio_houston).text
    assert folio_houston not in buscar(promotor, "gloria hernandez").text
    assert auditoria(session, "consola_vista") == []  # nothing shown, nothing audited
    assert admin.get(f"/consola/registros/{folio_houston}").status_code == 200  # national


def test_promoter_cases_are_their_consulates(promotor, admin, ticket, ticket_houston):
    lista = promotor.get("/consola/canalizaciones").text
    assert f"#{ticket}" in lista and f"#{ticket_houston}" not in lista
    url = f"/consola/canalizaciones/{ticket_houston}"
    assert promotor.get(url).status_code == 404
    for accion in ("tomar", "cerrar"):
        r = promotor.post(f"{url}/{accion}", data={"csrf": csrf(promotor)})
        assert r.status_code == 404, accion
    r = promotor.post(f"{url}/responder", data={"texto": "Hola", "csrf": csrf(promotor)})
    assert r.status_code == 404
    assert f"#{ticket_houston}" in admin.get("/consola/canalizaciones").text


def test_promoter_statistics_are_their_consulates_funnel(promotor, admin, folio_houston, session):
    otro = session.execute(
        select(m.Registro.consulado).where(m.Registro.folio == folio_houston)
    ).scalar_one()
    r = promotor.get("/consola/estadisticas")
    assert r.status_code == 200 and 'id="solo-consulado"' in r.text
    assert otro not in r.text and 'id="sin-respuesta"' not in r.text
    nacional = admin.get("/consola/estadisticas").text
    assert otro in nacional and 'id="solo-consulado"' not in nacional


def test_name_searches_are_budgeted_per_hour(promotor, session, monkeypatch):
    from servicio.consola import registros

    monkeypatch.setattr(registros, "BUSQUEDAS_NOMBRE_POR_HORA", 2)
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    assert folio in buscar(promotor, "gloria").text
    assert folio in buscar(promotor, "hernandez").text
    r = buscar(promotor, "garcia")
    assert folio not in r.text and "búsquedas por nombre en una hora" in r.text
    assert folio in buscar(promotor, CURP).text  # by CURP still works


# ------------------------------------------------------------------ numbers only from Twilio
@pytest.fixture
def envios(monkeypatch):
    """Twilio configured; the send itself recorded instead of calling Twilio."""
    from servicio import twilio_salida

    for k, v in {
        "ORIENTA_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "ORIENTA_TWILIO_AUTH_TOKEN": "token-de-prueba-0123456789",
        "ORIENTA_TWILIO_NUMERO_SMS": "+15005550006",
        "ORIENTA_TWILIO_NUMERO_WHATSAPP": "whatsapp:+14155238886",
    }.items():
        monkeypatch.setenv(k, v)
    hechos: list[tuple[str, str]] = []

    def enviar(canal, telefono, texto, *a, **k):
        hechos.append((canal, telefono))
        return True

    monkeypatch.setattr(twilio_salida, "enviar", enviar)
    return hechos


def _enviar_referencia(c, folio: str, canal: str) -> str:
    url = f"/consola/registros/{folio}"
    r = c.post(f"{url}/enviar", data={"canal": canal, "csrf": csrf(c, url)})
    assert r.status_code == 303
    return r.headers["location"]


def test_a_typed_number_is_never_messaged(promotor, session, envios):
    """Someone registered through the web chat with a stranger's number: the promoter's
    "send by SMS/WhatsApp" used to message it. Now only a number that wrote to us in a request
    signed by Twilio gets a message."""
    from servicio.inscripcion import contactos

    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]
    reg = session.execute(select(m.Registro).where(m.Registro.folio == folio)).scalar_one()
    reg.origen = m.ORIGEN_ASISTENTE  # as if the chat had created it
    session.commit()
    for canal in ("telefono", "whatsapp"):
        assert _enviar_referencia(promotor, folio, canal).endswith("aviso=no_verificado")
    assert envios == []
    assert (
        "ese número no nos ha escrito"
        in promotor.get(f"/consola/registros/{folio}?aviso=no_verificado").text
    )
    contactos.registrar_firmado(session, "whatsapp", reg.telefono)  # the person writes, signed
    assert _enviar_referencia(promotor, folio, "whatsapp").endswith("aviso=enviada")
    assert envios == [("whatsapp", reg.telefono)]


def test_sms_to_a_number_typed_by_the_promoter_in_person(promotor, session, envios):
    folio = registrar(promotor).headers["location"].rsplit("/", 1)[1]  # origen consola
    assert _enviar_referencia(promotor, folio, "telefono").endswith("aviso=enviada")
    # WhatsApp needs the person's own signed message in the last 24 hours, whoever typed it.
    assert _enviar_referencia(promotor, folio, "whatsapp").endswith("aviso=no_verificado")
    assert [c for c, _ in envios] == ["telefono"]


# ------------------------------------------------------------------ the inbox (issue 17)
def _mensaje_de_persona(session, ticket_id: int, texto: str, id_externo: str) -> None:
    from servicio.inscripcion import canalizaciones as tickets

    fila = session.get(m.Canalizacion, ticket_id)
    tickets.mensaje_de_persona(
        session, ticket_id, fila.canal, fila.direccion_canal, texto, id_externo
    )


def test_inbox_thread_unread_note_assign_and_close(promotor, session, ticket):
    from servicio.inscripcion import canalizaciones as tickets

    cuentas.crear(session, "lia", "Lía Gómez", CLAVE, consulado="Chicago, IL")
    _mensaje_de_persona(session, ticket, "¿Alguien me lee?", "wamid-1")
    lista = promotor.get("/consola/canalizaciones")
    assert f'data-no-leidos="{ticket}">1<' in lista.text and "esperando" in lista.text
    novedades = promotor.get("/consola/canalizaciones/novedades.json").json()
    assert novedades["no_leidos"] == 1 and novedades["casos"][0]["id"] == ticket
    assert "¿Alguien" not in str(novedades)  # counts and ids only
    url = f"/consola/canalizaciones/{ticket}"
    promotor.post(f"{url}/tomar", data={"csrf": csrf(promotor, url)})
    detalle = promotor.get(url)
    assert "¿Alguien me lee?" in detalle.text and "Ana Pérez tomó el caso." in detalle.text
    # Opened by the holder: nothing unread any more.
    assert promotor.get("/consola/canalizaciones/novedades.json").json()["no_leidos"] == 0
    # Canned answers from the knowledge base, to insert and edit.
    assert 'data-insertar-en="texto"' in detalle.text and "<option value=" in detalle.text
    nota = promotor.post(
        f"{url}/nota", data={"texto": "Llamarle el lunes", "csrf": csrf(promotor, url)}
    )
    assert nota.status_code == 303
    assert "Nota privada de Ana Pérez" in promotor.get(url).text
    ultimo = promotor.get(f"{url}/novedades.json").json()["ultimo"]
    _mensaje_de_persona(session, ticket, "Gracias", "wamid-2")
    assert promotor.get(f"{url}/novedades.json").json()["ultimo"] > ultimo
    lia = session.execute(select(m.Promotor).where(m.Promotor.usuario == "lia")).scalar_one()
    r = promotor.post(f"{url}/asignar", data={"colega": lia.id, "csrf": csrf(promotor, url)})
    assert r.status_code == 303 and r.headers["location"].endswith("aviso=asignada")
    session.expire_all()
    assert session.get(m.Canalizacion, ticket).tomada_por == lia.id
    # Ana may still see it (her consulate) but not close it: Lía holds it now.
    cerrar = promotor.post(f"{url}/cerrar", data={"motivo": "x", "csrf": csrf(promotor, url)})
    assert cerrar.status_code == 409
    tickets.cerrar(session, ticket, lia, motivo="Se resolvió")
    assert "Se resolvió" in promotor.get(url).text
    acciones = {a.accion for a in auditoria(session) if a.folio == f"CAN-{ticket}"}
    assert {"canalizacion_tomada", "canalizacion_nota", "canalizacion_asignada"} <= acciones


def test_inbox_close_with_reason_tells_the_person(promotor, session, ticket):
    from servicio.inscripcion import canalizaciones as tickets

    url = f"/consola/canalizaciones/{ticket}"
    r = promotor.post(
        f"{url}/cerrar", data={"motivo": "Ya tiene su folio", "csrf": csrf(promotor, url)}
    )
    assert r.status_code == 303
    session.expire_all()
    fila = session.get(m.Canalizacion, ticket)
    assert (fila.estado, fila.motivo_cierre) == ("cerrada", "Ya tiene su folio")
    (aviso,) = tickets.entregar_pendientes(session, fila.canal, fila.direccion_canal)
    assert aviso.texto == tickets.AVISO_CIERRE


def test_inbox_scope_origin_filter_and_search(promotor, admin, session, ticket, ticket_houston):
    prueba = m.Canalizacion(
        resumen="Prueba automática",
        canal="web",
        direccion_canal="web-prueba",
        consulado="Chicago, IL",
        estado="abierta",
        creada_en=ahora_utc(),
        origen="prueba",
    )
    session.add(prueba)
    session.commit()
    lista = promotor.get("/consola/canalizaciones").text
    assert f"#{ticket}<" in lista and f"#{ticket_houston}<" not in lista
    assert f"#{prueba.id}<" not in lista  # tests are left out by default
    assert f"#{prueba.id}<" in promotor.get("/consola/canalizaciones?pruebas=1").text
    ids = [c["id"] for c in promotor.get("/consola/canalizaciones/novedades.json").json()["casos"]]
    assert ids == [ticket]
    fuera = promotor.get(f"/consola/canalizaciones/{ticket_houston}/novedades.json")
    assert fuera.status_code == 404
    # Admins: every consulate, or one.
    todas = admin.get("/consola/canalizaciones").text
    assert f"#{ticket}<" in todas and f"#{ticket_houston}<" in todas
    houston = admin.get("/consola/canalizaciones?consulado=Houston, TX").text
    assert f"#{ticket_houston}<" in houston and f"#{ticket}<" not in houston
    # Search by case number, in a POST body; outside the scope, nothing.
    url = "/consola/canalizaciones"
    encontrado = promotor.post(
        f"{url}/buscar", data={"q": f"#{ticket}", "csrf": csrf(promotor, url)}
    )
    assert f"#{ticket}<" in encontrado.text
    fuera = promotor.post(
        f"{url}/buscar", data={"q": str(ticket_houston), "csrf": csrf(promotor, url)}
    )
    assert f"#{ticket_houston}<" not in fuera.text and "No encontramos casos" in fuera.text
    assert promotor.post(f"{url}/buscar", data={"q": "1"}).status_code == 403


def test_inbox_search_by_name_finds_the_linked_registration(promotor, session):
    r = registrar(promotor)
    folio = r.headers["location"].rsplit("/", 1)[1].split("?")[0]
    fila = m.Canalizacion(
        resumen="Pide hablar con una persona.",
        canal="whatsapp",
        direccion_canal="+13125550199",
        consulado="Chicago, IL",
        estado="abierta",
        creada_en=ahora_utc(),
        folio=folio,
    )
    session.add(fila)
    session.commit()
    url = "/consola/canalizaciones"
    r = promotor.post(f"{url}/buscar", data={"q": "gloria hernandez", "csrf": csrf(promotor, url)})
    assert f"#{fila.id}<" in r.text
    detalle = promotor.get(f"{url}/{fila.id}").text
    assert f'href="/consola/registros/{folio}"' in detalle


def test_inbox_shows_a_failed_delivery_as_failed(promotor, session, ticket):
    from servicio.inscripcion import canalizaciones as tickets

    p = session.execute(select(m.Promotor).where(m.Promotor.usuario == "ana")).scalar_one()
    r = tickets.responder(session, ticket, p, "Hola")
    tickets.marcar_fallida(session, r.id, "Twilio no aceptó el mensaje")
    texto = promotor.get(f"/consola/canalizaciones/{ticket}").text
    assert "no entregada: Twilio no aceptó el mensaje" in texto and "entregada 0" not in texto
