"""The Rasa hot-path fixes: installed once, only on the Rasa they were written for, in every Rasa
process; custom-action responses are validated exactly as Rasa does, once-compiled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

from channels import parches_rasa

ROOT = Path(__file__).resolve().parents[2]
ACCION = RemoteAction("action_x", None)

parches_rasa.instalar()


def _python(codigo: str) -> dict:
    """Runs `codigo` in a fresh interpreter from the project root; returns the JSON it prints."""
    entorno = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    salida = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(codigo)],
        cwd=ROOT,
        env=entorno,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert salida.returncode == 0, salida.stderr[-3000:]
    return json.loads(salida.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ installation
def test_installing_twice_is_harmless():
    parches_rasa.instalar()
    parches_rasa.instalar()
    assert parches_rasa.instalados()
    assert RemoteAction._validate_action_result is parches_rasa.validar_respuesta
    assert Event.resolve_by_type is parches_rasa.resolver_tipo
    # The originals are still Rasa's own (a second install did not wrap our own functions).
    assert parches_rasa._ORIGINAL is not parches_rasa.validar_respuesta
    assert parches_rasa._RESOLVER_ORIGINAL is not parches_rasa.resolver_tipo
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        ACCION._validate_action_result({"events": "no"})
    assert Event.resolve_by_type("user").__name__ == "UserUttered"


@pytest.mark.parametrize("version", ["3.6.20", "3.7.0", "4.0.0"])
def test_another_rasa_version_fails_loudly(monkeypatch, version):
    monkeypatch.setattr(rasa, "__version__", version)
    aviso = f"written for Rasa 3.6.21.*runs Rasa {version}"
    with pytest.raises(parches_rasa.ParcheIncompatible, match=aviso):
        parches_rasa.instalar()


@pytest.mark.parametrize(
    ("clase", "atributo"),
    [
        (RemoteAction, "_validate_action_result"),
        (RemoteAction, "action_response_format_spec"),
        (Event, "resolve_by_type"),
    ],
)
def test_a_patched_attribute_that_is_gone_fails_loudly(monkeypatch, clase, atributo):
    monkeypatch.delattr(clase, atributo)
    with pytest.raises(parches_rasa.ParcheIncompatible, match=f"needs .*{atributo}"):
        parches_rasa.instalar()


def test_a_rasa_process_gets_the_patches_from_the_components_it_loads():
    """What `rasa run` does, without a model: rasa.core.run loads the tracker store named in
    endpoints.yml (all `rasa shell` loads of ours) and the channels in credentials.yml."""
    estado = _python(
        """
        import json
        import rasa.core.run
        from rasa.core.tracker_store import TrackerStore
        from rasa.core.utils import AvailableEndpoints
        from rasa.shared.core.domain import Domain

        endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
        TrackerStore.create(endpoints.tracker_store, Domain.empty())
        from channels import parches_rasa
        tras_endpoints = parches_rasa.instalados()
        canales = rasa.core.run.create_http_input_channels(None, "credentials.yml")
        print(json.dumps({
            "endpoints": tras_endpoints,
            "canales": [type(c).__module__ for c in canales],
            "al_final": parches_rasa.instalados(),
        }))
        """
    )
    assert estado == {
        "endpoints": True,
        "canales": ["channels.rest", "channels.socketio", "channels.twilio"],
        "al_final": True,
    }


def test_the_command_line_programs_do_not_load_tensorflow():
    """They run in 256 MiB pods: importing the patched Rasa module would load TensorFlow."""
    cargados = _python(
        """
        import json, sys
        import channels.consumidor_metricas, channels.retencion
        import channels.firmar_twilio, channels.medir_sms
        print(json.dumps(sorted(
            m for m in ("tensorflow", "rasa.core.actions.action", "channels.parches_rasa")
            if m in sys.modules
        )))
        """
    )
    assert cargados == []


# ------------------------------------------------------------------ response validation
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
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

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
    from rasa.shared.core.events import UserUttered

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
