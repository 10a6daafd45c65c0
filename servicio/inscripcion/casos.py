"""A registration's case: the promoter's moves (bot/caso.py's table, enforced here), their audit
rows and the notice to the person; the person's pending notices; reminder opt-out.

Notices (``m.Aviso``) reach the person like a promoter's reply to a ticket: by Twilio at once
when allowed (SMS to a number that wrote to us or that a promoter typed at the desk; WhatsApp
only inside the 24-hour window), otherwise with the assistant's next answer on the channel and
address the registration came from (``POST /v1/avisos/entregas``, claimed with
``UPDATE … WHERE entregado_en IS NULL`` so it is shown once). A separate table from the tickets'
replies on purpose: a registration is not a ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import canales, caso, lectura
from bot import validacion as v
from bot.ingreso import Ingreso
from bot.tiempo import ZONA_MX, ahora_utc
from servicio.inscripcion import modelos as m
from servicio.inscripcion.esquemas import Moneda
from servicio.inscripcion.operaciones import (
    ErrorApi,
    cotizar,
    ingreso_en_mxn,
    nombre_para_busqueda,
)

log = logging.getLogger("orienta.enrollment.casos")

VIA_TWILIO = "twilio"
VIA_SIGUIENTE_MENSAJE = "siguiente_mensaje"
MAX_MOTIVO = 300
ACCION_ESTADO = "estado_"  # audit action: estado_<destino>
ACCION_RECORDATORIOS_BAJA = "recordatorios_baja"
ACCION_RECORDATORIOS_ALTA = "recordatorios_alta"

#: A Twilio sender ``(canal, telefono, texto) -> bool`` (``twilio_salida.enviar``; tests: fakes).
Enviar = Callable[[str, str, str], bool]


def _registro(session: Session, folio: str, *, bloquear: bool = False) -> m.Registro:
    stmt = select(m.Registro).where(m.Registro.folio == (folio or "").strip().upper())
    if bloquear:
        stmt = stmt.with_for_update()
    reg = session.execute(stmt).scalar_one_or_none()
    if reg is None:
        raise ErrorApi(404, "No existe un registro con ese folio.", "folio")
    return reg


# ------------------------------------------------------------------ the promoter's fields
def _texto(valor: Any) -> str:
    return " ".join(str(valor or "").split())


def _linea(valor: Any) -> str:
    texto = _texto(valor).replace(" ", "").upper()
    if not (8 <= len(texto) <= 24 and texto.isalnum()):
        raise ErrorApi(
            422,
            "Copia la línea de captura tal como la dio el IMSS (de 8 a 24 letras y números).",
            "linea_captura",
        )
    return texto


def _monto(valor: Any) -> Decimal:
    texto = _texto(valor).replace("$", "").replace(",", "")
    try:
        monto = Decimal(texto)
    except InvalidOperation:
        monto = Decimal(-1)
    if not (Decimal(0) < monto < Decimal(1_000_000)) or monto != monto.quantize(Decimal("0.01")):
        raise ErrorApi(
            422, "Escribe el monto de la línea de captura en pesos, p. ej. 1520.50.", "linea_monto"
        )
    return monto


def _vence(valor: Any) -> datetime:
    """The due date as the promoter typed it (AAAA-MM-DD), kept as noon in Mexico City so it
    reads as the same day anywhere it is shown."""
    if isinstance(valor, date):
        dia = valor
    else:
        try:
            dia = date.fromisoformat(_texto(valor))
        except ValueError:
            raise ErrorApi(
                422, "Escribe la fecha límite de pago como AAAA-MM-DD.", "linea_vence_en"
            ) from None
    return datetime.combine(dia, time(12, 0), tzinfo=ZONA_MX)


def _motivo(valor: Any) -> str:
    texto = _texto(valor)
    if len(texto) < 3:
        raise ErrorApi(422, "Escribe el motivo del cierre.", "motivo")
    if len(texto) > MAX_MOTIVO:
        raise ErrorApi(422, f"El motivo es muy largo: máximo {MAX_MOTIVO} caracteres.", "motivo")
    return texto


def _nss(valor: Any) -> str:
    try:
        return v.validar_nss(_texto(valor))
    except v.ErrorValidacion as error:
        raise ErrorApi(422, error.mensaje, "nss") from None


_LEER = {
    "nss": _nss,
    "linea_captura": _linea,
    "linea_monto": _monto,
    "linea_vence_en": _vence,
    "motivo": _motivo,
}


def _leer_campos(t: caso.Transicion, datos: dict[str, Any]) -> dict[str, Any]:
    """The fields of move ``t`` read and checked; 422 with the first error in Spanish."""
    leidos: dict[str, Any] = {}
    for campo in t.requeridos:
        if not _texto(datos.get(campo)) and not isinstance(datos.get(campo), date):
            raise ErrorApi(422, f"Falta: {caso.CAMPOS[campo]}.", campo)
        leidos[campo] = _LEER[campo](datos[campo])
    return leidos


# ------------------------------------------------------------------ moves
@dataclass(frozen=True)
class Movimiento:
    registro: m.Registro
    aviso: m.Aviso | None


def mover(
    session: Session,
    folio: str,
    destino: str,
    datos: dict[str, Any],
    actor: str,
    *,
    enviar: Enviar | None = None,
) -> Movimiento:
    """Move the case to ``destino`` if bot/caso.py allows it from its current state (409 in
    Spanish otherwise), with the fields that move requires; one audit row, one notice."""
    reg = _registro(session, folio, bloquear=True)
    t = caso.transicion(reg.estado, destino)
    if t is None:
        session.rollback()
        raise ErrorApi(
            409,
            f"No se puede pasar de «{caso.etiqueta(reg.estado)}» a "
            f"«{caso.etiqueta(destino)}». Recarga la página para ver el estado actual.",
            "estado",
        )
    try:
        campos = _leer_campos(t, datos)
    except ErrorApi:
        session.rollback()
        raise
    ahora = ahora_utc()
    _aplicar(reg, destino, campos, ahora)
    session.add(m.Auditoria(folio=reg.folio, accion=ACCION_ESTADO + destino, en=ahora, actor=actor))
    aviso = _nuevo_aviso(session, reg, caso.texto_aviso(reg.folio, destino), ahora)
    session.commit()
    log.info("registro folio=%s estado=%s actor=%s", reg.folio, destino, actor)
    entregar_por_twilio(session, reg, aviso, enviar)
    return Movimiento(reg, aviso)


def _aplicar(reg: m.Registro, destino: str, campos: dict[str, Any], ahora: datetime) -> None:
    reg.estado, reg.actualizado_en = destino, ahora
    if destino == caso.HECHA_EN_IMSS:
        reg.nss = campos["nss"]
        reg.linea_captura = campos["linea_captura"]
        reg.linea_monto = campos["linea_monto"]
        reg.linea_vence_en = campos["linea_vence_en"]
        reg.linea_registrada_en = ahora
    elif destino == caso.PAGADA:
        reg.activado_en = ahora
    elif destino == caso.CERRADA:
        reg.motivo_cierre = campos["motivo"]
        reg.open_curp = None  # a new pre-registration with the same CURP is possible again


# ------------------------------------------------------------------ corrections
ACCION_CORREGIDO = "corregido_"  # audit action: corregido_<campo>.<motivo>, never the values
#: Why a promoter corrects a field: a fixed list, so the audit row never holds free text.
MOTIVOS_CORRECCION = {
    "error": "error al escribir",
    "pidio": "la persona lo pidió",
    "documento": "dato verificado con documento",
    "otro": "otro",
}
MOTIVO_LA_PERSONA_LO_PIDIO = "pidio"
#: The fields a promoter may correct, as the notice to the person names them.
CAMPOS_CORREGIBLES = {
    "nombre": "nombre",
    "email": "correo",
    "telefono": "teléfono",
    "residencia": "ciudad",
    "ocupacion": "ocupación",
    "ingreso": "ingreso mensual",
    "nss": "NSS",
    "curp": "CURP",
}
#: A closed case or erased data admit no correction.
SIN_CORRECCIONES = frozenset({caso.CERRADA, caso.ELIMINADO})
CURP_DE_OTRA_SOLICITUD = (
    "Esa CURP ya está en otra solicitud abierta. Búscala en Registros antes de corregir."
)
#: The columns that say whether a field really changed (the rest follow from them).
_COLUMNAS_DEL_CAMPO = {
    "nombre": ("nombre",),
    "residencia": ("ciudad_residencia", "pais_residencia"),
    "ingreso": ("ingreso_mensual", "moneda"),
    "curp": ("curp",),
}


def accion_correccion(campo: str, motivo: str) -> str:
    return f"{ACCION_CORREGIDO}{campo}.{motivo}"


def texto_aviso_correccion(folio: str, campos: list[str]) -> str:
    """What the person is told: which fields, never their values."""
    nombres = [CAMPOS_CORREGIBLES[c] for c in campos]
    lista = nombres[0] if len(nombres) == 1 else ", ".join(nombres[:-1]) + " y " + nombres[-1]
    return (
        f"La promotora corrigió tu {lista} en tu solicitud {folio}. "
        "Si no lo pediste, escribe PROMOTOR."
    )


@dataclass(frozen=True)
class Correccion:
    registro: m.Registro
    campos: list[str]  # the fields that changed (none: nothing to do)
    aviso: m.Aviso | None


def _columnas(campo: str, valor: Any, fecha: date, tipo_cambio: Decimal) -> dict[str, Any]:
    """The registration's columns for a field already read by the bot's rules."""
    if campo == "nombre":
        return {"nombre": valor, "nombre_busqueda": nombre_para_busqueda(valor)}
    if campo == "residencia":
        lugar = cast(lectura.Residencia, valor)
        return {
            "ciudad_residencia": lugar.ciudad,
            "pais_residencia": lugar.pais or lectura.ESTADOS_UNIDOS,
        }
    if campo == "ingreso":
        ingreso = cast(Ingreso, valor)
        moneda = Moneda(ingreso.moneda)
        mxn, tc = ingreso_en_mxn(ingreso.monto, moneda, None, tipo_cambio)
        cuota = cotizar(mxn, fecha)  # the current tables: a new estimate, never an IMSS amount
        return {
            "ingreso_mensual": ingreso.monto,
            "moneda": moneda.value,
            "ingreso_mensual_mxn": mxn,
            "tipo_cambio": tc,
            "anio_tarifa": cuota.anio,
            "tabla_version": cuota.tabla_version,
            "monto_mensual": cuota.total_mensual,
        }
    if campo == "curp":
        info = cast(v.DatosCurp, valor)
        return {
            "curp": info.curp,
            "fecha_nacimiento": info.fecha_nacimiento,
            "sexo": info.sexo,
            "estado_nacimiento": info.estado_clave,
        }
    return {campo: valor}


def _cambia(reg: m.Registro, campo: str, columnas: dict[str, Any]) -> bool:
    claves = _COLUMNAS_DEL_CAMPO.get(campo, (campo,))
    return any(getattr(reg, c) != columnas[c] for c in claves)


def _curp_libre(session: Session, reg: m.Registro, curp: str) -> None:
    otro = session.execute(
        select(m.Registro.id).where(m.Registro.open_curp == curp, m.Registro.id != reg.id)
    ).first()
    if otro is not None:
        raise ErrorApi(409, CURP_DE_OTRA_SOLICITUD, "curp")


def corregir(
    session: Session,
    folio: str,
    valores: dict[str, Any],
    motivo: str,
    actor: str,
    *,
    fecha: date,
    tipo_cambio: Decimal,
    enviar: Enviar | None = None,
) -> Correccion:
    """A promoter's correction of fields already read by the bot's rules (``valores``: field ->
    value, see ``servicio/consola/registros.leer_correccion``). One audit row per changed field
    with the reason's key (no values), one notice naming the fields; a new income re-estimates
    the fee with the current tables. 409 for a closed or erased case or another open
    registration's CURP; 422 for an unknown reason or field."""
    if motivo not in MOTIVOS_CORRECCION:
        raise ErrorApi(422, "Elige el motivo de la corrección.", "motivo")
    desconocidos = [c for c in valores if c not in CAMPOS_CORREGIBLES]
    if desconocidos:
        raise ErrorApi(422, "Elige qué dato corriges.", "campo")
    reg = _registro(session, folio, bloquear=True)
    if reg.estado in SIN_CORRECCIONES:
        session.rollback()
        raise ErrorApi(
            409,
            f"El caso está «{caso.etiqueta(reg.estado)}»: ya no admite correcciones.",
            "estado",
        )
    # A new phone: the notice goes to the number we knew, so a wrong change does not go unseen.
    ahora, cambiados, telefono_antes = ahora_utc(), [], reg.telefono
    try:
        for campo in CAMPOS_CORREGIBLES:  # a fixed order: the notice and the audit read well
            if campo not in valores:
                continue
            columnas = _columnas(campo, valores[campo], fecha, tipo_cambio)
            if not _cambia(reg, campo, columnas):
                continue
            if campo == "curp":
                _curp_libre(session, reg, columnas["curp"])
                if reg.open_curp is not None:
                    columnas["open_curp"] = columnas["curp"]
            for columna, valor in columnas.items():
                setattr(reg, columna, valor)
            session.add(
                m.Auditoria(
                    folio=reg.folio, accion=accion_correccion(campo, motivo), en=ahora, actor=actor
                )
            )
            cambiados.append(campo)
    except ErrorApi:
        session.rollback()
        raise
    if not cambiados:
        session.rollback()
        return Correccion(reg, [], None)
    reg.actualizado_en = ahora
    aviso = _nuevo_aviso(session, reg, texto_aviso_correccion(reg.folio, cambiados), ahora)
    try:
        session.commit()
    except IntegrityError:  # the same CURP taken by a concurrent registration
        session.rollback()
        raise ErrorApi(409, CURP_DE_OTRA_SOLICITUD, "curp") from None
    log.info("registro folio=%s corregido campos=%s actor=%s", reg.folio, cambiados, actor)
    entregar_por_twilio(session, reg, aviso, enviar, telefono_antes)
    return Correccion(reg, cambiados, aviso)


