"""Business logic of the enrollment service (framework-free apart from SQLAlchemy)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import lectura
from bot import validacion as v
from bot.analitica import conversacion_id
from bot.cuota import Cuota, cuota_en, redondear_centavos
from bot.folio import nuevo_folio
from bot.tiempo import ahora_utc, dia_en_mexico, en_utc
from servicio.inscripcion import modelos as m
from servicio.inscripcion.esquemas import CanalizacionIn, Moneda, RegistroIn

log = logging.getLogger("orienta.enrollment")


class ErrorApi(Exception):
    def __init__(self, status: int, mensaje: str, campo: str | None = None):
        super().__init__(mensaje)
        self.status, self.mensaje, self.campo = status, mensaje, campo


NOT_FOUND_REGISTRO = "No encontramos un registro con ese folio y esa CURP. Revisa ambos datos."


# ------------------------------------------------------------------ quotes
def ingreso_en_mxn(
    amount: Decimal, moneda: Moneda, tipo_cambio: Decimal | None, default_tc: Decimal
) -> tuple[Decimal, Decimal | None]:
    if moneda == Moneda.USD:
        tc = tipo_cambio if tipo_cambio is not None else default_tc
        return redondear_centavos(amount * tc), tc
    return redondear_centavos(amount), None


def fecha_de_tarifa(anio_tarifa: int | None = None) -> date:
    """The day whose values a quote uses: today in Mexico City, or 1 February of a fixed year
    (``ORIENTA_ANIO_TARIFA``: the first day all of that year's values apply)."""
    if anio_tarifa is not None:
        return date(anio_tarifa, 2, 1)
    return dia_en_mexico(ahora_utc())


def cotizar(income_mxn: Decimal, fecha: date) -> Cuota:
    """The estimate for `fecha`: never an error (a missing year uses the latest table, an income
    outside the floor/cap is estimated at the bound; the quote says both)."""
    return cuota_en(income_mxn, fecha)


# ------------------------------------------------------------------ registros
@dataclass
class Borrado:
    registro: m.Registro
    #: Hashes (``bot.analitica.conversacion_id``) of the person's conversations with the
    #: assistant that the service knew of: the assistant erases their trackers too.
    conversaciones: list[str]


@dataclass
class ResultadoRegistro:
    registro: m.Registro
    created: bool


def _audit(
    session: Session, folio: str, accion: str, now: datetime, actor: str | None = None
) -> None:
    session.add(m.Auditoria(folio=folio, accion=accion, en=now, actor=actor))


def nombre_para_busqueda(nombre: str | None) -> str | None:
    """Lower case without accents, so the console finds "Pérez" when a promoter types "perez"."""
    return lectura.minusculas_sin_acentos(nombre)[:200] or None


def _cross_check(payload: RegistroIn) -> None:
    info = v.validar_curp(payload.curp)
    if payload.fecha_nacimiento and payload.fecha_nacimiento != info.fecha_nacimiento:
        raise ErrorApi(
            422,
            "La fecha de nacimiento no coincide con la de la CURP "
            f"({info.fecha_nacimiento:%d/%m/%Y}). Revisa ambos datos.",
            "fecha_nacimiento",
        )
    if payload.sexo and payload.sexo != info.sexo:
        raise ErrorApi(422, "El sexo no coincide con el de la CURP. Revisa ambos datos.", "sexo")
    if payload.estado_nacimiento and payload.estado_nacimiento != info.estado_clave:
        raise ErrorApi(
            422,
            f"El estado de nacimiento no coincide con el de la CURP ({info.estado_nombre}).",
            "estado_nacimiento",
        )


def crear_registro(
    session: Session,
    payload: RegistroIn,
    fecha: date,
    default_tc: Decimal,
    *,
    origen: str = m.ORIGEN_ASISTENTE,
    creado_por: m.Promotor | None = None,
    antes_de_confirmar: Callable[[m.Registro], None] | None = None,
) -> ResultadoRegistro:
    """Create a pre-registration, or return the open one for the same CURP (idempotent).

    ``created=False`` hands back someone's existing registration: only a promoter (the console)
    may see it; the API answers an unauthenticated caller 409 without its folio, amount or data.

    A pre-registration is a request to the consulate's documentation desk, not an IMSS
    registration: nothing here creates a payment reference (only IMSS's system issues the línea
    de captura, facts addendum §4). The ``linea_*`` columns hold what the promoter later copies
    from IMSS (``casos.mover``), never anything code makes up.

    ``creado_por`` is the promoter of an assisted registration (console): recorded on the row
    and as the actor of its audit entry.

    Uniqueness is enforced by the database (unique ``open_curp``), so concurrent requests for
    the same CURP end with exactly one row: the loser catches IntegrityError and reads the winner.
    ``antes_de_confirmar(reg)`` adds rows committed with the new one (the API's Idempotency-Key
    row, so a retry racing the first request always finds one or the other, never just the
    registration).
    """
    _cross_check(payload)
    now = ahora_utc()
    consent_at = en_utc(payload.consentimiento.aceptado_en)
    if consent_at > now + timedelta(minutes=5):
        raise ErrorApi(
            422,
            "La fecha de aceptación del aviso de privacidad no puede estar en el futuro.",
            "consentimiento.aceptado_en",
        )
    income_mxn, tc = ingreso_en_mxn(
        payload.ingreso_mensual, payload.moneda, payload.tipo_cambio, default_tc
    )
    quote = cotizar(income_mxn, fecha)
    info = v.validar_curp(payload.curp)
    for _attempt in range(3):
        existing = session.execute(
            select(m.Registro).where(m.Registro.open_curp == info.curp)
        ).scalar_one_or_none()
        if existing is not None:  # fast path only; correctness comes from the constraint
            return ResultadoRegistro(existing, created=False)
        reg = m.Registro(
            folio=nuevo_folio(),
            estado=m.ESTADO_RECIBIDA,
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
            domicilio_estado=payload.domicilio_estado,
            domicilio_municipio=payload.domicilio_municipio,
            domicilio_cp=payload.domicilio_cp,
            domicilio_colonia=payload.domicilio_colonia,
            fecha_nacimiento=info.fecha_nacimiento,
            sexo=info.sexo,
            estado_nacimiento=info.estado_clave,
            aviso_privacidad_version=payload.consentimiento.version_aviso,
            consentimiento_en=consent_at,
            anio_tarifa=quote.anio,
            tabla_version=quote.tabla_version,
            monto_mensual=quote.total_mensual,
            creado_en=now,
            actualizado_en=now,
            consulado=payload.consulado,
            origen=origen,
            creado_por=creado_por.id if creado_por else None,
            nombre_busqueda=nombre_para_busqueda(payload.nombre),
            recordatorios=payload.recordatorios,
            canal=payload.canal.value if payload.canal else None,
            direccion_canal=payload.direccion_canal,
        )
        session.add(reg)
        actor = f"promotor:{creado_por.id}" if creado_por else None
        _audit(session, reg.folio, "registro_creado", now, actor)
        if antes_de_confirmar is not None:
            antes_de_confirmar(reg)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        log.info("registro creado folio=%s", reg.folio)
        return ResultadoRegistro(reg, created=True)
    raise ErrorApi(503, "No se pudo guardar el registro; intenta de nuevo en unos segundos.")


def buscar_registro(session: Session, folio: str, curp_text: str) -> m.Registro:
    """Return the registration if folio AND CURP match; 404 without saying which one failed."""
    curp = v.validar_curp(curp_text).curp
    reg = session.execute(
        select(m.Registro).where(m.Registro.folio == folio.strip().upper())
    ).scalar_one_or_none()
    stored = (reg.curp or "") if reg is not None else ""
    if reg is None or not hmac.compare_digest(stored.encode(), curp.encode()):
        raise ErrorApi(404, NOT_FOUND_REGISTRO)
    return reg


def borrar_registro(session: Session, folio: str, curp: str) -> Borrado:
    """ARCO cancellation by a promoter (admin key): folio and CURP must match."""
    return borrar(session, buscar_registro(session, folio, curp))


def borrar(session: Session, reg: m.Registro, conversaciones: Iterable[str | None] = ()) -> Borrado:
    """ARCO cancellation of a registration whose owner was verified (a one-time code, or a
    promoter): a cascade over everything of that person the service holds, in one transaction.

    * the registration's personal fields and the stored fee (it reveals the income); the row
      keeps its folio, state and dates, and the audit trail (no personal data) gets a line;
    * the person's cases (tickets whose address is the registration's phone or e-mail, or one of
      ``conversaciones``: the assistant's sender ids, e.g. the conversation asking for it), their
      replies and the idempotency rows that replay them;
    * funnel and metric rows of the conversation that submitted it (the funnel row holds the
      folio) and of ``conversaciones`` (by their hash, ``bot.analitica.conversacion_id``);
    * the phone's signed-contact rows, the registration's idempotency rows, one-time codes and
      lock counters, its pending notices and monthly reminder rows.

    The assistant's own stores (tracker, Redis) are erased on Rasa's side (``channels/``).
    """
    now = ahora_utc()
    hashes = _borrar_rastros(session, reg, [c for c in conversaciones if c])
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
        "domicilio_estado",
        "domicilio_municipio",
        "domicilio_cp",
        "domicilio_colonia",
        "fecha_nacimiento",
        "sexo",
        "estado_nacimiento",
        "linea_captura",
        "linea_monto",
        "linea_vence_en",
        "linea_registrada_en",
        "motivo_cierre",
        "canal",
        "direccion_canal",
    ):
        setattr(reg, field, None)
    reg.recordatorios = False
    reg.eliminado_en = reg.actualizado_en = now
    session.execute(delete(m.IdempotencyKey).where(m.IdempotencyKey.folio == reg.folio))
    session.execute(delete(m.CodigoVerificacion).where(m.CodigoVerificacion.folio == reg.folio))
    session.execute(
        delete(m.IntentoVerificacion).where(
            m.IntentoVerificacion.clave.in_(
                [f"fallo:folio:{reg.folio}", f"envio:folio:{reg.folio}"]
            )
        )
    )
    _audit(session, reg.folio, "registro_eliminado", now)
    session.commit()
    log.info("registro eliminado (ARCO) folio=%s", reg.folio)
    return Borrado(reg, hashes)


