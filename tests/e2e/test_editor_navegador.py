"""The answers editor in a real browser (Debian's Chromium via Playwright), on the web app alone
(no Rasa needed): a promoter previews and proposes a change, an editor publishes it, and
``/v1/nlg`` (what Rasa asks) gives the new text. The console's CSP forbids eval: any console
error fails the test."""

import subprocess

import httpx
import pytest

from scripts import stack
from tests.e2e.test_navegador import CHROMIUM, TIMEOUT_MS, chromium, free_port  # noqa: F401

pytestmark = [pytest.mark.e2e]

CLAVE = "clave-de-prueba-2026"
ENTRADA = "afore_que_es"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("editor")
    running = stack.Pila(log_dir=tmp)
    env = stack.entorno_base()
    env["DATABASE_URL"] = f"sqlite:///{tmp / 'web.db'}"
    port = free_port()
    try:
        stack.iniciar_web(running, env, port)
        for usuario, rol in (("ana.perez", "promotor"), ("eva.editora", "editor")):
            subprocess.run(
                [stack.PY_SERVICIO, "-m", "servicio.consola.cuentas", "crear", usuario,
                 "--clave-stdin", "--nombre", usuario.title(), "--rol", rol],
                input=CLAVE + "\n", text=True, env=env, check=True, cwd=stack.ROOT,
            )  # fmt: skip
        yield f"http://127.0.0.1:{port}/", env["ORIENTA_ASSISTANT_API_KEY"]
    finally:
        running.stop()


def entrar(browser, base, usuario):
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errores: list[str] = []
    page.on("console", lambda m: errores.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errores.append(str(e)))
    page.goto(base + "consola/entrar")
    page.get_by_label("Usuario").fill(usuario)
    page.get_by_label("Contraseña").fill(CLAVE)
    page.get_by_role("button", name="Entrar").click()
    return context, page, errores


def test_promoter_proposes_editor_publishes_in_the_browser(chromium, web):  # noqa: F811
    from playwright.sync_api import expect

    base, clave = web
    nuevo = "La AFORE guarda tu ahorro para el retiro; en la Ley 97 es tu cuenta individual."
    context, page, errores = entrar(chromium, base, "ana.perez")
    try:
        page.get_by_role("link", name="Respuestas", exact=True).click()
        page.get_by_role("link", name="Qué es la AFORE").first.click()
        page.get_by_label("Respuesta corta (un SMS)").fill("Usted puede consultarla.")
        page.get_by_role("button", name="Revisar y ver vista previa").click()
        expect(page.locator("#revision")).to_contain_text("habla de tú")
        page.get_by_label("Respuesta corta (un SMS)").fill(nuevo)
        page.get_by_role("button", name="Revisar y ver vista previa").click()
        expect(page.locator("#vista")).to_contain_text("parte(s) de SMS")
        expect(page.locator("#diferencias .diff-mas").first).to_contain_text("La AFORE guarda")
        page.get_by_label("Por qué lo cambias").fill("Más corta y clara")
        page.get_by_role("button", name="Proponer cambio").click()
        expect(page.get_by_role("status")).to_contain_text("Una persona editora debe revisarlo")
        expect(page.get_by_role("button", name="Publicar")).to_have_count(0)
        assert not errores, errores
    finally:
        context.close()

    context, page, errores = entrar(chromium, base, "eva.editora")
    try:
        page.goto(base + f"consola/contenido/respuestas/{ENTRADA}")
        page.get_by_role("button", name="Publicar").click()
        expect(page.get_by_role("status")).to_contain_text("Publicada")
        assert not errores, errores
    finally:
        context.close()
    r = httpx.post(
        base + "v1/nlg",
        json={"response": f"utter_faq/{ENTRADA}", "arguments": {}, "tracker": {}, "channel": {}},
        headers={"X-API-Key": clave},
    )
    assert r.json()["text"].startswith(nuevo)
