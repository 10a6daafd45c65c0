"""Monthly payment reminders: the pure rules (opt-out words, quiet hours, time zone, text).

The job that sends them is ``servicio/recordatorios.py``. Pure module: runs under both Pythons.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.texto import sin_acentos

__all__ = [
    "CONFIRMACION_ALTA",
    "CONFIRMACION_BAJA",
    "DIA_LIMITE",
    "es_alta",
    "es_baja",
    "mes_de",
    "en_horario",
    "toca_recordar",
    "texto_recordatorio",
    "zona_de",
]

#: Day of the month IMSS officials give as the payment deadline (⚠ one source says 15: the text
#: tells the person to confirm it with IMSS and to read the date printed on their línea).
DIA_LIMITE = 20
#: Reminders go out from this many days before the deadline.
DIAS_ANTES = 5
HORA_DESDE = time(9, 0)
HORA_HASTA = time(20, 0)

# Twilio's English defaults plus Spanish ones (Twilio only knows the English ones). A bare
# "cancelar" is not one: in the chat it cancels the form being filled.
_BAJAS = frozenset(
    {
        "baja",
        "alto",
        "parar",
        "cancelar recordatorios",
        "stop",
        "stopall",
        "unsubscribe",
        "end",
        "quit",
        "cancel",
        "optout",
        "revoke",
    }
)
_ALTAS = frozenset({"recordatorios", "start", "unstop"})

CONFIRMACION_BAJA = (
    "Listo, ya no te enviaremos recordatorios. Para volver a recibirlos, escribe RECORDATORIOS."
)
CONFIRMACION_ALTA = (
    "Listo, te enviaremos un recordatorio al mes antes de la fecha de pago. Para dejar de "
    "recibirlos, escribe BAJA."
)


def _normal(texto: str | None) -> str:
    limpio = "".join(c if c.isalnum() else " " for c in sin_acentos((texto or "").lower()))
    return " ".join(limpio.split())


def es_baja(texto: str | None) -> bool:
    """True if the whole message is an opt-out word (BAJA, ALTO, PARAR, CANCELAR RECORDATORIOS,
    STOP, UNSUBSCRIBE…): a sentence that merely contains one ("no quiero darme de baja") is not."""
    return _normal(texto) in _BAJAS


def es_alta(texto: str | None) -> bool:
    """True for RECORDATORIOS (or START): the person asks to receive reminders again."""
    return _normal(texto) in _ALTAS


# USPS state -> its main IANA zone (states split across zones use their most populous one).
_ZONAS = {
    **dict.fromkeys(
        "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV".split(),
        "America/New_York",
    ),
    **dict.fromkeys("AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI".split(), "America/Chicago"),
    **dict.fromkeys("CO ID MT NM UT WY".split(), "America/Denver"),
    "AZ": "America/Phoenix",
    **dict.fromkeys("CA NV OR WA".split(), "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}
ZONA_POR_OMISION = "America/Mexico_City"


def zona_de(consulado: str | None) -> ZoneInfo:
    """The person's time zone from their consulate ("Dallas, TX", ``Ventanilla.consulado``);
    Mexico City's when it is unknown."""
    estado = (consulado or "").rsplit(",", 1)[-1].strip().upper()
    return ZoneInfo(_ZONAS.get(estado, ZONA_POR_OMISION))


def en_horario(ahora: datetime, zona: ZoneInfo) -> bool:
    """True between 9:00 and 20:00 in the person's local time (quiet hours otherwise)."""
    local = ahora.astimezone(zona).time()
    return HORA_DESDE <= local < HORA_HASTA


def mes_de(ahora: datetime, zona: ZoneInfo) -> str:
    """The reminder's month, "2026-12", in the person's time zone (one reminder per month)."""
    return ahora.astimezone(zona).strftime("%Y-%m")


def toca_recordar(ahora: datetime, zona: ZoneInfo) -> bool:
    """True from ``DIAS_ANTES`` days before day ``DIA_LIMITE`` up to that day, local time."""
    dia = ahora.astimezone(zona).day
    return DIA_LIMITE - DIAS_ANTES <= dia <= DIA_LIMITE


def fecha_limite(ahora: datetime, zona: ZoneInfo) -> date:
    local = ahora.astimezone(zona).date()
    return local.replace(day=DIA_LIMITE)


def texto_recordatorio(folio: str, limite: date) -> str:
    """SMS-sized reminder: the deadline as IMSS officials give it, with the ⚠ caveat."""
    return (
        f"Orienta ({folio}): recuerda pagar tu cuota del IMSS de este mes. El IMSS indica el día "
        f"{limite.day} como fecha límite; confírmalo con el IMSS y revisa la fecha impresa en tu "
        "línea de captura. Para no recibir más recordatorios, escribe BAJA."
    )


def espera_hasta(ahora: datetime, zona: ZoneInfo) -> datetime:
    """The next moment reminders may go out (for the log and tests)."""
    local = ahora.astimezone(zona)
    inicio = local.replace(hour=HORA_DESDE.hour, minute=0, second=0, microsecond=0)
    return inicio if local < inicio else inicio + timedelta(days=1)
