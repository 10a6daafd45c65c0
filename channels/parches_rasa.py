"""Two measured fixes to Rasa 3.6's hot path, applied when our channels load (channels/rest.py).

1. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every custom-action
response. With the jsonschema 4.17 that Rasa pins, ``validate`` first checks the *schema itself*
against the draft 2020-12 metaschema, every time: ~100 ms of CPU per custom action on this
machine, two thirds of a Rasa turn (cProfile of `agent.handle_text`, see the closing note of
issue 7). The schema is a constant, so it is checked once and the validator reused; responses are
validated exactly as before (same errors, same message).

2. ``Event.resolve_by_type`` walks every subclass of ``Event`` (recursively, with
   ``inspect.isabstract`` on each) for *every* event deserialised; a tracker store retrieve
   deserialises the whole conversation each turn: ~5% of a replica's CPU under load (py-spy during
   ``make bench-load``). Each name's answer is kept after the first lookup; an unknown name is
   looked up again (a class defined later is still found).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

_ORIGINAL = RemoteAction._validate_action_result
_RESOLVER_ORIGINAL = Event.resolve_by_type
_CLASES_POR_NOMBRE: dict[str, type[Event]] = {}


@lru_cache(maxsize=1)
def validador_respuestas() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of once per action
    return cls(schema)


def validar_respuesta(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(validador_respuestas().iter_errors(result))
    if error is None:
        return True
    _ORIGINAL(self, result)  # raises with Rasa's own message (slow, but only on bad responses)
    raise error  # pragma: no cover - Rasa's validation disagreed; keep ours


def resolver_tipo(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    cls = _CLASES_POR_NOMBRE.get(type_name)
    if cls is not None:
        return cls
    cls = _RESOLVER_ORIGINAL(type_name, default)  # Rasa's answer, errors and "topic" included
    if cls is not None and cls is not default:
        _CLASES_POR_NOMBRE[type_name] = cls
    return cls


def aplicar() -> None:
    """Idempotent."""
    RemoteAction._validate_action_result = validar_respuesta
    Event.resolve_by_type = staticmethod(resolver_tipo)
