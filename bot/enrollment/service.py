"""Business logic of the enrollment service (framework-free apart from SQLAlchemy)."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import formulario
from bot import validation as v
from bot.enrollment import models as m
from bot.enrollment.schemas import CanalizacionIn, Moneda, RegistroIn
from bot.params import ParamsNotFound, load_params
from bot.quote import IncomeOutOfRange, Quote, compute_quote, money

log = logging.getLogger("orienta.enrollment")

# Mexico City has had no daylight saving time since 2022: fixed UTC-6.
MX_TZ = timezone(timedelta(hours=-6), "America/Mexico_City")
DIA_LIMITE_PAGO = 20
_FOLIO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


class ApiError(Exception):
    def __init__(self, status: int, mensaje: str, campo: str | None = None):
        super().__init__(mensaje)
        self.status, self.mensaje, self.campo = status, mensaje, campo


NOT_FOUND_REGISTRO = "No encontramos un registro con ese folio y esa CURP. Revisa ambos datos."


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ quotes
def income_in_mxn(
    amount: Decimal, moneda: Moneda, tipo_cambio: Decimal | None, default_tc: Decimal
) -> tuple[Decimal, Decimal | None]:
    if moneda == Moneda.USD:
        tc = tipo_cambio if tipo_cambio is not None else default_tc
        return money(amount * tc), tc
    return money(amount), None


def quote_or_error(income_mxn: Decimal, year: int, campo_ingreso: str = "ingreso_mensual") -> Quote:
    try:
        params = load_params(year)
    except ParamsNotFound as exc:
        raise ApiError(422, str(exc), "anio") from None
    try:
        return compute_quote(income_mxn, params)
    except IncomeOutOfRange as exc:
        raise ApiError(422, exc.mensaje, campo_ingreso) from None


# ------------------------------------------------------------------ línea de captura
def linea_check_digits(payload: str) -> str:
    """ISO 7064 MOD 97-10 check digits (as in IBAN) for a string of digits."""
    return f"{98 - (int(payload) * 100) % 97:02d}"


def make_linea_captura(now: datetime) -> str:
    """20 digits: YYMM of issue + 14 random digits + 2 check digits (MOD 97-10).

    A reference is well formed when ``int(referencia) % 97 == 1``.
    """
    payload = now.strftime("%y%m") + "".join(secrets.choice("0123456789") for _ in range(14))
    return payload + linea_check_digits(payload)


def is_valid_linea_captura(ref: str) -> bool:
    return len(ref) == 20 and ref.isdigit() and int(ref) % 97 == 1


def linea_expiry(now: datetime) -> datetime:
    """Day 20 of this month (or next month after the 20th), 23:59:59 Mexico City time, in UTC."""
    local = now.astimezone(MX_TZ)
    year, month = local.year, local.month
    if local.day > DIA_LIMITE_PAGO:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = datetime(year, month, DIA_LIMITE_PAGO, 23, 59, 59, tzinfo=MX_TZ)
    return end.astimezone(timezone.utc)


def new_folio() -> str:
    return "OR-" + "".join(secrets.choice(_FOLIO_ALPHABET) for _ in range(10))


# ------------------------------------------------------------------ registros
@dataclass
class RegistroResult:
    registro: m.Registro
    created: bool


def _audit(
    session: Session, folio: str, accion: str, now: datetime, actor: str | None = None
) -> None:
    session.add(m.Auditoria(folio=folio, accion=accion, en=now, actor=actor))


def nombre_para_busqueda(nombre: str | None) -> str | None:
    """Lower case without accents, so the console finds "Pérez" when a promoter types "perez"."""
    return formulario.normalizar(nombre)[:200] or None


def _cross_check(payload: RegistroIn) -> None:
    info = v.validate_curp(payload.curp)
    if payload.fecha_nacimiento and payload.fecha_nacimiento != info.fecha_nacimiento:
        raise ApiError(
            422,
            "La fecha de nacimiento no coincide con la de la CURP "
            f"({info.fecha_nacimiento:%d/%m/%Y}). Revisa ambos datos.",
            "fecha_nacimiento",
        )
    if payload.sexo and payload.sexo != info.sexo:
        raise ApiError(422, "El sexo no coincide con el de la CURP. Revisa ambos datos.", "sexo")
    if payload.estado_nacimiento and payload.estado_nacimiento != info.estado_clave:
        raise ApiError(
            422,
            f"El estado de nacimiento no coincide con el de la CURP ({info.estado_nombre}).",
            "estado_nacimiento",
        )


def create_registro(
    session: Session,
    payload: RegistroIn,
    year: int,
    default_tc: Decimal,
    *,
    origen: str = m.ORIGEN_ASISTENTE,
    creado_por: m.Promotor | None = None,
) -> RegistroResult:
    """Create a pre-registration, or return the open one for the same CURP (idempotent).

    ``creado_por`` is the promoter of an assisted registration (console): recorded on the row
    and as the actor of its audit entry.

    Uniqueness is enforced by the database (unique ``open_curp``), so concurrent requests for
    the same CURP end with exactly one row: the loser catches IntegrityError and reads the winner.
    """
    _cross_check(payload)
    now = utcnow()
    consent_at = aware(payload.consentimiento.aceptado_en)
    if consent_at > now + timedelta(minutes=5):
        raise ApiError(
            422,
            "La fecha de aceptación del aviso de privacidad no puede estar en el futuro.",
            "consentimiento.aceptado_en",
        )
    income_mxn, tc = income_in_mxn(
        payload.ingreso_mensual, payload.moneda, payload.tipo_cambio, default_tc
    )
    quote = quote_or_error(income_mxn, year)
    info = v.validate_curp(payload.curp)
    for _attempt in range(3):
        existing = session.execute(
            select(m.Registro).where(m.Registro.open_curp == info.curp)
        ).scalar_one_or_none()
        if existing is not None:  # fast path only; correctness comes from the constraint
            return RegistroResult(existing, created=False)
        reg = m.Registro(
            folio=new_folio(),
            estado=m.ESTADO_PENDIENTE,
            open_curp=info.curp,
            curp=info.curp,
            nombre=payload.nombre,
            email=payload.email,
            telefono=payload.telefono,
            pais_residencia=payload.pais_residencia,
            ciudad_residencia=payload.ciudad_residencia,
            ocupacion=payload.ocupacion,
            ingreso_mensual=payload.ingreso_mensual,
            moneda=payload.moneda.value,
            tipo_cambio=tc,
            ingreso_mensual_mxn=income_mxn,
            nss=payload.nss,
            fecha_nacimiento=info.fecha_nacimiento,
            sexo=info.sexo,
            estado_nacimiento=info.estado_clave,
            aviso_privacidad_version=payload.consentimiento.version_aviso,
            consentimiento_en=consent_at,
            anio_tarifa=quote.anio,
            tabla_version=quote.tabla_version,
            monto_mensual=quote.total_mensual,
            linea_captura=make_linea_captura(now),
            linea_monto=quote.total_mensual,
            linea_vence_en=linea_expiry(now),
            creado_en=now,
            actualizado_en=now,
            consulado=payload.consulado,
            origen=origen,
            creado_por=creado_por.id if creado_por else None,
            nombre_busqueda=nombre_para_busqueda(payload.nombre),
        )
        session.add(reg)
        actor = f"promotor:{creado_por.id}" if creado_por else None
        _audit(session, reg.folio, "registro_creado", now, actor)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        log.info("registro creado folio=%s", reg.folio)
        return RegistroResult(reg, created=True)
    raise ApiError(503, "No se pudo guardar el registro; intenta de nuevo en unos segundos.")


def find_registro(session: Session, folio: str, curp_text: str) -> m.Registro:
    """Return the registration if folio AND CURP match; 404 without saying which one failed."""
    curp = v.validate_curp(curp_text).curp
    reg = session.execute(
        select(m.Registro).where(m.Registro.folio == folio.strip().upper())
    ).scalar_one_or_none()
    stored = (reg.curp or "") if reg is not None else ""
    if reg is None or not hmac.compare_digest(stored.encode(), curp.encode()):
        raise ApiError(404, NOT_FOUND_REGISTRO)
    return reg


def confirm_payment(session: Session, folio: str, actor: str | None = None) -> m.Registro:
    reg = session.execute(
        select(m.Registro).where(m.Registro.folio == folio.strip().upper())
    ).scalar_one_or_none()
    if reg is None:
        raise ApiError(404, "No existe un registro con ese folio.", "folio")
    if reg.estado == m.ESTADO_ELIMINADO:
        raise ApiError(409, "El registro fue eliminado a petición de la persona; no admite pagos.")
    if reg.estado == m.ESTADO_PENDIENTE:
        now = utcnow()
        reg.estado, reg.activado_en, reg.actualizado_en = m.ESTADO_ACTIVA, now, now
        _audit(session, reg.folio, "pago_confirmado", now, actor)
        session.commit()
        log.info("pago confirmado folio=%s", reg.folio)
    return reg


def renew_linea(session: Session, folio: str, curp: str) -> m.Registro:
    reg = find_registro(session, folio, curp)
    if reg.estado != m.ESTADO_PENDIENTE:
        raise ApiError(409, "Solo se renueva la línea de captura de un registro pendiente de pago.")
    now = utcnow()
    if reg.linea_vence_en is not None and aware(reg.linea_vence_en) > now:
        raise ApiError(
            409, "La línea de captura sigue vigente; úsala antes de que venza.", "linea_captura"
        )
    reg.linea_captura = make_linea_captura(now)
    reg.linea_monto = reg.monto_mensual
    reg.linea_vence_en = linea_expiry(now)
    reg.actualizado_en = now
    _audit(session, reg.folio, "linea_renovada", now)
    session.commit()
    log.info("linea de captura renovada folio=%s", reg.folio)
    return reg


def erase_registro(session: Session, folio: str, curp: str) -> m.Registro:
    """ARCO cancellation: erase personal fields, close the registration, keep an anonymous audit."""
    reg = find_registro(session, folio, curp)
    now = utcnow()
    reg.estado = m.ESTADO_ELIMINADO
    reg.open_curp = None
    reg.curp = None
    reg.nombre = m.BORRADO
    reg.nombre_busqueda = None
    for field in (
        "email",
        "telefono",
        "pais_residencia",
        "ciudad_residencia",
        "ocupacion",
        "ingreso_mensual",
        "moneda",
        "tipo_cambio",
        "ingreso_mensual_mxn",
        "nss",
        "fecha_nacimiento",
        "sexo",
        "estado_nacimiento",
        "linea_captura",
        "linea_monto",
        "linea_vence_en",
    ):
        setattr(reg, field, None)
    reg.eliminado_en = reg.actualizado_en = now
    session.execute(delete(m.IdempotencyKey).where(m.IdempotencyKey.folio == reg.folio))
    _audit(session, reg.folio, "registro_eliminado", now)
    session.commit()
    log.info("registro eliminado (ARCO) folio=%s", reg.folio)
    return reg


# ------------------------------------------------------------------ canalizaciones
def create_canalizacion(session: Session, payload: CanalizacionIn) -> m.Canalizacion:
    row = m.Canalizacion(
        resumen=payload.resumen,
        canal=payload.canal.value,
        direccion_canal=payload.direccion_canal,
        consulado=payload.consulado or None,
        estado="abierta",
        creada_en=utcnow(),
    )
    session.add(row)
    session.commit()
    log.info("canalizacion creada id=%s", row.id)
    return row


def list_canalizaciones(session: Session, estado: str | None, limit: int = 200):
    stmt = select(m.Canalizacion).order_by(m.Canalizacion.id).limit(limit)
    if estado:
        stmt = stmt.where(m.Canalizacion.estado == estado)
    return list(session.execute(stmt).scalars())


def close_canalizacion(session: Session, ticket_id: int, respuesta: str | None):
    row = session.get(m.Canalizacion, ticket_id)
    if row is None:
        raise ApiError(404, "No existe una canalización con ese id.", "id")
    if row.estado == "cerrada":
        raise ApiError(409, "La canalización ya estaba cerrada.", "id")
    row.estado, row.respuesta, row.cerrada_en = "cerrada", respuesta, utcnow()
    session.commit()
    log.info("canalizacion cerrada id=%s", row.id)
    return row
