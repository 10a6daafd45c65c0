"""Demo consulate page with the Orienta chat widget, on top of the enrollment API.

``uvicorn servicio.web.app:app`` (run ``python -m servicio.inscripcion.migrar`` first). Serves
``GET /`` (the page), ``/static`` (widget, styles, vendored Socket.IO client), the promoters'
console (``/consola``) and everything the enrollment app serves (``/v1``, ``/health``, ``/docs``).
"""

# isort: split
import logging
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.lectura import AVISO_PRIVACIDAD_VERSION
from servicio import twilio_salida
from servicio.consola import rutas as consola
from servicio.inscripcion.ajustes import AjustesServicio as AjustesCliente
from servicio.inscripcion.app import app_diferida
from servicio.inscripcion.app import crear_app as create_enrollment_app

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

log = logging.getLogger("orienta.web")


class AjustesWeb(BaseSettings):
    #: Rasa's public base URL as the *visitor's browser* sees it (the Socket.IO endpoint is
    #: ``<url>/socket.io``). Rendered into the page; never hard-coded in the widget.
    model_config = SettingsConfigDict(env_prefix="ORIENTA_", extra="ignore")

    rasa_public_url: str = "http://localhost:5005"


def rasa_origins(url: str) -> list:
    """CSP ``connect-src`` sources for the Rasa URL (http(s) and the matching ws(s) origin).

    Empty if the URL is not a plain http(s) URL: nothing user-controlled reaches the header.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return []
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return []
    if not all(c.isalnum() or c in ".-" for c in host):
        return []
    netloc = f"{host}:{port}" if port else host
    ws = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{netloc}", f"{ws}://{netloc}"]


def content_security_policy(rasa_url: str) -> str:
    connect = " ".join(["'self'", *rasa_origins(rasa_url)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    )


def _templates() -> jinja2.Environment:
    # Autoescape everything: the Rasa URL comes from the environment and ends up in attributes.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def crear_app(
    settings: AjustesCliente | None = None,
    web_settings: AjustesWeb | None = None,
    consola_settings: Optional["consola.AjustesConsola"] = None,
) -> FastAPI:
    twilio_salida.exigir_secretos()  # before anything starts: no placeholder Twilio token
    app = create_enrollment_app(settings)
    consola.instalar(app, consola_settings)
    web = web_settings or AjustesWeb()
    if not rasa_origins(web.rasa_public_url):
        log.warning("ORIENTA_RASA_PUBLIC_URL no es una URL http(s) válida: %r", web.rasa_public_url)
    app.state.web_settings = web
    env = _templates()
    page = env.get_template("index.html")
    csp = content_security_policy(web.rasa_public_url)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def consulate_page(request: Request, kiosko: str = "") -> HTMLResponse:
        # The page loads the widget by a relative URL; the snippet for other sites is absolute.
        # ?kiosko=1: a shared computer at a consulate, the widget stores nothing in the browser.
        public_base = str(request.base_url).rstrip("/")
        html = page.render(
            rasa_url=web.rasa_public_url, public_base=public_base, kiosko=kiosko == "1"
        )
        return HTMLResponse(
            html,
            headers={
                "Content-Security-Policy": csp,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
                "Cache-Control": "no-cache",
            },
        )

    aviso = env.get_template("privacidad.html").render(version=AVISO_PRIVACIDAD_VERSION)

    @app.get("/privacidad", response_class=HTMLResponse, include_in_schema=False)
    def privacy_notice() -> HTMLResponse:
        """The notice the registration's consent question links to."""
        return HTMLResponse(aviso, headers={"Content-Security-Policy": csp})

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    return app


# ``uvicorn servicio.web.app:app``: built on first access, like ``servicio.inscripcion.app.app``.
__getattr__ = app_diferida(crear_app)
