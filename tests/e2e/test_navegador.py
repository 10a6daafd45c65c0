"""The chat widget in a real browser (Debian's Chromium via Playwright) against the real stack:
action server + Rasa (trained model, socket.io channel) + the web app serving the consulate page.

Needs /usr/bin/chromium (`make browser`). Screenshots go to var/log/webchat*.png.
"""

import functools
import http.server
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from scripts import model_cache, stack
from tests.e2e.conversacion import detalle

pytestmark = [pytest.mark.e2e, pytest.mark.model]

RASA_PORT, ACTIONS_PORT = 5205, 5255
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = stack.VAR / "log"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
TIMEOUT_MS = 30_000
PROMOTORA, CLAVE = "ana.perez", "clave-de-prueba-2026"
#: The web service's database of the running stack (web_url), for the console over HTTP.
BASE_DATOS: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(
            f"No se encontró {CHROMIUM}: las pruebas de navegador usan el Chromium de Debian "
            "(Playwright no puede descargar navegadores aquí). Ejecuta `make browser`.",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)  # Rasa's first answer can take a few seconds
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def web_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webchat")
    endpoints = stack.archivo_endpoints(tmp, ACTIONS_PORT)
    running = stack.Pila(log_dir=tmp)
    env = stack.entorno_base()
    env["DATABASE_URL"] = BASE_DATOS["url"] = f"sqlite:///{tmp / 'web.db'}"
    port = free_port()
    env["ORIENTA_RASA_PUBLIC_URL"] = f"http://127.0.0.1:{RASA_PORT}"
    env["ORIENTA_RASA_URL"] = f"http://127.0.0.1:{RASA_PORT}"  # the console's Preguntar
    env["ORIENTA_SERVICE_URL"] = f"http://127.0.0.1:{port}"
    try:
        stack.iniciar_acciones(running, env, ACTIONS_PORT)
        stack.iniciar_web(running, env, port)  # runs the migrations first
        crear = [
            stack.PY_SERVICIO,
            "-m",
            "servicio.consola.cuentas",
            "crear",
            PROMOTORA,
            "--clave-stdin",
        ]
        crear += ["--nombre", "Ana Pérez", "--consulado", "Chicago, IL"]
        subprocess.run(crear, input=CLAVE + "\n", text=True, env=env, check=True, cwd=stack.ROOT)
        model = model_cache.ensure_model()
        stack.iniciar_rasa(running, env, model, RASA_PORT, endpoints=str(endpoints))
        yield f"http://127.0.0.1:{port}/"
    finally:
        running.stop()


def open_page(browser, url, **context_args):
    from playwright.sync_api import expect

    context = browser.new_context(locale="es-MX", **context_args)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    launcher = page.get_by_role("button", name="Pregúntale a Orienta")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    return context, page, errors


