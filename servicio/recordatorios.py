"""Monthly payment reminders for people who opted in: ``python -m servicio.recordatorios`` runs
once (idempotent); ``make run`` repeats it every few minutes, Kubernetes as a CronJob.

Rules (the pure ones in ``bot/recordatorios.py``):

* only registrations with ``recordatorios`` on whose promoter recorded what IMSS issued
  (``hecha_en_imss``, ``pagada``, ``clinica_asignada``): there is a monthly payment to make;
* from 5 days before day 20 (IMSS officials; one source says 15, so the text says "confírmalo con
  el IMSS") to day 20, in the person's time zone (their consulate's state), between 9:00 and
  20:00 local: outside those hours the run skips them and a later run sends it;
* exactly one per registration and month: a ``recordatorios_mes`` row is inserted (unique
  registration + month) *before* sending, so a second run or a second replica loses the insert
  and sends nothing;
* channel: WhatsApp free-form inside the 24-hour window of the person's last signed message;
  outside it, the approved utility template (``ORIENTA_RECORDATORIOS_PLANTILLA``, Twilio
  Content API: ``content_sid`` + ``content_variables``, ``{"1": folio, "2": day}``); SMS as the
  fallback (to a number that wrote to us, or that a promoter typed at the desk); otherwise a
  pending notice shown with the assistant's next answer on the conversation the registration
  came from (web chat).

Opt-out (BAJA, ALTO, PARAR, CANCELAR RECORDATORIOS, STOP…) goes through
``POST /v1/recordatorios/baja`` and is read by every run, so it is honoured from the next one.
Log lines carry folios and counts only.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import canales, caso
from bot import recordatorios as r
from bot.tiempo import ahora_utc
from servicio.inscripcion import contactos
from servicio.inscripcion import modelos as m

log = logging.getLogger("orienta.recordatorios")

#: States in which the person has a monthly payment to make (IMSS issued their línea).
ESTADOS_CON_PAGO = (caso.HECHA_EN_IMSS, caso.PAGADA, caso.CLINICA_ASIGNADA)
VIA_WHATSAPP, VIA_PLANTILLA, VIA_SMS, VIA_WEB, VIA_FALLIDO = (
    "whatsapp",
    "plantilla",
    "sms",
    "web",
    "fallido",
)


class AjustesRecordatorios(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORIENTA_RECORDATORIOS_", extra="ignore")

    #: Content SID (HX…) of the approved WhatsApp utility template; unset: no template.
    plantilla: str | None = None
    #: Minutes between runs of ``--cada`` (``make run``).
    intervalo_min: float = 30.0
    #: WhatsApp free-form window, hours (a margin under Meta's 24 h, as the console uses).
    ventana_whatsapp_h: float = 23.0


class Cliente(Protocol):
    """What the job needs from Twilio (``ClienteTwilio``; tests pass a fake)."""

    def configurado(self, medio: str) -> bool: ...

    def texto(self, medio: str, telefono: str, texto: str) -> bool: ...

    def plantilla(self, telefono: str, content_sid: str, variables: dict[str, str]) -> bool: ...


class ClienteTwilio:
    """The real one: ``servicio.twilio_salida`` for free text, the Content API for templates.

    ``ajustes`` and ``http_client`` default to the environment and Twilio's own (tests pass
    fakes)."""

    def __init__(self, ajustes: Any = None, http_client: Any = None) -> None:
        from servicio import twilio_salida

        self._salida = twilio_salida
        self._ajustes = ajustes or twilio_salida.AjustesSalida()
        self._http = http_client

    def configurado(self, medio: str) -> bool:
        return self._salida.configurado(medio, self._ajustes)

    def texto(self, medio: str, telefono: str, texto: str) -> bool:
        return self._salida.enviar(medio, telefono, texto, self._http, ajustes=self._ajustes)

    def plantilla(self, telefono: str, content_sid: str, variables: dict[str, str]) -> bool:
        """An approved template (Twilio Content API): ``content_sid`` + ``content_variables``."""
        if not self.configurado(canales.WHATSAPP):
            return False
        return self._salida.enviar_plantilla(
            telefono, variables, self._http, ajustes=self._ajustes, content_sid=content_sid
        )


@dataclass
class Resumen:
    enviados: dict[str, int] = field(default_factory=dict)
    fuera_de_horario: int = 0
    ya_enviados: int = 0

    def contar(self, via: str) -> None:
        self.enviados[via] = self.enviados.get(via, 0) + 1


def _candidatos(session: Session) -> list[m.Registro]:
    return list(
        session.execute(
            select(m.Registro)
            .where(m.Registro.recordatorios.is_(True), m.Registro.estado.in_(ESTADOS_CON_PAGO))
            .order_by(m.Registro.id)
        ).scalars()
    )


def _reclamar(
    session: Session, reg: m.Registro, mes: str, ahora: datetime
) -> m.RecordatorioMes | None:
    """The month's row for ``reg``, or None if another run already took it."""
    fila = m.RecordatorioMes(registro_id=reg.id, mes=mes, via="enviando", en=ahora)
    session.add(fila)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return fila


