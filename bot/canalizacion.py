"""Live handoff to a promoter: the rules of the conversation while a person has it.

While the person's address has an open or taken ticket (the service's
``POST /v1/canalizaciones/entregas`` says so), the channels (``channels/canalizacion.py``) do not
run the bot's turn: the message goes to the ticket's thread. These are the words that give the
conversation back to the bot, the texts the person reads, the id that makes a redelivered message
count once, and which conversations are tests (their tickets are labelled, not real cases).
"""

from __future__ import annotations

import hashlib
import re

from bot.lectura import minusculas_sin_acentos

__all__ = [
    "ACUSE",
    "AUTOR_PROMOTOR",
    "CON_ASISTENTE",
    "CON_PROMOTORA",
    "NO_SE_PASO",
    "ORIGEN_CONSOLA",
    "ORIGEN_PRUEBA",
    "ORIGEN_REAL",
    "PAYLOAD_MENU",
    "ROL_PROMOTOR",
    "VUELTA",
    "id_externo",
    "origen_de_sender",
    "pide_volver",
]

#: The first message of the person while a promoter has the case (SMS-length, GSM-7 safe
#: apart from the accents, which SMS transliterates).
ACUSE = (
    "Le pasé tu mensaje a la promotora. Te contesta por aquí; "
    "para volver al asistente escribe MENÚ."
)
#: After "menú"/"volver al asistente": the ticket is closed and the bot shows the menu.
VUELTA = "Listo, estás de nuevo con el asistente."
#: The service did not take the message: the person is told, and the bot answers meanwhile
#: (the text stays in the conversation's tracker: nothing is lost).
NO_SE_PASO = (
    "No pude pasarle tu mensaje a la promotora en este momento. "
    "Escríbelo de nuevo en unos minutos; mientras, te contesto yo."
)
#: The bot's menu intent (domain.yml ``ayuda_menu``): what the bot answers after VUELTA.
PAYLOAD_MENU = "/ayuda_menu"

#: Metadata of a promoter's message in the web chat (``bot_uttered``).
AUTOR_PROMOTOR = "promotor"
ROL_PROMOTOR = "promotora del consulado"

#: Who answers the web chat now (``metadata.canalizacion`` of a ``bot_uttered``): the widget
#: waits for no bot answer while a promoter has the conversation.
CON_PROMOTORA = "con_promotora"
CON_ASISTENTE = "con_asistente"

#: ``origen`` of a ticket (the service leaves tests and the console out of its statistics).
ORIGEN_REAL = "real"
ORIGEN_PRUEBA = "prueba"
ORIGEN_CONSOLA = "consola"

# What ends the handoff. Whole messages only: "no quiero salir de aquí" is for the promoter.
_VOLVER = frozenset(
    {
        "menu",
        "el menu",
        "ver el menu",
        "ayuda menu",
        "salir",
        "volver",
        "regresar",
        "asistente",
        "volver al asistente",
        "regresar al asistente",
        "salir con el asistente",
        "hablar con el asistente",
        "quiero volver al asistente",
        "volver al menu",
        "regresar al menu",
    }
)

# Senders of our own tests, benchmarks and load runs (tests/e2e/conversacion.py, scripts/bench*.py,
# scripts/perfil_turno.py); the web chat prefixes "web-" to the browser's session id.
_PREFIJOS_PRUEBA = ("e2e-", "bench-", "carga-", "perfil-", "prueba-", "calentamiento")
_PREFIJO_CONSOLA = "consola-"
_PREFIJO_WEB = "web-"


def pide_volver(texto: str | None) -> bool:
    """True when the whole message asks to leave the promoter and talk to the bot again."""
    crudo = str(texto or "").strip()
    if crudo == PAYLOAD_MENU:
        return True
    clave = " ".join(re.sub(r"[\W_]+", " ", minusculas_sin_acentos(crudo)).split())
    return clave in _VOLVER


def origen_de_sender(sender_id: str | None) -> str:
    """``consola`` for the console's "Preguntar", ``prueba`` for our tests and benchmarks,
    ``real`` otherwise."""
    sender = str(sender_id or "").lower()
    if sender.startswith(_PREFIJO_CONSOLA):
        return ORIGEN_CONSOLA
    sin_web = sender.removeprefix(_PREFIJO_WEB)
    if sin_web.startswith(_PREFIJOS_PRUEBA):
        return ORIGEN_PRUEBA
    return ORIGEN_REAL


def id_externo(sender_id: str, texto: str, id_cliente: str | None, minuto: int) -> str:
    """The message's id in the ticket's thread, so a redelivered message is stored once.

    Twilio's ``MessageSid`` or the client's own message id when there is one. Otherwise a hash
    of conversation + text + minute: a socket.io client that re-emits after a reconnection, or
    a REST caller that retries, within the same minute is stored once (the same words twice in
    one minute reach the promoter once, which loses nothing she needs to read).
    """
    if id_cliente:
        return "c:" + id_cliente[:90]  # the service keeps 100 characters; pieces add ":n"
    digest = hashlib.sha256(f"{sender_id}\n{minuto}\n{texto}".encode()).hexdigest()
    return "h:" + digest[:40]