def _borrar_rastros(session: Session, reg: m.Registro, conversaciones: list[str]) -> list[str]:
    """Delete the rows of other tables that belong to the person of ``reg`` (no commit); the
    hashes of the person's conversations found on the way."""
    direcciones = {d for d in (reg.telefono, reg.email, reg.direccion_canal, *conversaciones) if d}
    tickets = list(
        session.execute(
            select(m.Canalizacion.id).where(
                m.Canalizacion.direccion_canal.in_(direcciones)
                | (m.Canalizacion.folio == reg.folio)
            )
        ).scalars()
    )
    if tickets:
        # The whole thread (messages before and during the handoff, replies, notes) goes too.
        from servicio.inscripcion import canalizaciones

        canalizaciones.borrar(session, tickets)
    hashes = {conversacion_id(c) for c in conversaciones}
    # Web/REST tickets carry the conversation's id as their address.
    hashes.update(conversacion_id(d) for d in direcciones if d not in (reg.telefono, reg.email))
    hashes.update(
        session.execute(
            select(m.EmbudoConversacion.conversacion).where(m.EmbudoConversacion.folio == reg.folio)
        ).scalars()
    )
    if hashes:
        session.execute(delete(m.MetricaMensaje).where(m.MetricaMensaje.conversacion.in_(hashes)))
        session.execute(
            delete(m.EmbudoConversacion).where(m.EmbudoConversacion.conversacion.in_(hashes))
        )
    if reg.telefono:
        session.execute(delete(m.ContactoFirmado).where(m.ContactoFirmado.telefono == reg.telefono))
    # Notices hold texts for the person; the monthly reminder rows, when they were sent.
    session.execute(delete(m.Aviso).where(m.Aviso.registro_id == reg.id))
    session.execute(delete(m.RecordatorioMes).where(m.RecordatorioMes.registro_id == reg.id))
    reg.monto_mensual = None
    log.info(
        "borrado en cascada folio=%s casos=%d conversaciones=%d",
        reg.folio,
        len(tickets),
        len(hashes),
    )
    return sorted(hashes)


# ------------------------------------------------------------------ canalizaciones
#: The ``folio`` column of a ticket's idempotency row (and of its audit lines): ``CAN-<id>``.
PREFIJO_CASO = "CAN-"


def crear_canalizacion(session: Session, payload: CanalizacionIn) -> tuple[m.Canalizacion, bool]:
    """(ticket, created): see ``canalizaciones.crear`` (one open ticket per address)."""
    from servicio.inscripcion import canalizaciones

    return canalizaciones.crear(session, payload)


def listar_canalizaciones(session: Session, estado: str | None, limit: int = 200):
    stmt = select(m.Canalizacion).order_by(m.Canalizacion.id).limit(limit)
    if estado:
        stmt = stmt.where(m.Canalizacion.estado == estado)
    return list(session.execute(stmt).scalars())