def _por_whatsapp(
    session: Session,
    telefono: str,
    texto: str,
    variables: dict[str, str],
    ahora: datetime,
    cliente: Cliente,
    ajustes: AjustesRecordatorios,
) -> str | None:
    """Free-form inside the 24-hour window; the approved template outside it (only to a number
    that wrote to us on WhatsApp at some point we still keep)."""
    if not (telefono and cliente.configurado(canales.WHATSAPP)):
        return None
    ultimo = contactos.ultimo_firmado(session, canales.WHATSAPP, telefono)
    if ultimo is None:
        return None
    if ahora - ultimo < timedelta(hours=ajustes.ventana_whatsapp_h):
        return VIA_WHATSAPP if cliente.texto(canales.WHATSAPP, telefono, texto) else None
    sid = ajustes.plantilla
    return VIA_PLANTILLA if sid and cliente.plantilla(telefono, sid, variables) else None


def _por_sms(session: Session, reg: m.Registro, texto: str, cliente: Cliente) -> str | None:
    telefono = reg.telefono or ""
    confiable = reg.origen == m.ORIGEN_CONSOLA or (
        contactos.ultimo_firmado(session, canales.SMS, telefono) is not None
    )
    if telefono and confiable and cliente.configurado(canales.SMS):
        return VIA_SMS if cliente.texto(canales.SMS, telefono, texto) else None
    return None


def _enviar(
    session: Session,
    reg: m.Registro,
    texto: str,
    variables: dict[str, str],
    ahora: datetime,
    cliente: Cliente,
    ajustes: AjustesRecordatorios,
) -> str:
    """Try the channels in order; the one that worked (or ``web``/``fallido``)."""
    via = _por_whatsapp(session, reg.telefono or "", texto, variables, ahora, cliente, ajustes)
    via = via or _por_sms(session, reg, texto, cliente)
    if via:
        return via
    if reg.canal and reg.direccion_canal:
        session.add(
            m.Aviso(
                registro_id=reg.id,
                canal=reg.canal,
                direccion=reg.direccion_canal,
                texto=texto,
                creado_en=ahora,
            )
        )
        return VIA_WEB
    return VIA_FALLIDO


def correr(
    session: Session,
    ahora: datetime | None = None,
    cliente: Cliente | None = None,
    ajustes: AjustesRecordatorios | None = None,
) -> Resumen:
    """One pass over the opted-in registrations; safe to run twice, or on two replicas."""
    ahora = ahora or ahora_utc()
    cliente = cliente or ClienteTwilio()
    ajustes = ajustes or AjustesRecordatorios()
    resumen = Resumen()
    for reg in _candidatos(session):
        zona = r.zona_de(reg.consulado)
        if not r.toca_recordar(ahora, zona):
            continue
        if not r.en_horario(ahora, zona):
            resumen.fuera_de_horario += 1
            continue
        fila = _reclamar(session, reg, r.mes_de(ahora, zona), ahora)
        if fila is None:
            resumen.ya_enviados += 1
            continue
        session.refresh(reg)
        if not reg.recordatorios:  # opted out between the query and the claim
            session.delete(fila)
            session.commit()
            continue
        limite = r.fecha_limite(ahora, zona)
        texto = r.texto_recordatorio(reg.folio, limite)
        variables = {"1": reg.folio, "2": str(limite.day)}
        via = _enviar(session, reg, texto, variables, ahora, cliente, ajustes)
        fila.via = via
        session.add(m.Auditoria(folio=reg.folio, accion=f"recordatorio_{via}", en=ahora))
        session.commit()
        resumen.contar(via)
        log.info("recordatorio folio=%s via=%s", reg.folio, via)
    return resumen


def _sesiones() -> Callable[[], Session]:
    from servicio.inscripcion.ajustes import AjustesServicio
    from servicio.inscripcion.bd import crear_fabrica_sesiones, crear_motor

    return crear_fabrica_sesiones(crear_motor(AjustesServicio().database_url, pool_size=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recordatorios mensuales de pago (una pasada).")
    parser.add_argument(
        "--cada",
        action="store_true",
        help="repetir cada ORIENTA_RECORDATORIOS_INTERVALO_MIN minutos (make run)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ajustes = AjustesRecordatorios()
    fabrica = _sesiones()
    while True:
        try:
            with fabrica() as session:
                resumen = correr(session, ajustes=ajustes)
        except Exception as error:  # noqa: BLE001 - the loop retries; a single pass reports it
            log.error("recordatorios: la pasada falló (%s)", type(error).__name__)
            if not args.cada:
                return 1
        else:
            log.info(
                "recordatorios: enviados=%s fuera_de_horario=%d ya_enviados=%d",
                resumen.enviados,
                resumen.fuera_de_horario,
                resumen.ya_enviados,
            )
            if not args.cada:
                return 0
        time.sleep(max(60.0, ajustes.intervalo_min * 60))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["AjustesRecordatorios", "ClienteTwilio", "Resumen", "correr", "main"]