def open_widget(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Pregúntale a Orienta").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(".oc-status")).to_be_hidden()  # connected, session confirmed
    expect(page.get_by_role("textbox", name="Escribe tu mensaje")).to_be_focused()


def say(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Escribe tu mensaje")
    box.fill(text)
    box.press("Enter")


def mensajes_cuando_se_calman(page, quieto_s: float = 1.5, limite_s: float = 15) -> list[str]:
    """The transcript once no message has arrived for `quieto_s`: Rasa may answer a turn with
    several bubbles, and counting between two of them made the reload checks flaky."""
    import time

    textos = page.locator(".oc-msg").all_inner_texts()
    quieto_desde, fin = time.monotonic(), time.monotonic() + limite_s
    while time.monotonic() < fin and time.monotonic() - quieto_desde < quieto_s:
        page.wait_for_timeout(250)
        ahora = page.locator(".oc-msg").all_inner_texts()
        if ahora != textos:
            textos, quieto_desde = ahora, time.monotonic()
    return textos


def bot_messages(page):
    return page.locator(".oc-msg--bot")


def test_conversation_in_the_browser(chromium, web_url, domain):
    from playwright.sync_api import expect

    context, page, errors = open_page(chromium, web_url, viewport={"width": 1280, "height": 800})
    try:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Salud y seguridad social")
        open_widget(page)
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Asistente automático, no es una persona")
        expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
        expect(page.locator(".oc-root")).to_have_attribute("lang", "es")
        assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"
        expect(page.get_by_role("button", name="Pregúntale a Orienta")).to_be_hidden()

        # Greeting with the topic buttons.
        say(page, "hola")
        expect(page.locator(".oc-msg--user").last).to_have_text("Tú: hola")
        expect(bot_messages(page).filter(has_text="Orienta").first).to_be_visible()
        option = page.locator('.oc-option[data-payload="¿Cuánto cuesta?"]')
        expect(option).to_be_visible()
        assert option.evaluate("b => b.tagName") == "BUTTON"

        # A button sends its payload and shows its title as the user's message.
        title = option.inner_text()
        option.click()
        expect(page.locator(".oc-msg--user").last).to_have_text(f"Tú: {title}")
        # The next step is typing: focus is on the input, not lost with the removed buttons.
        expect(page.get_by_role("textbox", name="Escribe tu mensaje")).to_be_focused()
        expect(bot_messages(page).filter(has_text="Fuente").first).to_be_visible()
        # Old option buttons are gone once the user has answered.
        expect(page.locator('.oc-option[data-payload="¿Qué es PTI?"]')).to_have_count(0)

        # Reload: same session id, same transcript, panel still open, tracker kept by Rasa.
        session_id = page.evaluate("localStorage.getItem('orienta-chat:session')")
        transcript = mensajes_cuando_se_calman(page)
        assert len(transcript) >= 4
        page.reload()
        expect(page.get_by_role("dialog")).to_be_visible()
        expect(page.locator(".oc-msg")).to_have_count(len(transcript))
        assert page.locator(".oc-msg").all_inner_texts() == transcript
        assert page.evaluate("localStorage.getItem('orienta-chat:session')") == session_id
        assert page.evaluate("typeof window.__xss") == "undefined"
        expect(page.locator(".oc-status")).to_be_hidden()

        # Keyboard: Escape closes and gives focus back to the launcher; Enter reopens.
        page.get_by_role("textbox", name="Escribe tu mensaje").focus()
        page.keyboard.press("Escape")
        launcher = page.get_by_role("button", name="Pregúntale a Orienta")
        expect(launcher).to_be_focused()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("Enter")
        expect(launcher).to_be_hidden()
        expect(page.get_by_role("textbox", name="Escribe tu mensaje")).to_be_focused()

        # Rasa still has the conversation: "más" continues the last topic (the cost).
        detail = detalle("pago_cuanto_cuesta").splitlines()[0]
        say(page, "más")
        expect(bot_messages(page).filter(has_text=detail)).not_to_have_count(0)

        # Links are real anchors built from plain text; the text is not HTML.
        say(page, "Vi esto en www.imss.gob.mx/pti, y https://example.org/a?b=1.")
        link = page.locator('.oc-msg--user a[href="https://www.imss.gob.mx/pti"]')
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(page.locator('.oc-msg--user a[href="https://example.org/a?b=1"]')).to_have_count(1)

        # Markup in a message is shown as text and never runs.
        before = bot_messages(page).count()
        say(page, f"prueba {XSS}")
        user_msg = page.locator(".oc-msg--user").last
        expect(user_msg).to_contain_text("<script>window.__xss=1</script>")
        expect(user_msg).to_contain_text('<img src=x onerror="window.__xss=1">')
        expect(page.locator(".oc-root img, .oc-root script")).to_have_count(0)
        expect(bot_messages(page)).not_to_have_count(before)  # Rasa answered something
        assert page.evaluate("typeof window.__xss") == "undefined"

        # The stored transcript is re-rendered as text too.
        count = len(mensajes_cuando_se_calman(page))
        page.reload()
        expect(page.locator(".oc-msg")).to_have_count(count)
        expect(page.locator(".oc-root img, .oc-root script")).to_have_count(0)
        assert page.evaluate("typeof window.__xss") == "undefined"

        expect(page.locator(".oc-status")).to_be_hidden()
        at_end = "l => l.scrollTop + l.clientHeight >= l.scrollHeight - 2"
        assert page.get_by_role("log").evaluate(at_end), "the log should show the last message"
        page.screenshot(path=str(SHOTS / "webchat.png"))
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()


def test_a_promoter_reply_is_a_persons_message_in_the_chat(chromium, web_url):
    """Issue 17: the reply arrives without the person writing, with the promoter's name and
    role, not as the bot's; what the person writes then goes to her (one acknowledgement)."""
    import re

    from playwright.sync_api import expect

    from bot import canalizacion as reglas
    from scripts.consola_http import ConsolaHttp

    context, page, errors = open_page(chromium, web_url, viewport={"width": 1280, "height": 800})
    consola = ConsolaHttp(web_url.rstrip("/"), BASE_DATOS["url"], rol="admin")
    try:
        open_widget(page)
        say(page, "quiero hablar con una persona")
        creada = bot_messages(page).filter(has_text="solicitud").last
        expect(creada).to_contain_text("horario de oficina del consulado")
        ticket = re.search(r"solicitud (\d+)", creada.inner_text()).group(1)
        assert consola.enviar(f"/consola/canalizaciones/{ticket}/tomar").status_code == 303
        r = consola.enviar(f"/consola/canalizaciones/{ticket}/responder", texto="Hola, te ayudo.")
        assert r.status_code == 303, r.text
        de_ella = page.locator(".oc-msg--promotor")
        expect(de_ella).to_contain_text("Hola, te ayudo.")
        expect(de_ella.locator(".oc-author")).to_contain_text("promotora del consulado")
        expect(page.locator(".oc-msg--promotor .oc-author__name")).not_to_have_text("")
        # The header no longer says "not a person" while a person answers.
        expect(page.locator(".oc-disclaimer")).to_have_text(
            "Te atiende una persona promotora del consulado"
        )

        say(page, "Gracias, espero")
        expect(bot_messages(page).filter(has_text=reglas.ACUSE[:30])).to_have_count(1)
        expect(page.locator(".oc-typing")).to_be_hidden()
        page.screenshot(path=str(SHOTS / "webchat-promotora.png"))
        assert not errors, errors
    finally:
        consola.close()
        context.close()


def test_mobile_full_screen_panel(chromium, web_url):
    from playwright.sync_api import expect

    size = {"width": 390, "height": 844}
    context, page, errors = open_page(chromium, web_url, viewport=size, is_mobile=True)
    try:
        page.screenshot(path=str(SHOTS / "webchat-mobile-page.png"))
        open_widget(page)
        say(page, "hola")
        expect(bot_messages(page).filter(has_text="Orienta").first).to_be_visible()
        box = page.get_by_role("dialog").bounding_box()
        assert box == {"x": 0, "y": 0, **size}
        page.screenshot(path=str(SHOTS / "webchat-mobile.png"))
        assert not errors, errors
    finally:
        context.close()


@pytest.fixture
def other_site(tmp_path):
    """A static page on another local origin (a plain http.server), like a consulate's site."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        (tmp_path / "index.html").write_text(html)
        return f"http://127.0.0.1:{server.server_address[1]}/index.html"

    try:
        yield publish
    finally:
        server.shutdown()
        server.server_close()


def test_offline_state_is_shown_in_spanish(chromium, web_url, other_site):
    """The single embed tag on another site, pointing at a Rasa that is down."""
    from playwright.sync_api import expect

    dead = f"http://127.0.0.1:{free_port()}"
    url = other_site(
        "<!doctype html><html lang='es'><head><meta charset='utf-8'><title>Otro sitio</title>"
        "</head><body><h1>Sitio del consulado</h1>"
        f'<script src="{web_url}static/orienta-chat.js" data-rasa-url="{dead}" defer></script>'
        "</body></html>"
    )
    context = chromium.new_context(locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(url)
        page.get_by_role("button", name="Pregúntale a Orienta").click()
        expect(page.get_by_role("status")).to_contain_text("Reintentando")
        say(page, "hola")  # kept and shown; sent once the connection is back
        expect(page.locator(".oc-msg--user")).to_have_text("Tú: hola")
        # No answer within the typing timeout: a notice with a retry, read out (role="alert").
        aviso = page.get_by_role("alert")
        expect(aviso).to_contain_text("No recibí respuesta")
        expect(aviso.get_by_role("button", name="Reintentar")).to_be_visible()
        expect(page.locator(".oc-typing")).to_be_hidden()
    finally:
        context.close()


# ------------------------------------------------------------------ promoter console
def test_promoter_console_in_the_browser(chromium, web_url):
    """Log in, ask a question, register a person at the desk (fixing a typo) and find them."""
    from playwright.sync_api import expect

    context = chromium.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(web_url + "consola")
        expect(page).to_have_url(web_url + "consola/entrar")
        page.get_by_label("Usuario").fill(PROMOTORA)
        page.get_by_label("Contraseña").fill("no-es-la-clave-123")
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("alert")).to_contain_text("Usuario o contraseña incorrectos")
        page.get_by_label("Usuario").fill(PROMOTORA)
        page.get_by_label("Contraseña").fill(CLAVE)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Preguntar al asistente")
        cookie = next(c for c in context.cookies() if c["name"] == "orienta_consola")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        # Preguntar: the assistant's own answer, with its source.
        page.get_by_label("Pregunta").fill("¿cuánto cuesta el seguro?")
        page.get_by_role("button", name="Preguntar").click()
        expect(page.locator("#respuesta")).to_contain_text("Fuente")
        expect(page.get_by_role("button", name="Copiar respuesta")).to_be_visible()

        # Assisted registration: a typo is reported and nothing else is lost.
        page.get_by_role("link", name="Registros", exact=True).click()
        page.get_by_role("link", name="Registro asistido").click()
        page.get_by_label("La persona leyó o escuchó").check()
        page.get_by_label("CURP").fill("HEGG560427MVZRRL04")
        page.get_by_label("Nombre completo").fill("Gloria Hernández García")
        page.get_by_label("Correo electrónico").fill("gloria@@example")
        page.get_by_label("Teléfono").fill("312 555 0199")
        page.get_by_label("Ciudad donde vive").fill("Chicago, Illinois")
        page.get_by_label("Ocupación").fill("limpieza de casas")
        page.get_by_label("Ingreso mensual").fill("2,000 dólares")
        page.get_by_role("button", name="Registrar").click()
        expect(page.locator("#email-error")).to_be_visible()
        expect(page.get_by_label("Nombre completo")).to_have_value("Gloria Hernández García")
        expect(page.get_by_label("La persona leyó o escuchó")).to_be_checked()
        page.get_by_label("Correo electrónico").fill("gloria@example.com")
        page.get_by_role("button", name="Registrar").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Registro OR-")
        folio = heading.inner_text().split()[-1]
        expect(page.locator("#texto-confirmacion")).to_contain_text("no es tu alta en el IMSS")
        expect(page.get_by_role("link", name="Imprimir hoja")).to_be_visible()

        # The list finds it by name, without accents.
        page.get_by_role("link", name="Registros", exact=True).click()
        page.get_by_label("Buscar por folio, CURP o nombre").fill("gloria hernandez")
        page.get_by_role("button", name="Buscar").click()
        expect(page.locator("#resultados")).to_contain_text(folio)
        expect(page.locator("#resultados")).to_contain_text("solicitud recibida")
        page.screenshot(path=str(SHOTS / "consola.png"))
        # The wrong password (401) and the invalid form (422) are answers, not errors.
        esperados = ("status of 401", "status of 422")
        assert not [e for e in errors if not any(x in e for x in esperados)], errors
    finally:
        context.close()
