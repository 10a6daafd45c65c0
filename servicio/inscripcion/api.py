"""HTTP routes under /v1 (plus /health)."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import caso, recordatorios
from bot.cuota import AVISO_ESTIMACION, CALCULADORA_IMSS, FUENTE_REFERENCIA_IMSS, REFERENCIA_IMSS
from bot.parametros import anio_de_la_uma, cargar_cesantia, cargar_parametros
from bot.tiempo import ZONA_MX, ahora_utc, en_utc
from servicio.inscripcion import canalizaciones as tickets
from servicio.inscripcion import casos, verificacion
from servicio.inscripcion import esquemas as s
from servicio.inscripcion import modelos as m
from servicio.inscripcion import operaciones as svc

ROLE_ASSISTANT, ROLE_ADMIN = "asistente", "admin"
#: What a registration is, said with every one the API returns.
QUE_ES_PRERREGISTRO = (
    "Solicitud de prerregistro para la ventanilla de documentación del consulado; no es una "
    "inscripción al IMSS. La línea de captura para pagar solo la genera el sistema del IMSS."
)
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": s.ErrorResponse, "description": "Falta la clave X-API-Key o no es válida"},
    413: {"model": s.ErrorResponse, "description": "Cuerpo demasiado grande"},
    422: {"model": s.ErrorResponse, "description": "Datos no válidos (mensaje en español)"},
}
#: An existing CURP, to whoever registers it again: that a case exists and how to reach it, never
#: its folio, amount or data.
YA_EXISTE = (
    "Ya hay un prerregistro abierto con esta CURP. Por seguridad no mostramos sus datos. Si es "
    "tuyo, consulta su estado con tu folio y un código que te mandamos a tu teléfono, o pide "
    "ayuda a un promotor de la Ventanilla de Salud."
)
CODIGO_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": s.ErrorResponse, "description": "Código incorrecto, usado o vencido"},
    404: {"model": s.ErrorResponse, "description": "El folio y la CURP no coinciden"},
    429: {"model": s.ErrorResponse, "description": "Demasiados intentos: bloqueado un rato"},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": s.ErrorResponse, "description": "Requiere clave admin"},
}


def sesion_bd(request: Request) -> Iterator[Session]:
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


def _role(request: Request, key: str | None) -> str:
    st = request.app.state.settings
    if key:
        given = key.encode("utf-8", "surrogateescape")
        admin = st.admin_api_key.get_secret_value().encode()
        assistant = st.assistant_api_key.get_secret_value().encode()
        is_admin = hmac.compare_digest(given, admin)
        is_assistant = hmac.compare_digest(given, assistant)
        if is_admin:
            return ROLE_ADMIN
        if is_assistant:
            return ROLE_ASSISTANT
    raise svc.ErrorApi(401, "Falta la clave de acceso (encabezado X-API-Key) o no es válida.")


# The key checks are async on purpose: pure CPU work, so no threadpool hop per request.
async def exigir_asistente(request: Request, key: str | None = Depends(_api_key_header)) -> str:
    """Assistant or admin key."""
    return _role(request, key)


async def exigir_admin(request: Request, key: str | None = Depends(_api_key_header)) -> str:
    role = _role(request, key)
    if role != ROLE_ADMIN:
        raise svc.ErrorApi(403, "Esta operación requiere la clave de administración.")
    return role


SessionDep = Annotated[Session, Depends(sesion_bd)]
AssistantDep = Annotated[str, Depends(exigir_asistente)]
AdminDep = Annotated[str, Depends(exigir_admin)]

router = APIRouter(prefix="/v1")
health_router = APIRouter()


def _decimal_to_number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def _fecha_tarifa(request: Request) -> date:
    return svc.fecha_de_tarifa(request.app.state.settings.anio_tarifa)


# ------------------------------------------------------------------ health
@health_router.get(
    "/health", response_model=s.Health, tags=["salud"], responses={503: {"model": s.Health}}
)
def health(request: Request):
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any DB failure means "error"
        return JSONResponse({"status": "error", "database": "error"}, status_code=503)
    return {"status": "ok", "database": "ok"}


# ------------------------------------------------------------------ cotizaciones
@router.post(
    "/cotizaciones",
    response_model=s.CotizacionOut,
    tags=["cotizaciones"],
    responses=ERRORS,
    summary="Estimar la cuota mensual PTI",
)
async def cotizar(*, payload: s.CotizacionIn, request: Request, _role: AssistantDep):
    st = request.app.state.settings
    if payload.fecha is not None:
        fecha = payload.fecha
    elif payload.anio is not None:
        fecha = svc.fecha_de_tarifa(payload.anio)
    else:
        fecha = _fecha_tarifa(request)
    income_mxn, tc = svc.ingreso_en_mxn(
        payload.ingreso_mensual, payload.moneda, payload.tipo_cambio, st.tipo_cambio_usd_mxn
    )
    q = svc.cotizar(income_mxn, fecha)
    params = cargar_parametros(q.anio_salario_minimo)
    # Hot endpoint: build the documented CotizacionOut shape as a plain dict and encode it once
    # (building the model and FastAPI's response_model pass cost ~1 ms per request).
    # tests/servicio/inscripcion/test_api.py::test_quote_matches_response_model keeps them in sync.

    def limite(bound, mensual, diario):
        return {
            "mensual": mensual,
            "diario": diario,
            "descripcion": bound.descripcion,
            "supuesto": bound.supuesto,
            "nota": bound.nota,
        }

    out = {
        "estimacion": True,
        "aviso": AVISO_ESTIMACION,
        "fecha": q.fecha.isoformat(),
        "anio": q.anio,
        "anio_valores": q.anio_valores,
        "tabla_version": q.tabla_version,
        "moneda": payload.moneda.value,
        "ingreso_mensual": payload.ingreso_mensual,
        "tipo_cambio": tc,
        "tipo_cambio_supuesto": tc is not None and payload.tipo_cambio is None,
        "ingreso_declarado_mxn": q.ingreso_declarado_mxn,
        "ingreso_mensual_mxn": q.ingreso_mensual_mxn,
        "ajuste": q.ajuste,
        "dias_por_mes": q.dias_por_mes,
        "sbc_diario": q.sbc_diario,
        "uma_diaria": q.uma_diaria,
        "salario_minimo_diario": q.salario_minimo_diario,
        "piso": limite(params.piso, q.piso_mensual, q.salario_minimo_diario * params.piso.veces),
        "tope": limite(params.tope, q.tope_mensual, q.uma_diaria * params.tope.veces),
        "desglose": [dict(ln.__dict__) for ln in q.lineas],
        "salario_minimo": {
            "valor": q.salario_minimo_diario,
            "anio": q.anio,
            "anio_tabla": q.anio_salario_minimo,
        },
        "uma": {"valor": q.uma_diaria, "anio": anio_de_la_uma(q.fecha), "anio_tabla": q.anio_uma},
        "cesantia_vejez": {
            "anio": q.cesantia_anio,
            "banda": q.cesantia_banda,
            "tasa_patron": q.cesantia_tasa_patron,
            "incierto": q.cesantia_incierta,
        },
        "total_trabajador": q.total_trabajador,
        "total_patron": q.total_patron,
        "total_mensual": q.total_mensual,
        "riesgo_trabajo": {
            "prima_maxima_supuesta": q.prima_riesgo_maxima,
            "monto_maximo": q.riesgo_trabajo_maximo,
            "supuesto": True,
            "nota": params.riesgo_trabajo.nota,
        },
        "rango": {"minimo": q.total_mensual, "maximo": q.total_maximo},
        "totales_por_periodo": {str(k): v for k, v in q.totales_por_periodo.items()},
        "avisos": [{"clave": a.clave, "texto": a.texto} for a in q.avisos],
        "referencia_imss": {
            "texto": REFERENCIA_IMSS,
            "fuente": FUENTE_REFERENCIA_IMSS,
            "calculadora": CALCULADORA_IMSS,
        },
        "fuentes": [*params.fuentes, *cargar_cesantia().fuentes],
    }
    body = json.dumps(out, default=_decimal_to_number, ensure_ascii=False)
    return Response(body.encode("utf-8"), media_type="application/json")


# ------------------------------------------------------------------ registros
def _linea_imss(reg: m.Registro) -> s.LineaImss | None:
    """What the promoter recorded from IMSS, if anything (never generated by us)."""
    if not (reg.linea_captura and reg.linea_monto is not None and reg.linea_vence_en):
        return None
    return s.LineaImss(
        linea_captura=reg.linea_captura,
        monto=reg.linea_monto,
        vence_el=en_utc(reg.linea_vence_en).astimezone(ZONA_MX).date(),
        registrada_en=en_utc(reg.linea_registrada_en or reg.actualizado_en),
    )


def registro_salida(reg: m.Registro, *, con_linea: bool = False) -> s.RegistroOut:
    """``con_linea``: only for a caller who proved ownership (code) or an admin."""
    return s.RegistroOut(
        folio=reg.folio,
        estado=reg.estado,
        estado_etiqueta=caso.etiqueta(reg.estado),
        siguiente_paso=caso.siguiente_paso(reg.estado),
        recordatorios=reg.recordatorios,
        linea_imss=_linea_imss(reg) if con_linea else None,
        motivo_cierre=reg.motivo_cierre if con_linea else None,
        anio_tarifa=reg.anio_tarifa,
        tabla_version=reg.tabla_version,
        monto_mensual=reg.monto_mensual,
        aviso=AVISO_ESTIMACION,
        que_es=QUE_ES_PRERREGISTRO,
        creado_en=en_utc(reg.creado_en),
        activado_en=en_utc(reg.activado_en),
    )


def _payload_hash(payload) -> str:
    raw = json.dumps(jsonable_encoder(payload), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(row: m.IdempotencyKey, digest: str) -> JSONResponse:
    if not hmac.compare_digest(row.request_hash, digest):
        raise svc.ErrorApi(
            409,
            "Esta Idempotency-Key ya se usó con otro contenido; usa una clave nueva.",
            "Idempotency-Key",
        )
    return JSONResponse(
        json.loads(row.response_body),
        status_code=row.status_code,
        headers={"Idempotent-Replayed": "true"},
    )


def _clave_idempotencia(scope: str, key: str | None, payload) -> tuple[str, str] | None:
    """(``scope:key``, payload digest), or None without a key; 422 on a malformed key."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise svc.ErrorApi(
            422, "La Idempotency-Key debe tener entre 1 y 200 caracteres.", "Idempotency-Key"
        )
    return f"{scope}:{key}", _payload_hash(payload)


