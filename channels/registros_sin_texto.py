"""No message text in Rasa's own logs.

Rasa 3.6 logs through structlog with the user's text, the bot's answer, slots and entities as
keyword values: on the REST timeout path (``rest.message.received.timeout``, ``text=``), when
parsing (``processor.message.parse``, ``parse_data_text=``), when filling slots, and more. Rasa's
own ``_anonymizer`` only works with Rasa Pro's anonymization plugin, so here one more processor,
first in structlog's chain, replaces the value of every such key with ``[omitido]``.

``instalar()`` inserts it into the list structlog's bound loggers read (the same list object, so
loggers already cached see it too). ``channels/__init__.py`` calls it in every Rasa process, after
Rasa's CLI has configured structlog.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import structlog

OMITIDO = "[omitido]"

#: The keys Rasa 3.6's ``rasa.utils.log_utils._anonymizer`` lists, plus a few more of its
#: structlog events that carry conversation content.
CLAVES_CON_TEXTO = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "events",
        "slot_value",
        "value",
        "metadata",
        "bot_message",
        "utterance",
    }
)


def sin_texto(_: Any, __: str, evento: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every key that can carry conversation content becomes ``[omitido]``."""
    for clave in CLAVES_CON_TEXTO.intersection(evento):
        evento[clave] = OMITIDO
    return evento


def instalar() -> None:
    """Puts ``sin_texto`` first in structlog's processors; a second call changes nothing."""
    procesadores = structlog.get_config()["processors"]
    if sin_texto in procesadores:
        return
    if isinstance(procesadores, list):
        procesadores.insert(0, sin_texto)  # in place: cached loggers hold this very list
    else:
        structlog.configure(processors=[sin_texto, *procesadores])


def instalado() -> bool:
    return sin_texto in structlog.get_config()["processors"]
