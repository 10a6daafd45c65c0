"""channels/nlg.py (Rasa's side) against the real web service: the seed text, a change proposed
and published in the console over HTTP reaching the next answer without a restart, then the
service gone (the bot keeps answering from the repository). Apart from the browser test: sync
Playwright and asyncio tests do not share a module."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.test_editor_navegador import CLAVE, web  # noqa: F401

pytestmark = [pytest.mark.e2e]


@contextmanager
def _consola(base: str, usuario: str) -> Iterator[httpx.Client]:
    import re

    with httpx.Client(base_url=base, follow_redirects=False) as c:
        pagina = c.get("consola/entrar").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', pagina).group(1)
        r = c.post("consola/entrar", data={"usuario": usuario, "clave": CLAVE, "csrf": csrf})
        assert r.status_code == 303
        yield c


async def test_rasas_generator_sees_a_publish_without_a_restart_and_survives_the_service(web):  # noqa: F811
    """channels/nlg.py against the real service: the seed text, a change published in the
    console, then the service stopped (the bot keeps answering from the repository)."""
    import re

    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import conocimiento as kb
    from channels.nlg import TTL_VERSION_S, GeneradorContenido

    base, clave = web
    reloj = [0.0]
    nlg = GeneradorContenido(None, None, reloj=lambda: reloj[0])
    nlg.url, nlg.clave = base + "v1/nlg", clave
    t = DialogueStateTracker("persona", [])
    nombre = "utter_faq/afore_cual_es_mi_afore"
    antes = (await nlg.generate(nombre, t, "rest"))["text"]
    assert antes.endswith("Fuente: CONSAR vía Vanguardia, 24/02/2026; El Mañana, 04/10/2025.")

    nuevo = "Para saber tu AFORE necesitas tu NSS: llama gratis a SARTEL, 55 1328 5000."
    pagina = "consola/contenido/respuestas/afore_cual_es_mi_afore"
    with _consola(base, "ana.perez") as ana:
        html = ana.get(pagina).text
        campo = lambda n: re.search(rf'name="{n}"[^>]*value="([^"]*)"', html).group(1)  # noqa: E731
        import html as h

        datos = {
            "csrf": re.search(r'name="csrf" value="([^"]+)"', html).group(1),
            "titulo": h.unescape(campo("titulo")),
            "corta": nuevo,
            "detalle": h.unescape(re.search(r'name="detalle"[^>]*>([^<]*)<', html).group(1)),
            "fuente": h.unescape(campo("fuente")),
            "revisar_antes_de": campo("revisar_antes_de"),
            "incierto": "no",
            "motivo": "Más corta",
            "accion": "proponer",
        }
        assert ana.post(pagina, data=datos).status_code == 303
    with _consola(base, "eva.editora") as eva:
        html = eva.get(pagina).text
        version = re.search(r"/consola/contenido/versiones/(\d+)/publicar", html).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        r = eva.post(f"consola/contenido/versiones/{version}/publicar", data={"csrf": csrf})
        assert r.status_code == 303

    reloj[0] += TTL_VERSION_S + 1
    assert (await nlg.generate(nombre, t, "rest"))["text"].startswith(nuevo)

    nlg.url = "http://127.0.0.1:9/v1/nlg"  # nothing listens there: the service is down
    reloj[0] += TTL_VERSION_S + 1
    # No domain here, so the short answer's seed is None (Rasa then logs it); never an exception.
    assert await nlg.generate(nombre, t, "rest") is None
    detalle = await nlg.generate("utter_faq_detalle_afore_cual_es_mi_afore", t, "rest")
    assert detalle["text"].startswith(kb.por_id(kb.cargar())["afore_cual_es_mi_afore"].detalle[:30])
