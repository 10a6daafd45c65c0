"""Time rules: everything is stored in UTC; dates shown to people are Mexico City dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import overload
from zoneinfo import ZoneInfo

__all__ = ["ZONA_MX", "ahora_utc", "en_utc", "dia_en_mexico", "leer_instante"]

#: Mexico City has had no daylight saving time since 2022: fixed UTC-6.
ZONA_MX = timezone(timedelta(hours=-6), "America/Mexico_City")


def ahora_utc() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


@overload
def en_utc(dt: datetime) -> datetime: ...
@overload
def en_utc(dt: None) -> None: ...
def en_utc(dt: datetime | None) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite returns naive datetimes, all UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def dia_en_mexico(dt: datetime) -> date:
    """The Mexico City calendar day of an instant (a naive one is read as UTC)."""
    return en_utc(dt).astimezone(ZONA_MX).date()


def leer_instante(texto: str) -> datetime:
    """An ISO 8601 instant as the service writes it ("...Z" or "+00:00"), aware, in UTC.

    Python 3.10's ``fromisoformat`` (Rasa's environment) does not read the "Z" suffix that
    pydantic 2 writes; both environments read it the same way through here."""
    return en_utc(datetime.fromisoformat(str(texto).strip().replace("Z", "+00:00")))


# USPS state -> its main IANA zone (states split across zones use their most populous one).
# One table for the reminders' quiet hours and the consulates' office hours.
ZONAS_POR_ESTADO = {
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


def zona_de_consulado(consulado: str | None, omision: str = "America/Mexico_City") -> ZoneInfo:
    """A consulate's time zone from its state ("Dallas, TX" -> America/Chicago); ``omision``
    when the state is unknown."""
    estado = (consulado or "").rsplit(",", 1)[-1].strip().upper()
    return ZoneInfo(ZONAS_POR_ESTADO.get(estado, omision))