def _fila_idempotencia(full_key: str, digest: str, status: int, body, folio) -> m.IdempotencyKey:
    return m.IdempotencyKey(
        key=full_key,
        request_hash=digest,
        status_code=status,
        response_body=json.dumps(body),
        folio=folio,
        creado_en=ahora_utc(),
    )


def _idempotent(session: Session, scope: str, key: str | None, payload, run) -> JSONResponse:
    """Run ``run() -> (status, body, folio)`` once per Idempotency-Key and replay afterwards."""
    clave = _clave_idempotencia(scope, key, payload)
    if clave is None:
        status, body, _ = run()
        return JSONResponse(body, status_code=status)
    full_key, digest = clave
    row = session.get(m.IdempotencyKey, full_key)
    if row is not None:
        return _replay(row, digest)
    status, body, folio = run()
    session.add(_fila_idempotencia(full_key, digest, status, body, folio))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        row = session.get(m.IdempotencyKey, full_key)
        if row is None:  # pragma: no cover - deleted in between
            raise
        return _replay(row, digest)
    return JSONResponse(body, status_code=status)


@router.post(
    "/registros",
    response_model=s.RegistroOut,
    status_code=201,
    tags=["registros"],
    responses={
        **ERRORS,
        409: {
            "model": s.ErrorResponse,
            "description": "Ya hay un registro abierto con esa CURP (no se muestra), o la "
            "Idempotency-Key ya se usó con otro contenido",
        },
    },
    summary="Pre-registro (idempotente por Idempotency-Key; una CURP abierta a la vez)",
)
def crear_registro(
    *,
    payload: s.RegistroIn,
    request: Request,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    session: SessionDep,
    _role: AssistantDep,
):
    st = request.app.state.settings
    clave = _clave_idempotencia("registros", idempotency_key, payload)
    if clave is not None and (row := session.get(m.IdempotencyKey, clave[0])) is not None:
        return _replay(row, clave[1])

    def guardar_clave(reg: m.Registro) -> None:
        if clave is not None:
            body = jsonable_encoder(registro_salida(reg))
            session.add(_fila_idempotencia(*clave, 201, body, reg.folio))

    res = svc.crear_registro(
        session,
        payload,
        _fecha_tarifa(request),
        st.tipo_cambio_usd_mxn,
        antes_de_confirmar=guardar_clave,
    )
    if res.created:
        return JSONResponse(jsonable_encoder(registro_salida(res.registro)), status_code=201)
    if clave is not None:
        # This request's own registration, committed by a concurrent first attempt: replay it.
        session.rollback()
        row = session.get(m.IdempotencyKey, clave[0])
        if row is not None:
            return _replay(row, clave[1])
    # Someone's open registration: its folio, amount (income) and data stay unsaid.
    raise svc.ErrorApi(409, YA_EXISTE, "curp")


