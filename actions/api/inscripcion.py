"""Typed async client for the enrollment service (``servicio/inscripcion``), for the Rasa actions.

* One shared ``httpx.AsyncClient`` per process (created lazily), timeout ≤ 3 s.
* Results are values (:class:`RespuestaServicio`), never exceptions, so actions stay thin adapters.
* Retry policy: exactly one retry, only on connection errors/timeouts/502/503/504, and only for
  calls that are safe to repeat:

  - ``cotizar`` is read-only;
  - ``registrar`` always sends an ``Idempotency-Key`` (the service replays the first answer);
  - ``crear_canalizacion`` also always sends an ``Idempotency-Key`` (the service supports it on
    ``POST /v1/canalizaciones``), so a repeat cannot open a second ticket;
  - ``pedir_codigo``, ``consultar`` and ``eliminar`` are NOT retried: a repeat would send a second
    SMS, or find the one-time code already spent (or the registration already erased) and tell
    the person the wrong thing.

* Logging: operation name, folio/ticket ids, status codes and attempt numbers only. The CURP and
  the one-time code travel in JSON bodies, never in a URL; a filter on httpx's own logger still
  strips query strings from its lines.
* Status and erasure need proof of ownership (issue 16): ``pedir_codigo`` makes the service send
  a one-time code to the phone on file, and ``consultar`` / ``eliminar`` carry it. Failed attempts
  are counted per folio and per conversation (``conversacion``, the Rasa sender id) and lock
  (``BLOQUEADO``). An existing CURP is ``YA_EXISTE`` with no folio, amount or data.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

log = logging.getLogger("orienta.actions.enrollment")

MAX_TIMEOUT_S = 3.0
DEFAULT_URL = "http://localhost:8000"
RETRY_STATUS = frozenset({502, 503, 504})

NO_DISPONIBLE = "no_disponible"
NO_ENCONTRADO = "no_encontrado"
INVALIDO = "invalido"
CONFLICTO = "conflicto"
NO_AUTORIZADO = "no_autorizado"
YA_EXISTE = "ya_existe"  # an open registration with that CURP exists (nothing of it is said)
CODIGO_INCORRECTO = "codigo_incorrecto"  # wrong, spent or expired one-time code
BLOQUEADO = "bloqueado"  # too many failed attempts for that folio or conversation
CONSULTA, BORRADO = "consulta", "borrado"  # what a one-time code is for


# ------------------------------------------------------------------ settings
@dataclass(frozen=True)
class AjustesCliente:
    base_url: str = DEFAULT_URL
    api_key: str = field(default="", repr=False)
    timeout_s: float = MAX_TIMEOUT_S

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        timeout = self.timeout_s if 0 < self.timeout_s <= MAX_TIMEOUT_S else MAX_TIMEOUT_S
        object.__setattr__(self, "timeout_s", float(timeout))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AjustesCliente:
        env = os.environ if env is None else env
        raw_timeout = env.get("ORIENTA_SERVICE_TIMEOUT_S", "")
        try:
            timeout = float(raw_timeout) if raw_timeout.strip() else MAX_TIMEOUT_S
        except ValueError:
            timeout = MAX_TIMEOUT_S
        return cls(
            base_url=env.get("ORIENTA_SERVICE_URL") or DEFAULT_URL,
            api_key=env.get("ORIENTA_ASSISTANT_API_KEY", ""),
            timeout_s=timeout,
        )


# ------------------------------------------------------------------ result
@dataclass(frozen=True)
class RespuestaServicio:
    ok: bool
    datos: dict | None = None
    error: str | None = None
    mensajes: list[str] = field(default_factory=list)
    campos: list[str] = field(default_factory=list)
    status: int | None = None

    @classmethod
    def exito(cls, datos: dict, status: int) -> RespuestaServicio:
        return cls(ok=True, datos=datos, status=status)

    @classmethod
    def fallo(
        cls,
        error: str,
        status: int | None = None,
        mensajes: list[str] | None = None,
        campos: list[str] | None = None,
    ) -> RespuestaServicio:
        return cls(
            ok=False, error=error, mensajes=mensajes or [], campos=campos or [], status=status
        )


def _errores(response: httpx.Response) -> tuple[list[str], list[str]]:
    """Spanish messages and field names from ``{"detail": [{"campo", "mensaje"}]}``."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return [], []
    if isinstance(detail, str):
        return [detail], []
    mensajes, campos = [], []
    for item in detail if isinstance(detail, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("mensaje"):
            mensajes.append(str(item["mensaje"]))
        if item.get("campo"):
            campos.append(str(item["campo"]))
    return mensajes, campos


def _resultado(response: httpx.Response) -> RespuestaServicio:
    status = response.status_code
    if 200 <= status < 300:
        try:
            datos = response.json()
        except ValueError:
            return RespuestaServicio.fallo(NO_DISPONIBLE, status)
        if not isinstance(datos, dict):
            return RespuestaServicio.fallo(NO_DISPONIBLE, status)
        return RespuestaServicio.exito(datos, status)
    mensajes, campos = _errores(response)
    if status == 404:
        return RespuestaServicio.fallo(NO_ENCONTRADO, status, mensajes, campos)
    if status in (400, 413, 422):
        return RespuestaServicio.fallo(INVALIDO, status, mensajes, campos)
    if status == 409:
        error = YA_EXISTE if "curp" in campos else CONFLICTO
        return RespuestaServicio.fallo(error, status, mensajes, campos)
    if status == 403 and "codigo" in campos:
        return RespuestaServicio.fallo(CODIGO_INCORRECTO, status, mensajes, campos)
    if status == 429:
        return RespuestaServicio.fallo(BLOQUEADO, status, mensajes, campos)
    if status in (401, 403):
        return RespuestaServicio.fallo(NO_AUTORIZADO, status, mensajes, campos)
    return RespuestaServicio.fallo(NO_DISPONIBLE, status, mensajes, campos)


def _json_num(value: Any) -> Any:
    """Decimals travel as JSON numbers (the service accepts them as condecimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# ------------------------------------------------------------------ log redaction
class _RedactQuery(logging.Filter):
    """httpx logs ``HTTP Request: METHOD URL ...`` at INFO; drop query strings from it."""

    _QS = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                self._QS.sub("?[omitido]", str(a)) if isinstance(a, httpx.URL | str) else a
                for a in record.args
            )
        elif isinstance(record.msg, str) and "?" in record.msg:
            record.msg = self._QS.sub("?[omitido]", record.msg)
        return True


def _install_redaction() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactQuery) for f in logger.filters):
            logger.addFilter(_RedactQuery())


_install_redaction()


# ------------------------------------------------------------------ client
class ClienteServicio:
    def __init__(
        self,
        settings: AjustesCliente | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or AjustesCliente.from_env()
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(
                base_url=self.settings.base_url,
                timeout=httpx.Timeout(self.settings.timeout_s),
                headers={"X-API-Key": self.settings.api_key, "Accept": "application/json"},
                transport=self._transport,
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        json: dict | None = None,
        params: dict | None = None,
        headers: dict | None = None,
        retry: bool,
        log_id: str | None = None,
    ) -> RespuestaServicio:
        """``path`` must never contain personal data; ``log_id`` is a folio/ticket id or None."""
        attempts = 2 if retry else 1
        resultado = RespuestaServicio.fallo(NO_DISPONIBLE)
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                log.warning(
                    "enrollment %s id=%s intento=%d fallo_red=%s",
                    op,
                    log_id or "-",
                    attempt,
                    type(exc).__name__,
                )
                resultado = RespuestaServicio.fallo(NO_DISPONIBLE)
                continue
            resultado = _resultado(response)
            folio = (
                log_id or (resultado.datos or {}).get("folio") or (resultado.datos or {}).get("id")
            )
            log.info(
                "enrollment %s id=%s intento=%d status=%d",
                op,
                folio or "-",
                attempt,
                response.status_code,
            )
            if response.status_code not in RETRY_STATUS:
                return resultado
        return resultado

    # -------------------------------------------------------------- operations
    async def cotizar(
        self,
        ingreso: Decimal | float | int | str,
        moneda: str = "MXN",
        anio: int | None = None,
        tipo_cambio: Decimal | float | str | None = None,
    ) -> RespuestaServicio:
        body: dict[str, Any] = {"ingreso_mensual": _json_num(ingreso), "moneda": moneda}
        if anio is not None:
            body["anio"] = anio
        if tipo_cambio is not None:
            body["tipo_cambio"] = _json_num(tipo_cambio)
        return await self._call("cotizar", "POST", "/v1/cotizaciones", json=body, retry=True)

    async def registrar(self, datos: dict, idempotency_key: str) -> RespuestaServicio:
        """``datos`` follows ``RegistroIn``; 201 = created, 200 = an open one already existed."""
        if not idempotency_key or not idempotency_key.strip():
            raise ValueError("registrar() requiere una idempotency_key no vacía")
        body = {k: _json_num(v) for k, v in datos.items()}
        return await self._call(
            "registrar",
            "POST",
            "/v1/registros",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
            retry=True,
        )

    async def pedir_codigo(
        self, folio: str, curp: str, proposito: str, conversacion: str | None = None
    ) -> RespuestaServicio:
        """The service sends a one-time code (``CONSULTA`` or ``BORRADO``) to the phone of the
        registration; ``NO_ENCONTRADO`` if folio and CURP do not match. Not retried."""
        body: dict[str, Any] = {"folio": folio, "curp": curp, "proposito": proposito}
        if conversacion:
            body["conversacion"] = conversacion[:200]
        return await self._call(
            "pedir_codigo", "POST", "/v1/registros/codigo", json=body, retry=False, log_id=folio
        )

    async def consultar(
        self, folio: str, curp: str, codigo: str, conversacion: str | None = None
    ) -> RespuestaServicio:
        """Status, with the one-time code (spent by the service). Not retried."""
        return await self._call(
            "consultar",
            "POST",
            "/v1/registros/consulta",
            json=_con_codigo(folio, curp, codigo, conversacion),
            retry=False,
            log_id=folio,
        )

    async def eliminar(
        self, folio: str, curp: str, codigo: str, conversacion: str | None = None
    ) -> RespuestaServicio:
        """ARCO cancellation, with the one-time code. Not retried."""
        return await self._call(
            "eliminar",
            "POST",
            "/v1/registros/borrado",
            json=_con_codigo(folio, curp, codigo, conversacion),
            retry=False,
            log_id=folio,
        )

    async def crear_canalizacion(
        self,
        resumen: str,
        canal: str,
        direccion: str,
        consulado: str | None = None,
        idempotency_key: str | None = None,
        historial: list[dict[str, str]] | None = None,
        origen: str | None = None,
    ) -> RespuestaServicio:
        """Handoff ticket. Always idempotent (a fresh key per call unless one is given, e.g. one
        derived from the conversation), so one retry cannot open two tickets.

        ``historial``: the conversation before the handoff (``[{"autor": "persona"|"asistente",
        "texto"}]``, the promoter reads it in the case's thread); ``origen``: ``real``,
        ``prueba`` or ``consola`` (tests and the console's "Preguntar" are not real cases)."""
        body: dict[str, Any] = {"resumen": resumen, "canal": canal, "direccion_canal": direccion}
        if consulado is not None:
            body["consulado"] = consulado
        if historial:
            body["historial"] = historial
        if origen is not None:
            body["origen"] = origen
        return await self._call(
            "crear_canalizacion",
            "POST",
            "/v1/canalizaciones",
            json=body,
            headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
            retry=True,
        )


def _con_codigo(folio: str, curp: str, codigo: str, conversacion: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"folio": folio, "curp": curp, "codigo": codigo}
    if conversacion:
        body["conversacion"] = conversacion[:200]
    return body


_cliente: ClienteServicio | None = None


def cliente() -> ClienteServicio:
    """The process-wide client (settings read from the environment on first use)."""
    global _cliente
    if _cliente is None:
        _cliente = ClienteServicio()
    return _cliente
