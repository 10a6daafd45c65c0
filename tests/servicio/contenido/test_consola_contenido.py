"""The console's answer editor over HTTP: pages, checks with Spanish reasons, roles, preview,
diff, publish reaching /v1/nlg, rollback, flags from Preguntar, stale list (SQLite + PostgreSQL)."""

from __future__ import annotations

import re

import httpx
import pytest
import respx
from sqlalchemy import select

from servicio.consola import cuentas
from servicio.contenido import almacen
from servicio.inscripcion import modelos as m
from servicio.inscripcion.bd import crear_fabrica_sesiones
from tests.ayudas import ASSISTANT_KEY

CLAVE = "una-clave-larga-2026"
RASA = "http://rasa.test"
ENTRADA = "afore_que_es"
PAGINA = f"/consola/contenido/respuestas/{ENTRADA}"


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
    cuentas.crear(session, "eva", "Eva Editora", CLAVE, rol=m.ROL_EDITOR)


def csrf_de(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def entrar(web, usuario):
    from fastapi.testclient import TestClient

    c = TestClient(web, follow_redirects=False)
    c.__enter__()
    pagina = c.get("/consola/entrar")
    r = c.post(
        "/consola/entrar", data={"usuario": usuario, "clave": CLAVE, "csrf": csrf_de(pagina.text)}
    )
    assert r.status_code == 303
    return c


@pytest.fixture
def ana(web, cuentas_consola):
    c = entrar(web, "ana")
    yield c
    c.__exit__(None, None, None)


@pytest.fixture
def eva(web, cuentas_consola):
    c = entrar(web, "eva")
    yield c
    c.__exit__(None, None, None)


def formulario(c, **cambios) -> dict:
    html = c.get(PAGINA).text
    valor = lambda nombre: re.search(rf'name="{nombre}"[^>]*value="([^"]*)"', html).group(1)  # noqa: E731
    texto = lambda nombre: re.search(rf'name="{nombre}"[^>]*>([^<]*)</textarea>', html).group(1)  # noqa: E731
    import html as h

    datos = {
        "csrf": csrf_de(html),
        "titulo": h.unescape(valor("titulo")),
        "corta": h.unescape(texto("corta")),
        "detalle": h.unescape(texto("detalle")),
        "fuente": h.unescape(valor("fuente")),
        "revisar_antes_de": valor("revisar_antes_de"),
        "incierto": "no",
        "motivo": "Texto más claro",
        "accion": "proponer",
    }
    return {**datos, **cambios}


def nlg_texto(c) -> str:
    r = c.post(
        "/v1/nlg",
        json={"response": f"utter_faq/{ENTRADA}", "arguments": {}, "tracker": {}, "channel": {}},
        headers={"X-API-Key": ASSISTANT_KEY},
    )
    return r.json()["text"]


@pytest.mark.parametrize("pagina", ["/consola/contenido", "/consola/contenido/frescura", PAGINA])
def test_every_page_needs_a_session(web, pagina):
    from fastapi.testclient import TestClient

    with TestClient(web, follow_redirects=False) as c:
        r = c.get(pagina)
    assert r.status_code == 303 and r.headers["location"] == "/consola/entrar"


def test_the_audit_page_names_content_actions(web, ana, eva, session):
    ana.post(PAGINA, data=formulario(ana, corta="Texto nuevo y claro."))
    cuentas.crear(session, "jefa", "Rosa Admin", CLAVE, rol=m.ROL_ADMIN)
    jefa = entrar(web, "jefa")
    try:
        pagina = jefa.get("/consola/auditoria").text
        assert "propuso un cambio de respuesta" in pagina
        # A version is not a registration: no link to /consola/registros/VER-… (a 404).
        assert "VER-" in pagina and 'href="/consola/registros/VER-' not in pagina
    finally:
        jefa.__exit__(None, None, None)


def test_pages_render_for_a_promoter(ana):
    for url in ("/consola/contenido", "/consola/contenido/frescura", PAGINA):
        r = ana.get(url)
        assert r.status_code == 200, url
    assert "Valores anuales" in ana.get("/consola/contenido/frescura").text
    assert 'href="/consola/contenido"' in ana.get("/consola/preguntar").text


def test_preview_shows_checks_and_a_diff_without_saving(ana, session):
    r = ana.post(PAGINA, data=formulario(ana, corta="Usted <b>puede</b>.", accion="vista"))
    assert r.status_code == 200 and "habla de tú" in r.text
    assert "&lt;b&gt;puede&lt;/b&gt;" in r.text and "<b>puede</b>" not in r.text  # escaped
    assert 'class="diff-mas"' in r.text and "WhatsApp" in r.text
    assert len(almacen.historial(session, ENTRADA)) == 1


def test_promoter_proposes_editor_publishes_and_the_bot_changes(ana, eva, session):
    nuevo = "La AFORE guarda tu ahorro para el retiro y es tu cuenta individual."
    r = ana.post(PAGINA, data=formulario(ana, corta=nuevo))
    assert r.status_code == 303
    (v,) = almacen.pendientes(session)
    # The promoter has no publish button and cannot publish by hand.
    assert f"/versiones/{v.id}/publicar" not in ana.get(PAGINA).text
    csrf = csrf_de(ana.get(PAGINA).text)
    r = ana.post(f"/consola/contenido/versiones/{v.id}/publicar", data={"csrf": csrf})
    assert r.status_code == 409 and "Solo una cuenta de edición" in r.text
    assert nuevo not in nlg_texto(eva)
    csrf = csrf_de(eva.get(PAGINA).text)
    r = eva.post(f"/consola/contenido/versiones/{v.id}/publicar", data={"csrf": csrf})
    assert r.status_code == 303
    assert nlg_texto(eva).startswith(nuevo)
    semilla = almacen.historial(session, ENTRADA)[-1]
    r = eva.post(
        f"/consola/contenido/versiones/{semilla.id}/revertir",
        data={"csrf": csrf, "motivo": "volver"},
    )
    assert r.status_code == 303 and not nlg_texto(eva).startswith(nuevo)
    session.expire_all()
    acciones = [a.accion for a in session.execute(select(m.Auditoria)).scalars()]
    assert {"contenido_propuesto", "contenido_publicado", "contenido_revertido"} <= set(acciones)


def test_an_editor_cannot_publish_their_own_change(eva, session):
    assert eva.post(PAGINA, data=formulario(eva, corta="Texto nuevo.")).status_code == 303
    (v,) = almacen.pendientes(session)
    csrf = csrf_de(eva.get(PAGINA).text)
    r = eva.post(f"/consola/contenido/versiones/{v.id}/publicar", data={"csrf": csrf})
    assert r.status_code == 409 and "propio cambio" in r.text


def test_a_bad_date_or_missing_reason_is_a_spanish_error(ana):
    r = ana.post(PAGINA, data=formulario(ana, revisar_antes_de="mañana"))
    assert r.status_code == 422 and "AAAA-MM-DD" in r.text
    r = ana.post(PAGINA, data=formulario(ana, motivo=""))
    assert r.status_code == 422 and "por qué" in r.text


@respx.mock
def test_flag_from_preguntar(ana, eva, session):
    texto = nlg_texto(ana)
    respx.post(f"{RASA}/webhooks/rest/webhook").mock(
        return_value=httpx.Response(200, json=[{"text": texto}])
    )
    csrf = csrf_de(ana.get("/consola/preguntar").text)
    pagina = ana.post("/consola/preguntar", data={"pregunta": "que es la afore", "csrf": csrf})
    assert "Esta respuesta está mal" in pagina.text
    r = ana.post(
        "/consola/contenido/marcar",
        data={"csrf": csrf, "textos": [texto], "motivo": "Falta el teléfono"},
    )
    assert r.status_code == 303
    frescura = eva.get("/consola/contenido/frescura").text
    assert "Falta el teléfono" in frescura
    r = ana.post(
        "/consola/contenido/marcar", data={"csrf": csrf, "textos": ["Hola"], "motivo": "x"}
    )
    assert r.status_code == 422
