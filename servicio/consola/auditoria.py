"""Who saw or changed which record from the console, and when.

Rows go to the service's ``auditoria`` table (no personal data: record id, action, time, actor).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.orm import Session

from bot.tiempo import ahora_utc, en_utc
from servicio.inscripcion import casos
from servicio.inscripcion import modelos as m
from servicio.inscripcion.canalizaciones import actor

# Console actions and their labels on the audit page. Service actions keep their own names.
BUSQUEDA = "consola_busqueda"
VISTA = "consola_vista"
FICHA = "consola_ficha"
ENVIO_REFERENCIA = "consola_envio_referencia"
VISTA_CANALIZACION = "consola_vista_canalizacion"
#: One row per search by name (record "-"): the hourly budget of name searches counts them.
BUSQUEDA_NOMBRE = "consola_busqueda_nombre"
SIN_REGISTRO = "-"
ETIQUETAS = {
    BUSQUEDA_NOMBRE: "buscó por nombre",
    BUSQUEDA: "vio el registro en una búsqueda",
    VISTA: "abrió el registro",
    FICHA: "imprimió la hoja de la solicitud",
    ENVIO_REFERENCIA: "envió el mensaje de la solicitud",
    VISTA_CANALIZACION: "abrió la canalización",
    "registro_creado": "creó el registro",
    "pago_confirmado": "anotó el pago (simulado, antes de los estados del caso)",
    "estado_en_proceso": "anotó cita o llamada (en proceso)",
    "estado_hecha_en_imss": "registró lo que emitió el IMSS (NSS y línea de captura)",
    "estado_pagada": "confirmó el pago con el comprobante",
    "estado_clinica_asignada": "anotó el alta en la clínica",
    "estado_cerrada": "cerró el caso",
    "recordatorios_alta": "activó los recordatorios de pago",
    "recordatorios_baja": "dio de baja los recordatorios de pago",
    "recordatorio_whatsapp": "recordatorio enviado por WhatsApp",
    "recordatorio_plantilla": "recordatorio enviado con plantilla de WhatsApp",
    "recordatorio_sms": "recordatorio enviado por SMS",
    "recordatorio_web": "recordatorio en espera del chat web",
    "recordatorio_fallido": "recordatorio sin canal disponible",
    "linea_renovada": "renovó la línea de captura",
    "registro_eliminado": "borró los datos (ARCO)",
    "canalizacion_tomada": "tomó la canalización",
    "canalizacion_respondida": "respondió la canalización",
    "canalizacion_cerrada": "cerró la canalización",
    "canalizacion_creada": "abrió el caso (la persona lo pidió al asistente)",
    "canalizacion_asignada": "asignó el caso a una colega",
    "canalizacion_nota": "escribió una nota privada",
    "canalizacion_mensaje_persona": "recibió un mensaje de la persona",
    "canalizacion_volvio_al_asistente": "cerró: la persona volvió al asistente",
    "canalizacion_vencida": "cerró: sin respuesta fuera de horario",
    "pregunta_atendida": "marcó una pregunta sin respuesta como atendida",
}
# A promoter's corrections (casos.corregir): the field and the reason, never the values.
_CORREGIDO = {
    "nombre": "el nombre",
    "email": "el correo",
    "telefono": "el teléfono",
    "residencia": "la ciudad",
    "ocupacion": "la ocupación",
    "ingreso": "el ingreso mensual (y la cuota estimada)",
    "nss": "el NSS",
    "curp": "la CURP",
}
ETIQUETAS.update(
    {
        casos.accion_correccion(campo, motivo): f"corrigió {nombre} ({razon})"
        for campo, nombre in _CORREGIDO.items()
        for motivo, razon in casos.MOTIVOS_CORRECCION.items()
    }
)

#: Who did it, when no console account did: names a promoter understands (not "API").
QUIEN_SIN_CUENTA = {
    None: "Asistente Orienta",
    "api:admin": "Coordinación (sistema interno)",
}


def anotar_accesos(
    session: Session, promotor: m.Promotor, accion: str, registros: Iterable[str]
) -> int:
    """One row per record viewed; committed here so a view is logged even if rendering fails."""
    ahora, quien, n = ahora_utc(), actor(promotor), 0
    for folio in dict.fromkeys(registros):  # once per record, in order
        session.add(m.Auditoria(folio=folio, accion=accion, en=ahora, actor=quien))
        n += 1
    if n:
        session.commit()
    return n


def anotar_busqueda_nombre(session: Session, promotor: m.Promotor) -> None:
    session.add(
        m.Auditoria(
            folio=SIN_REGISTRO, accion=BUSQUEDA_NOMBRE, en=ahora_utc(), actor=actor(promotor)
        )
    )
    session.commit()


def busquedas_nombre_recientes(session: Session, promotor: m.Promotor) -> int:
    """Name searches of this account in the last hour."""
    return session.execute(
        select(func.count()).where(
            m.Auditoria.accion == BUSQUEDA_NOMBRE,
            m.Auditoria.actor == actor(promotor),
            m.Auditoria.en >= ahora_utc() - timedelta(hours=1),
        )
    ).scalar_one()


@dataclass(frozen=True)
class Entrada:
    en: datetime
    folio: str
    accion: str
    etiqueta: str
    usuario: str | None  # None: the assistant or the API
    quien: str = ""  # the account's name, or QUIEN_SIN_CUENTA


def consultar(
    session: Session, folio: str | None = None, usuario: str | None = None, limite: int = 200
) -> list[Entrada]:
    stmt = (
        select(m.Auditoria, m.Promotor.usuario, m.Promotor.nombre)
        .outerjoin(
            m.Promotor, m.Auditoria.actor == literal("promotor:") + cast(m.Promotor.id, String)
        )
        .order_by(m.Auditoria.id.desc())
        .limit(limite)
    )
    if folio:
        stmt = stmt.where(m.Auditoria.folio == folio.strip().upper())
    if usuario:
        stmt = stmt.where(m.Promotor.usuario == usuario.strip().lower())
    return [
        Entrada(
            en_utc(fila.en),
            fila.folio,
            fila.accion,
            ETIQUETAS.get(fila.accion, fila.accion),
            u,
            nombre or QUIEN_SIN_CUENTA.get(fila.actor, "Otro sistema"),
        )
        for fila, u, nombre in session.execute(stmt)
    ]
