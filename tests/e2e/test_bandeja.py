"""Issue 17: the promoters' inbox in a real browser (Debian's Chromium via Playwright) against the
real web app (uvicorn, SQLite). No Rasa: the channel's side of the handoff is played through the
service's API with the assistant key, exactly the calls the channels make.

A person asks for someone (case with the conversation before it), writes while waiting; the
promoter's queue shows the unread count without reloading; the promoter opens the thread, inserts
an approved answer, edits and sends it; the web chat's poll receives it; the promoter closes with
a reason and the person is told what happens next. CSP forbids eval: waits poll from Python.
"""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from scripts import stack
from tests.e2e.test_navegador import CHROMIUM_ARGS, TIMEOUT_MS, chromium, free_port  # noqa: F401

pytestmark = [pytest.mark.e2e]

PROMOTORA, CLAVE = "lia.gomez", "clave-de-prueba-2026"
WEB = "web-bandeja-e2e"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bandeja")
    running = stack.Pila(log_dir=tmp)
    env = stack.entorno_base()
    env["DATABASE_URL"] = f"sqlite:///{tmp / 'web.db'}"
    port = free_port()
    try:
        stack.iniciar_web(running, env, port)
        crear = [stack.PY_SERVICIO, "-m", "servicio.consola.cuentas", "crear", PROMOTORA]
        crear += ["--clave-stdin", "--nombre", "Lía Gómez", "--consulado", "Chicago, IL"]
        subprocess.run(crear, input=CLAVE + "\n", text=True, env=env, check=True, cwd=stack.ROOT)
        yield f"http://127.0.0.1:{port}", {"X-API-Key": env["ORIENTA_ASSISTANT_API_KEY"]}
    finally:
        running.stop()


def _esperar(condicion, limite_s: float = 20.0) -> bool:
    fin = time.monotonic() + limite_s
    while time.monotonic() < fin:
        if condicion():
            return True
        time.sleep(0.25)
    return False


def test_inbox_live_update_reply_and_close(chromium, web):  # noqa: F811
    from playwright.sync_api import expect

    url, clave = web
    api = httpx.Client(base_url=url, headers=clave, timeout=10)
    caso = api.post(
        "/v1/canalizaciones",
        json={
            "resumen": "Pide hablar con una persona (Orienta, chat web).",
            "canal": "web",
            "direccion_canal": WEB,
            "consulado": "Chicago, IL",
            "historial": [{"autor": "persona", "texto": "¿Puedo inscribir a mi mamá?"}],
        },
    )
    assert caso.status_code == 201, caso.text
    tid = caso.json()["id"]

    context = chromium.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errores: list[str] = []
    page.on("pageerror", lambda e: errores.append(str(e)))
    try:
        page.goto(url + "/consola/entrar")
        page.get_by_label("Usuario").fill(PROMOTORA)
        page.get_by_label("Contraseña").fill(CLAVE)
        page.get_by_role("button", name="Entrar").click()
        page.goto(url + "/consola/canalizaciones")
        insignia = page.locator(f'[data-no-leidos="{tid}"]')
        expect(insignia).to_have_text("")
        # The person writes while waiting: the count appears without reloading.
        r = api.post(
            f"/v1/canalizaciones/{tid}/mensajes",
            json={"canal": "web", "direccion": WEB, "texto": "¿Hay alguien?", "id_externo": "e1"},
        )
        assert r.json()["primero"] is True
        assert _esperar(lambda: insignia.inner_text() == "1"), "sin actualización en vivo"

        page.get_by_role("link", name=f"#{tid}").click()
        hilo = page.locator(".hilo")
        expect(hilo).to_contain_text("¿Puedo inscribir a mi mamá?")
        expect(hilo).to_contain_text("¿Hay alguien?")
        # An approved answer goes into the box, to edit before sending.
        opciones = page.locator("#aprobada option")
        assert opciones.count() > 1
        page.locator("#aprobada").select_option(index=1)
        caja = page.get_by_label("Tu respuesta para la persona")
        assert _esperar(lambda: len(caja.input_value()) > 10)
        caja.fill("Hola, soy Lía. " + caja.input_value())
        page.get_by_role("button", name="Enviar respuesta").click()
        expect(page.locator(".aviso").first).to_be_visible()

        # The web chat's poll (what the socket.io channel does every ~2 s) gets it once.
        entregas = api.post(
            "/v1/canalizaciones/pendientes", json={"canal": "web", "direcciones": [WEB]}
        ).json()["respuestas"]
        assert [(e["ticket"], e["autor_nombre"]) for e in entregas] == [(tid, "Lía")]
        assert entregas[0]["texto"].startswith("Hola, soy Lía.")
        # A new message of the person: the open case offers to reload.
        api.post(
            f"/v1/canalizaciones/{tid}/mensajes",
            json={"canal": "web", "direccion": WEB, "texto": "¡Gracias!", "id_externo": "e2"},
        )
        aviso = page.locator("#aviso-novedades")
        assert _esperar(aviso.is_visible), "el caso no avisó del mensaje nuevo"

        page.reload()
        page.get_by_label("Motivo del cierre").fill("Se resolvió su duda")
        page.on("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Cerrar caso").click()
        expect(page.locator("dl.datos")).to_contain_text("Se resolvió su duda")
        final = api.post(
            "/v1/canalizaciones/pendientes", json={"canal": "web", "direcciones": [WEB]}
        ).json()["respuestas"]
        assert [e["texto"] for e in final] == [
            "Tu conversación con la promotora terminó. Si necesitas algo más, escribe PROMOTOR."
        ]
        cerrada = api.post(
            f"/v1/canalizaciones/{tid}/mensajes",
            json={"canal": "web", "direccion": WEB, "texto": "hola", "id_externo": "e3"},
        )
        assert cerrada.status_code == 409  # the bot answers again
        assert not errores, errores
    finally:
        context.close()
        api.close()