def _secreto(request: Request) -> str:
    """The key of the codes' HMAC and of the conversation lock keys (never stored)."""
    return request.app.state.settings.admin_api_key.get_secret_value()


@router.post(
    "/registros/codigo",
    response_model=s.CodigoOut,
    tags=["registros"],
    responses={**CODIGO_ERRORS, 503: {"model": s.ErrorResponse}},
    summary="Mandar un código de un solo uso al teléfono del registro",
)
def pedir_codigo(
    *, payload: s.CodigoIn, request: Request, session: SessionDep, _role: AssistantDep
):
    envio = verificacion.pedir_codigo(
        session,
        _secreto(request),
        payload.folio,
        payload.curp,
        payload.proposito.value,
        payload.conversacion,
        en_bitacora=request.app.state.settings.codigos_en_bitacora,
    )
    return s.CodigoOut(
        enviado=True,
        medio=envio.medio,
        vence_en=en_utc(envio.vence_en),
        mensaje="Mandamos un código de 6 dígitos al teléfono del registro; vence en 10 minutos.",
    )


@router.post(
    "/registros/consulta",
    response_model=s.RegistroOut,
    tags=["registros"],
    responses=CODIGO_ERRORS,
    summary="Estado del registro: folio, CURP y el código enviado al teléfono",
)
def consultar_registro_post(
    *, payload: s.ConsultaIn, request: Request, session: SessionDep, _role: AssistantDep
):
    reg = _verificado(session, request, payload, verificacion.CONSULTA)
    return registro_salida(reg, con_linea=True)


