"""Tracker stores that protect personal data (Rasa plugins, configured in endpoints files).

Rasa stores every user message, bot message and slot value as plain JSON: a CURP typed in the
registration form, the summary the bot repeats back, the phone number in Twilio's metadata.

* ``SQLTrackerStoreSeguro`` (production, PostgreSQL): Rasa's SQL tracker store, but the ``data``
  of every event that can hold personal data (user, bot, slot, entities, session metadata) is
  encrypted with Fernet (``ORIENTA_TRACKER_KEY``; several keys
  separated by commas rotate: the first encrypts, all decrypt). The columns Rasa queries (sender,
  event type, intent and action names, timestamp) stay readable. Rasa works on decrypted trackers.
* ``InMemoryTrackerStoreSeguro`` (embedded default): memory only, nothing to encrypt.

Both honour a person's request to erase their data (``borrado_form``, actions/cuenta.py): when the
action that erased a registration sets the slot ``conversacion_borrada``, every earlier event of
that conversation is deleted from the store, and so is every other conversation of that person
the service knew of (``conversaciones_borradas``: hashes ``bot.analitica.conversacion_id`` of
their ids, e.g. the WhatsApp conversation that submitted the registration when the erasure is
asked on the web chat), on any channel.
"""

from __future__ import annotations

import json
import logging
import os
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.analitica import conversacion_id
from bot.secretos import rechazar_marcador

log = logging.getLogger(__name__)

CLAVE_ENV = "ORIENTA_TRACKER_KEY"
SLOT_BORRADO = "conversacion_borrada"
SLOT_OTRAS = "conversaciones_borradas"
_HASH = re.compile(r"^[0-9a-f]{32}$")
CIFRADO = "_cifrado"
# Event types that never carry what a person wrote, a slot value or channel metadata: they stay
# in clear (Rasa and operators query them). Every other type (user, bot, slot, entities,
# session_started with the channel's metadata, reminders, ...) is encrypted.
TIPOS_EN_CLARO = frozenset(
    {
        "action",
        "active_loop",
        "loop_interrupted",
        "action_execution_rejected",
        "followup",
        "restart",
        "rewind",
        "undo",
        "pause",
        "resume",
        "user_featurization",
        "cancel_reminder",
    }
)


class ClaveFaltante(RuntimeError):
    pass


