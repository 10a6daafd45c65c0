"""Phone numbers we know write to us: only from requests whose Twilio signature was checked.

The Twilio channel (``channels/twilio.py``) verifies ``X-Twilio-Signature`` and then, on every
inbound message, asks for the promoters' pending replies with ``firmado: true``
(``POST /v1/canalizaciones/entregas``); that call records the number here. No other channel
sends ``firmado`` (REST and socket.io address conversations, not numbers).

The console uses it before any outbound message: WhatsApp free-form only within 24 hours of the
person's last *signed* message, SMS only to a number that wrote to us (or that a promoter typed
with the person in front of them, ``registros.origen == consola``). A number someone typed into
a chat form is never messaged on its own word.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import canales
from bot.tiempo import ahora_utc, en_utc
from bot.validacion import es_e164
from servicio.inscripcion import modelos as m

#: How long a signed contact is kept (longer than any window that reads it).
RETENCION = timedelta(days=30)


def _medio(canal: str) -> str | None:
    """ "whatsapp" or "telefono" (the spelling tickets store) for a Twilio medium, else None."""
    medio = canales.medio_de_ticket(canal)
    return canales.canal_de_ticket(medio) if medio else None


def registrar_firmado(
    session: Session, canal: str, telefono: str, ahora: datetime | None = None
) -> bool:
    """Records that ``telefono`` wrote now on ``canal`` in a signed request; False (nothing
    recorded) for a channel Twilio does not serve or a number that is not E.164."""
    medio, telefono = _medio(canal), (telefono or "").strip()
    if medio is None or not es_e164(telefono):
        return False
    ahora = ahora or ahora_utc()
    fila = session.get(m.ContactoFirmado, (medio, telefono))
    if fila is None:
        session.add(m.ContactoFirmado(medio=medio, telefono=telefono, ultimo_en=ahora))
    else:
        fila.ultimo_en = ahora
    session.execute(
        delete(m.ContactoFirmado).where(m.ContactoFirmado.ultimo_en < ahora - RETENCION)
    )
    session.commit()
    return True


def ultimo_firmado(session: Session, canal: str, telefono: str) -> datetime | None:
    """When ``telefono`` last wrote on ``canal`` in a signed request (None: never, or too long
    ago to be kept)."""
    medio = _medio(canal)
    if medio is None:
        return None
    ultimo = session.execute(
        select(m.ContactoFirmado.ultimo_en).where(
            m.ContactoFirmado.medio == medio, m.ContactoFirmado.telefono == (telefono or "").strip()
        )
    ).scalar()
    if ultimo is None or en_utc(ultimo) < ahora_utc() - RETENCION:
        return None
    return en_utc(ultimo)


__all__ = ["RETENCION", "registrar_firmado", "ultimo_firmado"]
