"""The chat widget on a shared computer (Debian's Chromium via Playwright), without Rasa:
a fake Socket.IO client records what the widget sends and plays the bot's answers.

The next person at a consulate computer used to find the previous conversation (CURP, folio,
half-filled form) in localStorage. Now: "Terminar y borrar", expiry after inactivity, kiosk mode
(nothing in browser storage) and no message with personal data stored at all.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # a browser (~20 s): `make test`, not `make test-rapido`

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "servicio" / "web" / "static"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
CURP = "HEGG560427MVZRRL04"

# Replaces window.io before the widget loads (it then never fetches the real client).
FAKE_IO = """
window.__emitted = [];
window.__sockets = 0;
window.io = function () {
  window.__sockets += 1;
  var handlers = {};
  var socket = {
    on: function (ev, fn) { handlers[ev] = fn; return socket; },
    emit: function (ev, data) {
      window.__emitted.push([ev, JSON.parse(JSON.stringify(data))]);
      if (ev === "session_request") setTimeout(function () {
        handlers.session_confirm && handlers.session_confirm(data.session_id);
      }, 0);
    },
    disconnect: function () { window.__emitted.push(["disconnect", null]); },
  };
  window.__bot = function (text) { handlers.bot_uttered({ text: text }); };
  setTimeout(function () { handlers.connect && handlers.connect(); }, 0);
  return socket;
};
"""


def pagina(extra: str = "") -> str:
    return (
        "<!doctype html><html lang='es'><head><meta charset='utf-8'></head>"
        "<body><h1>Consulado</h1><script src='/orienta-chat.js' charset='utf-8' "
        f"data-rasa-url='http://rasa.invalid' {extra}></script>"
        "</body></html>"
    )


@pytest.fixture(scope="module")
def servidor(tmp_path_factory):
    raiz = tmp_path_factory.mktemp("widget")
    for nombre in ("orienta-chat.js", "orienta-chat.css"):
        (raiz / nombre).write_bytes((STATIC / nombre).read_bytes())
    (raiz / "index.html").write_text(pagina())
    (raiz / "kiosko.html").write_text(pagina('data-kiosk="true"'))
    (raiz / "corto.html").write_text(pagina('data-inactividad-min="0.02"'))
    manejador = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(raiz))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), manejador)
    hilo = threading.Thread(target=httpd.serve_forever, daemon=True)
    hilo.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def navegador():
    if not CHROMIUM.exists():
        pytest.skip(f"falta {CHROMIUM} (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        context.add_init_script(FAKE_IO)
        try:
            yield context
        finally:
            context.close()
            browser.close()


def abrir(page) -> None:
    """Opens the panel (after a reload it may already be open: sessionStorage remembers it)."""
    page.wait_for_selector(".oc-root:not([hidden])", state="attached")
    if not page.locator("#oc-panel").is_visible():
        page.get_by_role("button", name="Pregúntale a Orienta").click()


def conversar(page, texto: str, respuesta: str) -> None:
    abrir(page)
    page.locator("#oc-input").fill(texto)
    page.get_by_role("button", name="Enviar").click()
    page.evaluate("t => window.__bot(t)", respuesta)


def almacenado(page) -> str:
    return page.evaluate(
        "() => JSON.stringify(Object.assign({}, localStorage)) + "
        "JSON.stringify(Object.assign({}, sessionStorage))"
    )


def test_terminar_y_borrar(servidor, navegador):
    page = navegador.new_page()
    page.goto(servidor + "/index.html")
    conversar(page, "quiero saber el costo", "Cuesta alrededor de 2,255 pesos al mes.")
    antes = page.evaluate("() => localStorage.getItem('orienta-chat:session')")
    assert "2,255" in almacenado(page)
    page.get_by_role("button", name="Terminar y borrar conversación").click()
    assert "2,255" not in almacenado(page) and "quiero saber" not in almacenado(page)
    despues = page.evaluate("() => localStorage.getItem('orienta-chat:session')")
    assert despues and despues != antes
    assert ["user_uttered", {"message": "/restart", "session_id": antes}] in page.evaluate(
        "() => window.__emitted"
    )
    page.reload()
    abrir(page)
    assert page.locator(".oc-msg").count() == 0  # the next person finds nothing


def test_mensajes_con_datos_personales_no_se_guardan(servidor, navegador):
    page = navegador.new_page()
    page.goto(servidor + "/index.html")
    conversar(page, CURP, "Tu folio es OR-7K2M9P4QXZ. Te escribimos a ana@example.com.")
    guardado = almacenado(page)
    assert CURP not in guardado and "OR-7K2M9P4QXZ" not in guardado
    assert "ana@example.com" not in guardado and "no se guarda en este dispositivo" in guardado
    assert page.locator(".oc-log").inner_text().count("OR-7K2M9P4QXZ") == 1  # still on screen


def test_el_codigo_de_un_solo_uso_no_se_guarda(servidor, navegador):
    """The 6-digit code typed for a status check or an erasure (issue 16, item 1)."""
    page = navegador.new_page()
    page.goto(servidor + "/index.html")
    conversar(page, "482 913", "Tu solicitud está recibida.")
    guardado = almacenado(page)
    assert "482 913" not in guardado and "no se guarda en este dispositivo" in guardado


def test_modo_kiosko_no_escribe_en_el_navegador(servidor, navegador):
    page = navegador.new_page()
    page.goto(servidor + "/kiosko.html")
    conversar(page, "hola", "Hola, ¿en qué te ayudo?")
    assert almacenado(page) == "{}{}"
    page.reload()
    abrir(page)
    assert page.locator(".oc-msg").count() == 0


def test_inactividad_borra_la_conversacion(servidor, navegador):
    page = navegador.new_page()
    page.goto(servidor + "/corto.html")  # 1.2 s of inactivity
    conversar(page, "hola", "Hola, ¿en qué te ayudo?")
    page.wait_for_timeout(1500)
    page.reload()  # the next person opens the page
    abrir(page)
    assert page.locator(".oc-msg").count() == 0
    assert "inactividad" in page.locator(".oc-status").inner_text()
    assert "Hola, ¿en qué" not in almacenado(page)
