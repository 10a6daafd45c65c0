"""What every answer must respect: SMS length, a named source, tú, no invented figures."""

import re

import pytest
import yaml

from actions.respuestas import enviadas_por_acciones
from bot.temas import TEMAS, respuesta_corta, respuesta_detalle
from tests.conftest import ROOT

SMS_LIMIT = 320
CONVERSACION = {
    "saludo", "despedida", "agradecimiento", "es_bot", "pedir_humano", "ayuda_menu",
    "pedir_mas", "afirmar", "negar", "fuera_de_alcance",
}  # fmt: skip
# Intents that start or steer a flow (docs/flujos.md): registration, quote, status, deletion, desks.
TRAMITES = {
    "inscribirme", "cotizar", "consultar_registro", "borrar_datos", "ventanilla_cercana",
    "cancelar", "corregir", "continuar",
}  # fmt: skip
# Topics whose facts are unsettled (⚠ in facts.md): they must send people to confirm with IMSS.
TEMAS_CON_DUDAS = ["estatus_migratorio", "requisitos", "pago", "tiempos_espera", "teleconsulta"]
SHARED = ROOT.parent / "shared"
FUENTES = [SHARED / "knowledge" / "facts.md", *sorted((SHARED / "seeds").glob("*.txt"))]


def textos(domain: dict, nombre: str) -> list[str]:
    return [v["text"] for v in domain["responses"][nombre] if "text" in v]


def test_every_intent_is_a_topic_or_a_conversation_intent(domain):
    assert set(domain["intents"]) == set(TEMAS) | CONVERSACION | TRAMITES


def test_every_intent_has_a_rule():
    reglas = [yaml.safe_load(p.read_text()) for p in (ROOT / "data" / "rules").glob("*.yml")]
    pasos = [s for r in reglas for rule in r["rules"] for s in rule["steps"]]
    with_rule = {s["intent"] for s in pasos if "intent" in s}
    assert set(TEMAS) | CONVERSACION | TRAMITES <= with_rule


@pytest.mark.parametrize("tema", TEMAS)
def test_topic_answers_end_with_their_source(domain, tema):
    for nombre in (respuesta_corta(tema), respuesta_detalle(tema)):
        for texto in textos(domain, nombre):
            assert texto.strip().splitlines()[-1].startswith("Fuente:"), nombre
    for texto in textos(domain, respuesta_corta(tema)):
        assert len(texto) <= SMS_LIMIT, f"{tema}: {len(texto)} caracteres"


def test_every_first_reply_fits_an_sms(domain):
    """Only the `_detalle` answers (asked for with "más") may be longer than an SMS."""
    largos = {
        nombre: len(texto)
        for nombre in domain["responses"]
        if not nombre.endswith("_detalle")
        for texto in textos(domain, nombre)
        if len(texto) > SMS_LIMIT
    }
    assert not largos


@pytest.mark.parametrize("tema", TEMAS_CON_DUDAS)
def test_unsettled_topics_say_to_confirm_with_imss(domain, tema):
    todo = " ".join(textos(domain, respuesta_corta(tema)) + textos(domain, respuesta_detalle(tema)))
    assert "confírmalo con el IMSS" in todo


def test_responses_used_by_actions_exist(domain):
    assert enviadas_por_acciones() <= set(domain["responses"])


def test_answers_use_tu_not_usted(domain):
    todas = [t for nombre in domain["responses"] for t in textos(domain, nombre)]
    assert not [t for t in todas if re.search(r"\busted(es)?\b", t, re.IGNORECASE)]


# "Ej.: 15 mil pesos o (312) 555-1234": an example of how to answer is not a claim.
EJEMPLO = re.compile(r"\b(?:Ej\.|Ejemplo)\s*:.*$", re.MULTILINE)


def _numeros(texto: str) -> set[str]:
    """Figures in a text, digits only ("1,700" -> "1700"; a phone number gives its groups)."""
    crudos = re.findall(r"\d+(?:[.,]\d+)*", EJEMPLO.sub("", texto))
    return {re.sub(r"\D", "", n) for n in crudos}


@pytest.mark.skipif(
    not FUENTES[0].exists(), reason="../shared (facts.md) is not beside the checkout"
)
def test_no_figure_is_invented(domain):
    """Every figure above 12 (list numbers and months aside) appears in the sources."""
    fuentes_numeros = set().union(*(_numeros(p.read_text()) for p in FUENTES))
    inventadas = {}
    for nombre in domain["responses"]:
        for texto in textos(domain, nombre):
            for n in _numeros(texto):
                if int(n) > 12 and n not in fuentes_numeros:
                    inventadas.setdefault(nombre, []).append(n)
    assert not inventadas


def test_no_custom_slot_mapping_names_an_action(domain):
    """Rasa 3.6's action_extract_slots runs the action named in a custom mapping on EVERY user
    message (it once opened a promoter ticket per message); our actions set their slots
    themselves."""
    named = [
        name
        for name, slot in domain["slots"].items()
        for mapping in slot.get("mappings", [])
        if mapping.get("type") == "custom" and mapping.get("action")
    ]
    assert named == []