@router.get(
    "/registros/{folio}",
    response_model=s.RegistroOut,
    tags=["registros"],
    responses={**ADMIN_ERRORS, 404: {"model": s.ErrorResponse}},
    summary="Estado del registro para un promotor (solo admin)",
)
def consultar_registro(
    *,
    folio: str = Path(..., max_length=40),
    curp: str = Query(..., max_length=40),
    session: SessionDep,
    _role: AdminDep,
):
    return registro_salida(svc.buscar_registro(session, folio, curp), con_linea=True)


@router.post(
    "/registros/{folio}/estado",
    response_model=s.RegistroOut,
    tags=["registros"],
    responses={**ADMIN_ERRORS, 404: {"model": s.ErrorResponse}, 409: {"model": s.ErrorResponse}},
    summary="Mover el caso de estado (bot/caso.py) con lo que registró la promotora (solo admin)",
)
def mover_registro(
    *,
    folio: str = Path(..., max_length=40),
    payload: s.TransicionIn,
    session: SessionDep,
    _role: AdminDep,
):
    datos = payload.model_dump(exclude={"destino"}, exclude_none=True)
    hecho = casos.mover(session, folio, payload.destino, datos, tickets.ACTOR_API)
    return registro_salida(hecho.registro, con_linea=True)


# ------------------------------------------------------------------ avisos y recordatorios
@router.post(
    "/avisos/entregas",
    response_model=s.AvisosOut,
    tags=["registros"],
    responses=ERRORS,
    summary="Avisos del trámite pendientes para una dirección (se marcan entregados)",
)
def entregar_avisos(*, payload: s.AvisosIn, session: SessionDep, _role: AssistantDep):
    return {"avisos": casos.entregar_pendientes(session, payload.canal.value, payload.direccion)}


@router.post(
    "/recordatorios/baja",
    response_model=s.BajaOut,
    tags=["registros"],
    responses=ERRORS,
    summary="La persona escribió BAJA (o STOP…): no más recordatorios, desde ya",
)
def baja_recordatorios(*, payload: s.BajaIn, session: SessionDep, _role: AssistantDep):
    n = casos.cambiar_recordatorios(session, payload.canal.value, payload.direccion, False)
    return {"registros": n, "mensaje": recordatorios.CONFIRMACION_BAJA}


@router.post(
    "/recordatorios/alta",
    response_model=s.BajaOut,
    tags=["registros"],
    responses=ERRORS,
    summary="La persona escribió RECORDATORIOS: vuelve a recibirlos",
)
def alta_recordatorios(*, payload: s.BajaIn, session: SessionDep, _role: AssistantDep):
    n = casos.cambiar_recordatorios(session, payload.canal.value, payload.direccion, True)
    return {"registros": n, "mensaje": recordatorios.CONFIRMACION_ALTA}


