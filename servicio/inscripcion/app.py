"""Application factory. ``uvicorn servicio.inscripcion.app:app`` (run the migrations first)."""

import logging
import re
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.validacion import ErrorValidacion
from servicio.contenido import almacen as contenido
from servicio.contenido import api as api_contenido
from servicio.inscripcion import (
    api,
    api_canalizaciones,
    api_metricas,
    operaciones,
)
from servicio.inscripcion import esquemas as s
from servicio.inscripcion.ajustes import AjustesServicio
from servicio.inscripcion.bd import crear_fabrica_sesiones, crear_motor
from servicio.inscripcion.proxy import ClienteReal, leer_redes

log = logging.getLogger("orienta.enrollment")

DESCRIPTION = """API de inscripción de Orienta (personas trabajadoras independientes, IMSS).

Todas las rutas salvo `/health` requieren el encabezado `X-API-Key`. Los errores tienen la forma
`{"detail": [{"campo": "...", "mensaje": "..."}]}` con mensajes en español.
Las cotizaciones son **estimaciones**: el monto oficial es el que calcula el IMSS.
"""


# ------------------------------------------------------------------ errors
def _err(status: int, mensaje: str, campo: str | None = None, headers=None) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"campo": campo, "mensaje": mensaje}]}, status_code=status, headers=headers
    )


async def _validation_handler(request: Request, exc: RequestValidationError):
    detail = [
        {
            "campo": None if e.get("type") == "json_invalid" else s.campo_de(e.get("loc", ())),
            "mensaje": s.mensaje_en_espanol(e),
        }
        for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def _domain_validation_handler(request: Request, exc: ErrorValidacion):
    return _err(422, exc.mensaje, exc.campo)


async def _api_error_handler(request: Request, exc: operaciones.ErrorApi):
    headers = {"WWW-Authenticate": "X-API-Key"} if exc.status == 401 else None
    return _err(exc.status, exc.mensaje, exc.campo, headers)


_HTTP_MESSAGES = {
    404: "Recurso no encontrado.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande.",
}


async def _http_handler(request: Request, exc: StarletteHTTPException):
    msg = _HTTP_MESSAGES.get(exc.status_code, "No se pudo procesar la petición.")
    return _err(exc.status_code, msg, headers=getattr(exc, "headers", None))


async def _database_down(request: Request, exc: OperationalError):
    # The database is unreachable: a Spanish 503 the assistant's client treats as "service down"
    # (it keeps the data and offers to retry), and no traceback with the statement in the log.
    log.error("base de datos no disponible en %s %s", request.method, request.url.path)
    return _err(503, "El servicio no puede guardar ni consultar datos ahora; intenta más tarde.")


async def _unhandled(request: Request, exc: Exception):
    log.error("error interno %s en %s %s", type(exc).__name__, request.method, request.url.path)
    return _err(500, "Error interno del servicio; intenta más tarde.")


# ------------------------------------------------------------------ middleware
class BodySizeLimit:
    """Reject request bodies larger than ``limit`` bytes with 413 (checks Content-Length and
    buffers chunked bodies up to the limit)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                return await self._reject(scope, receive, send)
            return await self.app(scope, receive, send)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                return await self._reject(scope, receive, send)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _reject(self, scope, receive, send):
        resp = _err(413, f"El cuerpo de la petición supera el límite de {self.limit} bytes.")
        await resp(scope, receive, send)


class RedactQueryFilter(logging.Filter):
    """Strip query strings (they may carry a CURP) from uvicorn access-log lines."""

    _QS = re.compile(r"\?.*$")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            if isinstance(args[2], str):
                args[2] = self._QS.sub("?[omitido]", args[2])
            record.args = tuple(args)
        return True


def _install_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in access.filters):
        access.addFilter(RedactQueryFilter())


# ------------------------------------------------------------------ factory
def crear_app(settings: AjustesServicio | None = None) -> FastAPI:
    settings = settings or AjustesServicio()
    settings.exigir_secretos()
    engine = crear_motor(settings.database_url, settings.db_pool_size)
    docs = settings.api_docs
    app = FastAPI(
        title="Orienta — servicio de inscripción PTI",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = crear_fabrica_sesiones(engine)
    app.include_router(api.health_router)
    app.include_router(api.router)
    app.include_router(api_canalizaciones.router)
    app.include_router(api_metricas.router)
    app.include_router(api_contenido.router)
    app.exception_handler(RequestValidationError)(_validation_handler)
    app.exception_handler(operaciones.ErrorApi)(_api_error_handler)
    app.exception_handler(ErrorValidacion)(_domain_validation_handler)
    app.exception_handler(StarletteHTTPException)(_http_handler)
    app.exception_handler(OperationalError)(_database_down)
    app.exception_handler(Exception)(_unhandled)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    # Outermost: everything below sees the client a trusted proxy names, or the peer.
    app.add_middleware(ClienteReal, redes=leer_redes(settings.proxies_confiables))
    _install_log_redaction()

    @app.on_event("startup")
    def _sembrar_contenido() -> None:
        contenido.sembrar_al_iniciar(app.state.sessionmaker)

    @app.on_event("shutdown")
    def _dispose() -> None:  # pragma: no cover - trivial
        engine.dispose()

    return app


def app_diferida(factory: Callable[[], FastAPI]) -> Callable[[str], FastAPI]:
    """A module ``__getattr__`` that builds ``app`` on first access, so importing the module
    (tests, migrations) never needs the secrets that ``create_app`` checks."""
    built: list[FastAPI] = []

    def module_getattr(name: str) -> FastAPI:
        if name != "app":
            raise AttributeError(name)
        if not built:
            built.append(factory())
        return built[0]

    return module_getattr


__getattr__ = app_diferida(crear_app)
