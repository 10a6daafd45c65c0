"""What every answer must respect: SMS length, a named source, tú, no invented figures."""

import pytest
import yaml

from actions.respuestas import enviadas_por_acciones
from bot import revision_contenido as reglas
from tests.conftest import ROOT

SMS_LIMIT = reglas.MAX_SMS
CONVERSACION = {
    "saludo", "despedida", "agradecimiento", "es_bot", "pedir_humano", "ayuda_menu",
    "pedir_mas", "afirmar", "negar",
}  # fmt: skip
#: The knowledge base: one retrieval intent, its entries in data/conocimiento/ (checked by
#: tests/bot/test_conocimiento.py) and its generated responses in data/faq/.
BASE = {"faq"}
RESPUESTAS_FAQ = ROOT / "data" / "faq" / "respuestas.yml"
# Intents that start or steer a flow (docs/flujos.md): registration, quote, status, deletion, desks.
TRAMITES = {
    "inscribirme", "cotizar", "consultar_registro", "borrar_datos", "ventanilla_cercana",
    "cancelar", "corregir", "continuar", "guia_imss",
}  # fmt: skip
FUENTES = reglas.fuentes(ROOT.parent / "shared")


@pytest.fixture(scope="module")
def respuestas(domain) -> dict:
    """Every response: domain.yml's and the knowledge base's generated ones."""
    generadas = yaml.safe_load(RESPUESTAS_FAQ.read_text())["responses"]
    return {**domain["responses"], **generadas}


def textos(respuestas: dict, nombre: str) -> list[str]:
    return [v["text"] for v in respuestas[nombre] if "text" in v]


def test_every_intent_is_the_knowledge_base_a_conversation_intent_or_a_flow(domain):
    assert set(domain["intents"]) == BASE | CONVERSACION | TRAMITES


def test_every_intent_has_a_rule():
    archivos = [yaml.safe_load(p.read_text()) for p in (ROOT / "data" / "rules").glob("*.yml")]
    pasos = [s for r in archivos for rule in r["rules"] for s in rule["steps"]]
    with_rule = {s["intent"] for s in pasos if "intent" in s}
    assert with_rule >= BASE | CONVERSACION | TRAMITES


def test_knowledge_base_answers_end_with_their_source(respuestas):
    faq = [n for n in respuestas if n.startswith("utter_faq/")]
    assert len(faq) >= 150
    for nombre in faq:
        for texto in textos(respuestas, nombre):
            assert texto.strip().splitlines()[-1].startswith("Fuente:"), nombre


def test_every_first_reply_fits_an_sms(respuestas):
    """Only the details (asked for with "más", built by the action server) may be longer."""
    largos = {
        nombre: len(texto)
        for nombre in respuestas
        for texto in textos(respuestas, nombre)
        if len(texto) > SMS_LIMIT
    }
    assert not largos


def test_responses_used_by_actions_exist(respuestas):
    assert enviadas_por_acciones() <= set(respuestas)


def test_the_generated_knowledge_base_is_up_to_date():
    from scripts import generar_conocimiento as gen

    hoy = gen.fecha_generada()
    assert hoy is not None, "falta data/faq: corre `make conocimiento`"
    viejos = [p.name for p, texto in gen.generar(hoy).items() if p.read_text() != texto]
    assert not viejos, "data/faq no está al día con data/conocimiento: corre `make conocimiento`"


def test_answers_use_tu_not_usted(respuestas):
    todas = [t for nombre in respuestas for t in textos(respuestas, nombre)]
    assert not [t for t in todas if reglas.usa_usted(t)]


@pytest.mark.skipif(
    not FUENTES[0].exists(), reason="../shared (facts.md) is not beside the checkout"
)
def test_no_figure_is_invented(respuestas):
    """Every figure above 12 (list numbers and months aside) appears in the sources."""
    fuentes_numeros = reglas.numeros_de_fuentes(FUENTES)
    inventadas = {}
    for nombre in respuestas:
        for texto in textos(respuestas, nombre):
            if cifras := reglas.cifras_inventadas(texto, fuentes_numeros):
                inventadas[nombre] = cifras
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


def test_respuestas_con_botones_no_repiten_las_opciones_en_el_texto(respuestas):
    """The web chat shows the buttons and SMS/WhatsApp number them (bot/mensajes.py): a text
    that also says "1 Sí 2 No" shows the options twice."""
    from bot.mensajes import repite_opciones

    repetidas = [
        nombre
        for nombre, variantes in respuestas.items()
        for v in variantes
        if v.get("buttons")
        and repite_opciones(v.get("text") or "", [b.get("title", "") for b in v["buttons"]])
    ]
    assert repetidas == []