def _verificado(
    session: Session, request: Request, payload: s.ConsultaIn | s.BorradoIn, proposito: str
) -> m.Registro:
    """The registration whose owner proved it with the code sent to the phone on file."""
    return verificacion.verificar(
        session,
        _secreto(request),
        payload.folio,
        payload.curp,
        proposito,
        payload.codigo,
        payload.conversacion,
    )


def _eliminado(borrado: svc.Borrado) -> s.EliminadoOut:
    return s.EliminadoOut(
        folio=borrado.registro.folio,
        estado=borrado.registro.estado,
        mensaje="Tus datos personales fueron borrados. Conservamos solo el folio "
        "y las fechas, sin datos personales.",
        conversaciones=borrado.conversaciones,
    )


@router.post(
    "/registros/borrado",
    response_model=s.EliminadoOut,
    tags=["registros"],
    responses=CODIGO_ERRORS,
    summary="Cancelación ARCO: folio, CURP y el código enviado al teléfono",
)
def borrar_con_codigo(
    *, payload: s.BorradoIn, request: Request, session: SessionDep, _role: AssistantDep
):
    reg = _verificado(session, request, payload, verificacion.BORRADO)
    return _eliminado(svc.borrar(session, reg, [payload.conversacion]))


@router.delete(
    "/registros/{folio}",
    response_model=s.EliminadoOut,
    tags=["registros"],
    responses={**ADMIN_ERRORS, 404: {"model": s.ErrorResponse}},
    summary="Cancelación ARCO hecha por un promotor que verificó a la persona (solo admin)",
)
def eliminar_registro(
    *,
    folio: str = Path(..., max_length=40),
    curp: str = Query(..., max_length=40),
    session: SessionDep,
    _role: AdminDep,
):
    return _eliminado(svc.borrar_registro(session, folio, curp))


# ------------------------------------------------------------------ canalizaciones
def _canal_out(row: m.Canalizacion) -> s.CanalizacionOut:
    return s.CanalizacionOut(
        id=row.id,
        resumen=row.resumen,
        canal=row.canal,
        direccion_canal=row.direccion_canal,
        consulado=row.consulado,
        estado=row.estado,
        respuesta=row.respuesta,
        creada_en=en_utc(row.creada_en),
        cerrada_en=en_utc(row.cerrada_en),
    )


@router.post(
    "/canalizaciones",
    response_model=s.CanalizacionOut,
    status_code=201,
    tags=["canalizaciones"],
    responses={**ERRORS, 409: {"model": s.ErrorResponse}},
)
def crear_canalizacion(
    *,
    payload: s.CanalizacionIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    session: SessionDep,
    _role: AssistantDep,
):
    def run():
        row = svc.crear_canalizacion(session, payload)
        # The ticket's id as the row's reference: erasing the person deletes the replay too.
        return 201, jsonable_encoder(_canal_out(row)), f"{svc.PREFIJO_CASO}{row.id}"

    return _idempotent(session, "canalizaciones", idempotency_key, payload, run)


@router.get(
    "/canalizaciones",
    response_model=list[s.CanalizacionOut],
    tags=["canalizaciones"],
    responses=ADMIN_ERRORS,
)
def listar_canalizaciones(
    *,
    estado: s.EstadoCanalizacion | None = None,
    limite: int = Query(200, ge=1, le=1000),
    session: SessionDep,
    _role: AdminDep,
):
    rows = svc.listar_canalizaciones(session, estado.value if estado else None, limite)
    return [_canal_out(r) for r in rows]


@router.post(
    "/canalizaciones/{ticket_id}/cerrar",
    response_model=s.CanalizacionOut,
    tags=["canalizaciones"],
    responses={**ADMIN_ERRORS, 404: {"model": s.ErrorResponse}, 409: {"model": s.ErrorResponse}},
)
def cerrar_canalizacion(
    *,
    ticket_id: int = Path(..., ge=1, le=2**31 - 1),
    payload: s.CerrarIn | None = None,
    session: SessionDep,
    _role: AdminDep,
):
    # The console's closing: a reply is delivered to the person (Twilio or next message).
    row = tickets.cerrar(session, ticket_id, None, payload.respuesta if payload else None)
    return _canal_out(row)
