"""Proof of ownership for a registration's status and erasure: a one-time code to the phone on file.

Folio + CURP are not enough (a CURP can be looked up and a folio guessed or read over a
shoulder), so status and erasure through the assistant also need a code sent to the phone the
registration holds:

* ``pedir_codigo``: folio and CURP must match; a random 6-digit code is stored as an HMAC (key
  derived from the admin API key, never in the database), lives ``VIGENCIA`` and is used once. It
  goes by SMS (or WhatsApp) through ``servicio/twilio_salida.py``; with Twilio not configured
  (embedded defaults) it is written to this service's log, marked as development only, with the
  folio and never the phone or the CURP.
* ``verificar``: folio, CURP and code must all match; the code is then spent.
* Every failure (folio and CURP not matching, a wrong, spent or expired code) is counted per folio
  and per conversation; ``MAX_FALLOS`` of them within ``VENTANA`` lock both for the rest of it
  (429 with a Spanish message). Codes sent are capped per folio too (``MAX_ENVIOS``), so the
  assistant cannot be used to flood someone's phone.

A promoter (admin key, or the console after seeing the person's documents) needs no code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot import canales
from bot.mensajes import texto_codigo
from bot.tiempo import ahora_utc, en_utc
from servicio import twilio_salida
from servicio.inscripcion import modelos as m
from servicio.inscripcion import operaciones as svc

log = logging.getLogger("orienta.enrollment.verificacion")

CONSULTA, BORRADO = "consulta", "borrado"
PROPOSITOS = (CONSULTA, BORRADO)
DIGITOS = 6
VIGENCIA = timedelta(minutes=10)
MAX_FALLOS = 5
MAX_ENVIOS = 3
VENTANA = timedelta(minutes=15)
#: The medium reported when no Twilio sender is configured (the code went to the log).
MEDIO_DESARROLLO = "desarrollo"

BLOQUEADO = (
    "Hubo demasiados intentos con este folio o en esta conversación. Por tu seguridad, espera "
    "15 minutos y vuelve a intentarlo, o pide ayuda a un promotor de la Ventanilla de Salud."
)
DEMASIADOS_ENVIOS = (
    "Ya te mandamos varios códigos para este folio. Espera 15 minutos antes de pedir otro, o pide "
    "ayuda a un promotor de la Ventanilla de Salud."
)
CODIGO_INCORRECTO = (
    "El código no es correcto o ya venció. Revisa el mensaje que te mandamos o pide uno nuevo."
)
NO_ENVIADO = (
    "No pudimos mandarte el código en este momento. Intenta de nuevo en unos minutos o pide "
    "ayuda a un promotor de la Ventanilla de Salud."
)


@dataclass(frozen=True)
class Envio:
    medio: str  # "sms", "whatsapp" or MEDIO_DESARROLLO
    vence_en: datetime


def _clave_hmac(secreto: str) -> bytes:
    return hashlib.sha256(b"orienta-codigos-v1:" + secreto.encode()).digest()


def _hash(secreto: str, folio: str, proposito: str, codigo: str) -> str:
    mensaje = f"{folio}:{proposito}:{codigo}".encode()
    return hmac.new(_clave_hmac(secreto), mensaje, hashlib.sha256).hexdigest()


def clave_conversacion(secreto: str, conversacion: str) -> str:
    """The lock key of a conversation: an HMAC, so the table never holds a sender id."""
    digest = hmac.new(_clave_hmac(secreto), b"conv:" + conversacion.encode(), hashlib.sha256)
    return "fallo:conv:" + digest.hexdigest()[:32]


def _claves_fallo(secreto: str, folio: str, conversacion: str | None) -> list[str]:
    claves = [f"fallo:folio:{folio}"]
    if conversacion:
        claves.append(clave_conversacion(secreto, conversacion))
    return claves


def _cuantos(session: Session, clave: str, desde: datetime) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                m.IntentoVerificacion.clave == clave, m.IntentoVerificacion.en >= desde
            )
        ).scalar_one()
    )


def _exigir_no_bloqueado(session: Session, claves: list[str], ahora: datetime) -> None:
    desde = ahora - VENTANA
    if any(_cuantos(session, clave, desde) >= MAX_FALLOS for clave in claves):
        raise svc.ErrorApi(429, BLOQUEADO)


def _fallo(session: Session, claves: list[str], ahora: datetime) -> None:
    for clave in claves:
        session.add(m.IntentoVerificacion(clave=clave, en=ahora))
    session.execute(delete(m.IntentoVerificacion).where(m.IntentoVerificacion.en < ahora - VENTANA))
    session.commit()


def _registro_del_duenio(
    session: Session, folio: str, curp: str, claves: list[str], ahora: datetime
) -> m.Registro:
    try:
        return svc.buscar_registro(session, folio, curp)
    except svc.ErrorApi:
        _fallo(session, claves, ahora)
        raise


def _medio_de_envio(ajustes: twilio_salida.AjustesSalida) -> str | None:
    for medio in (canales.SMS, canales.WHATSAPP):
        if twilio_salida.configurado(medio, ajustes):
            return medio
    return None


def pedir_codigo(
    session: Session,
    secreto: str,
    folio: str,
    curp: str,
    proposito: str,
    conversacion: str | None,
    *,
    ajustes: twilio_salida.AjustesSalida | None = None,
    en_bitacora: bool = True,
) -> Envio:
    """Send a fresh code for ``proposito`` to the phone of the registration (folio AND CURP)."""
    folio = folio.strip().upper()
    ahora = ahora_utc()
    claves = _claves_fallo(secreto, folio, conversacion)
    _exigir_no_bloqueado(session, claves, ahora)
    reg = _registro_del_duenio(session, folio, curp, claves, ahora)
    envios = f"envio:folio:{reg.folio}"
    if _cuantos(session, envios, ahora - VENTANA) >= MAX_ENVIOS:
        raise svc.ErrorApi(429, DEMASIADOS_ENVIOS)
    codigo = f"{secrets.randbelow(10**DIGITOS):0{DIGITOS}d}"
    # One live code per folio and purpose: asking again replaces the previous one.
    session.execute(
        delete(m.CodigoVerificacion).where(
            m.CodigoVerificacion.folio == reg.folio, m.CodigoVerificacion.proposito == proposito
        )
    )
    fila = m.CodigoVerificacion(
        folio=reg.folio,
        proposito=proposito,
        codigo_hash=_hash(secreto, reg.folio, proposito, codigo),
        creado_en=ahora,
        expira_en=ahora + VIGENCIA,
    )
    session.add(fila)
    session.add(m.IntentoVerificacion(clave=envios, en=ahora))
    ajustes = ajustes or twilio_salida.AjustesSalida()
    medio = _medio_de_envio(ajustes)
    if medio is None and not en_bitacora:
        session.rollback()
        log.error(
            "códigos sin Twilio configurado y sin bitácora de desarrollo (folio=%s)", reg.folio
        )
        raise svc.ErrorApi(503, NO_ENVIADO)
    if medio is None:
        session.commit()
        # Embedded defaults only: no Twilio, so the person running it locally reads it here.
        log.warning(
            "SOLO DESARROLLO (Twilio sin configurar): código de %s para folio=%s: %s",
            proposito,
            reg.folio,
            codigo,
        )
        return Envio(MEDIO_DESARROLLO, fila.expira_en)
    texto = texto_codigo(codigo, proposito == BORRADO, int(VIGENCIA.total_seconds() // 60))
    if not twilio_salida.enviar(
        medio, reg.telefono or "", texto, ticket=reg.folio, ajustes=ajustes
    ):
        session.rollback()
        raise svc.ErrorApi(503, NO_ENVIADO)
    session.commit()
    log.info("código de %s enviado folio=%s medio=%s", proposito, reg.folio, medio)
    return Envio(medio, fila.expira_en)


def verificar(
    session: Session,
    secreto: str,
    folio: str,
    curp: str,
    proposito: str,
    codigo: str,
    conversacion: str | None,
) -> m.Registro:
    """The registration, if folio, CURP and a live code for ``proposito`` match; the code is spent.

    Failures are counted and lock (429); the caller commits what it does with the registration.
    """
    folio = folio.strip().upper()
    ahora = ahora_utc()
    claves = _claves_fallo(secreto, folio, conversacion)
    _exigir_no_bloqueado(session, claves, ahora)
    reg = _registro_del_duenio(session, folio, curp, claves, ahora)
    esperado = _hash(secreto, reg.folio, proposito, codigo.strip())
    filas = session.execute(
        select(m.CodigoVerificacion).where(
            m.CodigoVerificacion.folio == reg.folio,
            m.CodigoVerificacion.proposito == proposito,
            m.CodigoVerificacion.usado_en.is_(None),
        )
    ).scalars()
    valida = None
    for fila in filas:
        coincide = hmac.compare_digest(fila.codigo_hash.encode(), esperado.encode())
        if coincide and en_utc(fila.expira_en) > ahora:
            valida = fila
    if valida is None:
        _fallo(session, claves, ahora)
        raise svc.ErrorApi(403, CODIGO_INCORRECTO, "codigo")
    valida.usado_en = ahora
    session.execute(
        delete(m.IntentoVerificacion).where(
            m.IntentoVerificacion.clave == f"fallo:folio:{reg.folio}"
        )
    )
    session.commit()
    log.info("código de %s verificado folio=%s", proposito, reg.folio)
    return reg