# ------------------------------------------------------------------ notices
def _nuevo_aviso(session: Session, reg: m.Registro, texto: str, ahora: datetime) -> m.Aviso:
    aviso = m.Aviso(
        registro_id=reg.id,
        canal=reg.canal,
        direccion=reg.direccion_canal,
        texto=texto,
        creado_en=ahora,
    )
    session.add(aviso)
    return aviso


def medio_twilio(
    session: Session,
    reg: m.Registro,
    *,
    ahora: datetime | None = None,
    configurado: Callable[[str], bool] | None = None,
    telefono: str | None = None,
) -> str | None:
    """The Twilio medium that may reach this person now with free-form text: WhatsApp inside the
    window of their last signed message, else SMS to a number that wrote to us (or that a
    promoter typed at the desk). None: not configured, or nothing vouches for the number.

    ``configurado(medio)`` defaults to the Twilio settings; ``ahora`` to the clock; ``telefono``
    to the registration's."""
    from servicio import twilio_salida
    from servicio.inscripcion import contactos

    telefono = telefono or reg.telefono or ""
    if not telefono:
        return None
    ajustes = twilio_salida.AjustesSalida()
    hay = configurado or (lambda medio: twilio_salida.configurado(medio, ajustes))
    ahora = ahora or ahora_utc()
    ultimo_wa = contactos.ultimo_firmado(session, canales.WHATSAPP, telefono)
    if (
        hay(canales.WHATSAPP)
        and ultimo_wa is not None
        and ahora - ultimo_wa < timedelta(hours=ajustes.ventana_whatsapp_h)
    ):
        return canales.WHATSAPP
    if hay(canales.SMS) and (
        reg.origen == m.ORIGEN_CONSOLA
        or contactos.ultimo_firmado(session, canales.SMS, telefono) is not None
    ):
        return canales.SMS
    return None


