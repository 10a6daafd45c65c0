"""Two measured fixes to Rasa 3.6's hot path, installed by ``instalar()`` (called from
``channels/__init__.py``, see there why).

1. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every custom-action
response. With the jsonschema 4.17 that Rasa pins, ``validate`` first checks the *schema itself*
against the draft 2020-12 metaschema, every time: ~100 ms of CPU per custom action on this
machine, two thirds of a Rasa turn (cProfile of `agent.handle_text`, ``scripts/perfil_turno.py``).
The schema is a constant, so it is checked once and the validator reused; responses are
validated exactly as before (same errors, same message).

2. ``Event.resolve_by_type`` walks every subclass of ``Event`` (recursively, with
   ``inspect.isabstract`` on each) for *every* event deserialised; a tracker store retrieve
   deserialises the whole conversation each turn: ~5% of a replica's CPU under load (py-spy during
   ``make bench-load``). Each name's answer is kept after the first lookup; an unknown name is
   looked up again (a class defined later is still found).

Each patch replaces a private piece of Rasa and was written against Rasa ``VERSION_RASA``: on any
other version, or if the patched attribute is gone, ``instalar()`` raises ``ParcheIncompatible``
instead of silently patching code it was not written for. Importing this module imports
``rasa.core.actions.action``, which loads TensorFlow (~9 s, ~500 MB).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

logger = logging.getLogger(__name__)

#: The Rasa release both patches were written and measured against.
VERSION_RASA = "3.6.21"

_ORIGINAL: Any = None
_RESOLVER_ORIGINAL: Any = None
_CLASES_POR_NOMBRE: dict[str, type[Event]] = {}


class ParcheIncompatible(RuntimeError):
    """A patch met a Rasa it was not written for: review it before changing ``VERSION_RASA``."""


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


@dataclass(frozen=True)
class Parche:
    """``objetivo.atributo`` is replaced by ``reemplazo``; ``usa`` lists the other attributes of
    ``objetivo`` the replacement relies on."""

    nombre: str
    objetivo: type
    atributo: str
    reemplazo: Any
    usa: tuple[str, ...] = ()

    def comprobar(self, version: str) -> None:
        """Raises ``ParcheIncompatible`` unless Rasa is ``VERSION_RASA`` and every attribute the
        patch replaces or relies on is still there."""
        if version != VERSION_RASA:
            raise ParcheIncompatible(
                f"channels/parches_rasa.py: the patch '{self.nombre}' was written for Rasa "
                f"{VERSION_RASA}, but this process runs Rasa {version}. Check that "
                f"{self.objetivo.__qualname__}.{self.atributo} is unchanged in that release, "
                "then update VERSION_RASA (or remove the patch if Rasa fixed it)."
            )
        for atributo in (self.atributo, *self.usa):
            if not hasattr(self.objetivo, atributo):
                raise ParcheIncompatible(
                    f"channels/parches_rasa.py: the patch '{self.nombre}' needs "
                    f"{self.objetivo.__qualname__}.{atributo}, which Rasa {version} no longer "
                    "has. Review or remove the patch."
                )

    def instalado(self) -> bool:
        return getattr(self.objetivo, self.atributo) is self.reemplazo


PARCHES = (
    Parche(
        "schema checked once per process",
        RemoteAction,
        "_validate_action_result",
        validar_respuesta,
        usa=("action_response_format_spec",),
    ),
    Parche("event classes kept per name", Event, "resolve_by_type", resolver_tipo),
)


def instalar() -> None:
    """Installs both patches; a second call changes nothing. Raises ``ParcheIncompatible``
    (before changing anything) on a Rasa other than ``VERSION_RASA``."""
    global _ORIGINAL, _RESOLVER_ORIGINAL
    for parche in PARCHES:
        parche.comprobar(rasa.__version__)
    validacion, eventos = PARCHES
    if not validacion.instalado():
        _ORIGINAL = RemoteAction._validate_action_result
        RemoteAction._validate_action_result = validar_respuesta
        logger.info("Rasa %s patched: %s", VERSION_RASA, validacion.nombre)
    if not eventos.instalado():
        _RESOLVER_ORIGINAL = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(resolver_tipo)
        logger.info("Rasa %s patched: %s", VERSION_RASA, eventos.nombre)


def instalados() -> bool:
    """Whether both patches are active in this process."""
    return all(parche.instalado() for parche in PARCHES)
