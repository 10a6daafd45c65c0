"""Time rules: everything is stored in UTC; dates shown to people are Mexico City dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import overload

__all__ = ["ZONA_MX", "ahora_utc", "en_utc", "dia_en_mexico"]

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