def _reclamar(session: Session, aviso_id: int, via: str) -> bool:
    resultado = session.execute(
        update(m.Aviso)
        .where(m.Aviso.id == aviso_id, m.Aviso.entregado_en.is_(None))
        .values(entregado_en=ahora_utc(), entregado_via=via)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, resultado).rowcount == 1


def _enviar_twilio(medio: str, telefono: str, texto: str) -> bool:
    from servicio import twilio_salida

    return twilio_salida.enviar(medio, telefono, texto)


def entregar_por_twilio(
    session: Session,
    reg: m.Registro,
    aviso: m.Aviso,
    enviar: Enviar | None = None,
    telefono: str | None = None,
) -> bool:
    """Send a notice by Twilio now if allowed; claimed first and released on failure, so the
    person's next message never shows it twice. False: it waits for their next message.

    A fake ``enviar`` (tests) counts as a configured Twilio. ``telefono``: another number than
    the registration's (the one it had before a correction)."""
    telefono = telefono or reg.telefono or ""
    medio = medio_twilio(
        session, reg, configurado=(lambda _m: True) if enviar else None, telefono=telefono
    )
    if medio is None:
        return False
    ganado = _reclamar(session, aviso.id, VIA_TWILIO)
    session.commit()
    if not ganado:
        return False
    ok = (enviar or _enviar_twilio)(medio, telefono, aviso.texto)
    if not ok:
        session.execute(
            update(m.Aviso)
            .where(m.Aviso.id == aviso.id, m.Aviso.entregado_via == VIA_TWILIO)
            .values(entregado_en=None, entregado_via=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    session.refresh(aviso)
    return ok


def entregar_pendientes(
    session: Session, canal: str, direccion: str, limite: int = 20
) -> list[str]:
    """The person's notices waiting for their next message on ``canal``/``direccion``, claimed
    as delivered (oldest first); each is returned once even with concurrent calls."""
    filas = list(
        session.execute(
            select(m.Aviso)
            .where(
                m.Aviso.canal == canal,
                m.Aviso.direccion == direccion,
                m.Aviso.entregado_en.is_(None),
            )
            .order_by(m.Aviso.id)
            .limit(limite)
        ).scalars()
    )
    textos = [a.texto for a in filas if _reclamar(session, a.id, VIA_SIGUIENTE_MENSAJE)]
    session.commit()
    if textos:
        log.info("avisos entregados via=%s n=%d", VIA_SIGUIENTE_MENSAJE, len(textos))
    return textos


def historial(session: Session, folio: str) -> list[m.Auditoria]:
    """The registration's audit rows, oldest first (the console's history)."""
    return list(
        session.execute(
            select(m.Auditoria).where(m.Auditoria.folio == folio).order_by(m.Auditoria.id)
        ).scalars()
    )


# ------------------------------------------------------------------ reminders consent
def _por_direccion(session: Session, canal: str, direccion: str):
    """Open registrations reachable at that address: their phone (SMS/WhatsApp) or the
    conversation they came from."""
    direccion = (direccion or "").strip()
    if direccion.lower().startswith("whatsapp:"):
        direccion = direccion[len("whatsapp:") :].strip()
    condicion = (m.Registro.canal == canal) & (m.Registro.direccion_canal == direccion)
    if canales.medio_de_ticket(canal) is not None:
        condicion = condicion | (m.Registro.telefono == direccion)
    return list(
        session.execute(
            select(m.Registro).where(condicion, m.Registro.estado != m.ESTADO_ELIMINADO)
        ).scalars()
    )


def cambiar_recordatorios(
    session: Session, canal: str, direccion: str, activar: bool, actor: str | None = None
) -> int:
    """Opt-out (BAJA…) or back in (RECORDATORIOS) for every registration at that address, at
    once; returns how many changed. An audit row per registration (no personal data)."""
    ahora, n = ahora_utc(), 0
    accion = ACCION_RECORDATORIOS_ALTA if activar else ACCION_RECORDATORIOS_BAJA
    for reg in _por_direccion(session, canal, direccion):
        if reg.recordatorios != activar:
            reg.recordatorios, reg.actualizado_en = activar, ahora
            session.add(m.Auditoria(folio=reg.folio, accion=accion, en=ahora, actor=actor))
            n += 1
    session.commit()
    log.info("recordatorios %s registros=%d", "alta" if activar else "baja", n)
    return n


def fijar_recordatorios(session: Session, folio: str, activar: bool, actor: str) -> m.Registro:
    """The console's toggle (the person asked at the desk)."""
    reg = _registro(session, folio)
    if reg.estado == m.ESTADO_ELIMINADO:
        raise ErrorApi(409, "El registro fue eliminado; no admite recordatorios.")
    if reg.recordatorios != activar:
        ahora = ahora_utc()
        reg.recordatorios, reg.actualizado_en = activar, ahora
        accion = ACCION_RECORDATORIOS_ALTA if activar else ACCION_RECORDATORIOS_BAJA
        session.add(m.Auditoria(folio=reg.folio, accion=accion, en=ahora, actor=actor))
    session.commit()
    return reg
