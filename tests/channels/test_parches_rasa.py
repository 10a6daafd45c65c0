"""The Rasa hot-path fix validates custom-action responses exactly as Rasa does, once-compiled."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import channels.rest  # noqa: F401  (loading the channel applies the fix, as in Rasa)
from channels import parches_rasa

ACCION = RemoteAction("action_x", None)


def test_loading_our_channels_installs_the_fix():
    assert RemoteAction._validate_action_result is parches_rasa.validar_respuesta


def test_valid_responses_pass():
    respuesta = {"events": [{"event": "slot", "name": "curp", "value": "X"}], "responses": []}
    assert ACCION._validate_action_result(respuesta)


@pytest.mark.parametrize(
    "respuesta", [{"events": "no"}, {"responses": [1]}, {"events": [{"event": 3}]}]
)
def test_invalid_responses_fail_with_rasas_message(respuesta):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        ACCION._validate_action_result(respuesta)


def test_the_schema_is_checked_once(monkeypatch):
    parches_rasa.validador_respuestas.cache_clear()
    llamadas = []
    cls = type(parches_rasa.validador_respuestas())
    original = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", lambda s: llamadas.append(1) or original(s))
    parches_rasa.validador_respuestas.cache_clear()
    for _ in range(5):
        ACCION._validate_action_result({"events": [], "responses": []})
    assert len(llamadas) == 1


# ------------------------------------------------------------------ event types
def test_event_lookup_installed_and_answers_as_rasa():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    assert Event.resolve_by_type is parches_rasa.resolver_tipo
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action", default=SlotSet) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_existe", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_existe'"):
        Event.resolve_by_type("no_existe")
    evento = Event.from_parameters({"event": "slot", "name": "curp", "value": "X"})
    assert evento == SlotSet("curp", "X")


def test_event_lookup_walks_the_subclasses_once_per_name(monkeypatch):
    from rasa.shared.core.events import Event, UserUttered

    monkeypatch.setattr(parches_rasa, "_CLASES_POR_NOMBRE", {})
    recorridos = []
    monkeypatch.setattr(
        parches_rasa,
        "_RESOLVER_ORIGINAL",
        lambda n, d=None: recorridos.append(n) or UserUttered,
    )
    for _ in range(50):
        assert Event.resolve_by_type("user") is UserUttered
    assert recorridos == ["user"]