def cifrador(claves: str | None = None) -> MultiFernet:
    valor = os.environ.get(CLAVE_ENV, "") if claves is None else claves
    partes = [c.strip() for c in valor.split(",") if c.strip()]
    if not partes:
        raise ClaveFaltante(
            f"Falta {CLAVE_ENV}: la clave Fernet que cifra los datos personales del tracker "
            "(genera una con: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    try:
        return MultiFernet([Fernet(c.encode()) for c in partes])
    except ValueError:
        raise ClaveFaltante(f"{CLAVE_ENV} no es una clave Fernet válida.") from None


def cifrar_evento(datos: dict[str, Any], f: MultiFernet) -> dict[str, Any]:
    """Keep type and time readable; everything else becomes one token."""
    if datos.get("event") in TIPOS_EN_CLARO:
        return datos
    token = f.encrypt(json.dumps(datos, ensure_ascii=False).encode("utf-8")).decode("ascii")
    return {"event": datos["event"], "timestamp": datos.get("timestamp"), CIFRADO: token}


def descifrar_evento(datos: dict[str, Any], f: MultiFernet) -> dict[str, Any]:
    if CIFRADO not in datos:
        return datos
    try:
        return json.loads(f.decrypt(datos[CIFRADO].encode("ascii")))
    except InvalidToken:
        # A key that was removed from the rotation: the event cannot be read, so it is dropped
        # rather than failing the whole conversation.
        log.error("evento del tracker ilegible (clave desconocida) tipo=%s", datos.get("event"))
        return {}


def _marca_de_borrado(eventos: list[Event]) -> int | None:
    """Index of the last ``conversacion_borrada`` slot event set to a true value, if any."""
    for i in range(len(eventos) - 1, -1, -1):
        e = eventos[i]
        if isinstance(e, SlotSet) and e.key == SLOT_BORRADO and e.value:
            return i
    return None


# Who else keeps something of a conversation (the Twilio channel's cached answers and options,
# in memory or Redis): told the erased sender ids. Weak, so a discarded channel is forgotten.
_AL_BORRAR: weakref.WeakSet[Any] = weakref.WeakSet()


def al_borrar(dueno: Any) -> None:
    """``dueno.olvidar_conversaciones(sender_ids)`` (async) runs after each erasure."""
    _AL_BORRAR.add(dueno)


async def _avisar_borrado(senders: set[str]) -> None:
    for dueno in list(_AL_BORRAR):
        olvidar: Callable[[set[str]], Awaitable[None]] = dueno.olvidar_conversaciones
        try:
            await olvidar(set(senders))
        except Exception as error:  # noqa: BLE001 - the erasure itself already happened
            log.warning("no se pudo borrar el estado del canal (%s)", type(error).__name__)


def _otras_conversaciones(eventos: list[Event], marca: int) -> set[str]:
    """The hashes of the person's other conversations, set with the erasure marker."""
    for e in reversed(eventos[: marca + 1]):
        if isinstance(e, SlotSet) and e.key == SLOT_OTRAS:
            valores = e.value if isinstance(e.value, list) else []
            return {str(v) for v in valores if _HASH.match(str(v))}
    return set()


class InMemoryTrackerStoreSeguro(InMemoryTrackerStore):
    """Rasa's in-memory store that forgets a conversation's past when its data is erased."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        eventos = list(tracker.events)
        marca = _marca_de_borrado(eventos)
        if not marca:  # None, or already the first stored event
            await super().save(tracker)
            return
        otras = _otras_conversaciones(eventos, marca)
        borradas = {tracker.sender_id}
        for sender in [s for s in self.store if s != tracker.sender_id]:
            if conversacion_id(sender) in otras:
                del self.store[sender]
                borradas.add(sender)
        await self.stream_events(tracker)
        recortado = DialogueStateTracker.from_events(
            tracker.sender_id, list(tracker.events)[marca:], self.domain.slots
        )
        self.store[tracker.sender_id] = self.serialise_tracker(recortado)
        log.info("conversacion borrada del tracker (memoria)")
        await _avisar_borrado(borradas)


class SQLTrackerStoreSeguro(SQLTrackerStore):
    """Rasa's SQL tracker store with encrypted event data and conversation deletion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._fernet = cifrador()  # fail at start-up, not at the first message
        rechazar_marcador("ORIENTA_PG_PASSWORD (tracker)", kwargs.get("password"))
        super().__init__(*args, **kwargs)

    def _filas(self, session: Any, sender_id: str, todas: bool) -> list[dict[str, Any]]:
        consulta = self._event_query(session, sender_id, fetch_events_from_all_sessions=todas)
        # Only the data column: building an ORM object per event was a third of a retrieve.
        filas = consulta.with_entities(self.SQLEvent.data).all()
        eventos = (descifrar_evento(json.loads(f.data), self._fernet) for f in filas)
        return [e for e in eventos if e]

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            eventos = self._filas(session, sender_id, fetch_events_from_all_sessions)
        if self.domain and eventos:
            return DialogueStateTracker.from_dict(sender_id, eventos, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        borradas: set[str] = set()
        with self.session_scope() as session:
            nuevos = list(self._additional_events(session, tracker))
            # Rasa's stream_events would retrieve (decrypt and replay) the whole conversation
            # again only to find these same new events: publish them directly.
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, nuevos, tracker.sender_id)
            marca = _marca_de_borrado(nuevos)
            if marca is not None:
                # Erased: drop every stored event of the conversation and keep only what
                # follows the marker (the marker stays so the next count lines up).
                otras = _otras_conversaciones(nuevos, marca)
                borrar = {tracker.sender_id}
                if otras:
                    senders = session.query(self.SQLEvent.sender_id).distinct()
                    borrar.update(s for (s,) in senders if conversacion_id(s) in otras)
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id.in_(sorted(borrar))
                ).delete(synchronize_session=False)
                nuevos = nuevos[marca:]
                borradas = borrar
                log.info("conversacion borrada del tracker (SQL)")
            self._agregar(session, tracker.sender_id, nuevos)
            session.commit()
        if borradas:
            await _avisar_borrado(borradas)

    def _agregar(self, session: Any, sender_id: str, eventos: Iterable[Event]) -> None:
        for event in eventos:
            datos = event.as_dict()
            intent = (datos.get("parse_data") or {}).get("intent", {}).get("name")
            session.add(
                self.SQLEvent(
                    sender_id=sender_id,
                    type_name=event.type_name,
                    timestamp=datos.get("timestamp"),
                    intent_name=intent,
                    action_name=datos.get("name"),
                    data=json.dumps(cifrar_evento(datos, self._fernet)),
                )
            )
