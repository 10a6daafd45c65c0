"""validate_ventanilla_form and action_ventanilla_cercana (no Rasa, no network)."""

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import respuestas
from actions.ventanillas import (
    ENVIADAS,
    ActionVentanillaCercana,
    ValidateVentanillaForm,
    lista_de_ciudades,
    resolver_estado,
    resolver_lugar,
)
from bot import lectura
from tests.actions.trackers import en_formulario

FORM = "ventanilla_form"
DOMAIN = {
    "forms": {FORM: {"required_slots": ["lugar"]}},
    "slots": {
        "lugar": {
            "type": "text",
            "mappings": [
                {
                    "type": "from_text",
                    "conditions": [{"active_loop": FORM, "requested_slot": "lugar"}],
                }
            ],
        }
    },
}
FUENTE = "Fuente: La Nación, 27/12/2025 (ventanillasdesaludums.org)."


async def validar(tracker):
    dispatcher = CollectingDispatcher()
    events = await ValidateVentanillaForm().run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def respuestas_de(messages):
    return [m["response"] for m in messages]


async def cerrar(slot_values):
    dispatcher = CollectingDispatcher()
    tracker = en_formulario(FORM, None, "x", slots=slot_values)
    events = await ActionVentanillaCercana().run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


# --- activation: one-message shortcut -------------------------------------------------------


@pytest.mark.parametrize(
    "texto",
    [
        "ventanilla cerca de Dallas",
        "estoy en 60614",
        "¿Dónde hay una ventanilla de salud en Nueva York?",
        "la más cercana a Filadelfia",
        "ventanilla de salud cerca de chicaco por favor",
        "ventanilla en San Antonio Tx",
    ],
)
async def test_activacion_con_lugar_lo_toma_del_mismo_mensaje(texto):
    events, messages = await validar(en_formulario(FORM, None, texto, "ventanilla_cercana"))
    assert slots(events) == {"lugar": texto}
    assert messages == []


@pytest.mark.parametrize(
    "texto",
    [
        "dónde hay una ventanilla de salud",
        "busco la ventanilla de salud más cercana",
        "ventanilla del consulado de México",
        "ventanilla en Ciudad de México",
    ],
)
async def test_activacion_sin_lugar_no_llena_nada_y_el_formulario_pregunta(texto):
    events, messages = await validar(en_formulario(FORM, None, texto, "ventanilla_cercana"))
    assert "lugar" not in slots(events)
    assert messages == []


async def test_activacion_con_solo_un_estado_lista_sus_ventanillas_y_pregunta_la_ciudad():
    tracker = en_formulario(FORM, None, "hay ventanillas en Nuevo México?", "ventanilla_cercana")
    events, messages = await validar(tracker)
    assert slots(events) == {"lugar": None}
    assert respuestas_de(messages) == ["utter_ventanillas_en_estado"]
    assert messages[0]["estado"] == "Nuevo México" and messages[0]["ciudades"] == "Albuquerque"


async def test_extract_no_toca_la_respuesta_a_la_pregunta():
    tracker = en_formulario(FORM, "lugar", "Dallas")
    extraido = await ValidateVentanillaForm().extract_lugar(CollectingDispatcher(), tracker, DOMAIN)
    assert extraido == {}


# --- answer to "¿en qué ciudad estás?" ------------------------------------------------------


@pytest.mark.parametrize(
    "texto",
    ["Nueva York", "Filadelfia", "San Antonio Tx", "chicaco", "60614", "Anchorage", "Houston"],
)
async def test_lugar_reconocido_se_queda(texto):
    events, messages = await validar(en_formulario(FORM, "lugar", texto))
    assert slots(events) == {"lugar": texto}
    assert messages == []


async def test_pregunta_con_lugar_es_respuesta_no_digresion():
    tracker = en_formulario(
        FORM, "lugar", "¿hay alguna en Dallas?", "ventanilla_cercana", confidence=0.9
    )
    events, messages = await validar(tracker)
    assert slots(events) == {"lugar": "¿hay alguna en Dallas?"}
    assert messages == []


@pytest.mark.parametrize(
    ("texto", "estado", "total"), [("Texas", "Texas", 10), ("california", "California", 10)]
)
async def test_estado_solo_lista_y_vuelve_a_preguntar(texto, estado, total):
    events, messages = await validar(en_formulario(FORM, "lugar", texto))
    assert slots(events) == {"lugar": None}
    [mensaje] = messages
    assert mensaje["response"] == "utter_ventanillas_en_estado"
    assert mensaje["estado"] == estado and mensaje["total"] == total
    assert "El Paso" in mensaje["ciudades"] or "Fresno" in mensaje["ciudades"]
    assert " y " in mensaje["ciudades"]


async def test_estado_sin_ventanillas_lo_dice():
    events, messages = await validar(en_formulario(FORM, "lugar", "Alaska"))
    assert slots(events) == {"lugar": None}
    assert respuestas_de(messages) == ["utter_sin_ventanillas_en_estado"]
    assert messages[0]["estado"] == "Alaska"


@pytest.mark.parametrize("texto", ["asdkjhqwe", "Guadalajara", "99999", "mi casa"])
async def test_lugar_desconocido_lo_dice_con_honestidad(texto):
    events, messages = await validar(en_formulario(FORM, "lugar", texto))
    assert slots(events) == {"lugar": None}
    assert respuestas_de(messages) == ["utter_lugar_no_encontrado"]
    assert messages[0]["lugar"] == texto


async def test_lugar_desconocido_largo_se_recorta_en_el_eco():
    texto = "vivo en un ranchito muy lejos de todo y no sé cómo se llama"
    _, messages = await validar(en_formulario(FORM, "lugar", texto))
    assert len(messages[0]["lugar"]) <= 40 and messages[0]["lugar"].endswith("…")


async def test_cancelar_lo_maneja_la_clase_base():
    events, messages = await validar(en_formulario(FORM, "lugar", "cancelar", "cancelar"))
    assert slots(events) == {"lugar": None, "formulario_cancelado": True, "requested_slot": None}
    assert messages == []


async def test_menu_sale_del_formulario_y_muestra_el_menu():
    events, messages = await validar(en_formulario(FORM, "lugar", "Menú", "ayuda_menu"))
    assert slots(events) == {
        "lugar": None,
        "formulario_pausado": True,
        "requested_slot": None,
    }
    assert respuestas_de(messages) == ["utter_formulario_dejado", "utter_menu"]


async def test_pausado_no_busca_ventanilla():
    events, messages = await cerrar({"formulario_pausado": True, "lugar": None})
    assert messages == [] and events == [SlotSet("formulario_pausado", False)]


async def test_pregunta_de_un_tema_se_responde_y_se_vuelve_a_preguntar():
    tracker = en_formulario(
        FORM, "lugar", "¿qué servicios dan?", "faq/otras_vds_servicios", confidence=0.9
    )
    events, messages = await validar(tracker)
    assert respuestas_de(messages) == ["utter_faq/otras_vds_servicios"]
    assert slots(events)["lugar"] is None


# --- action_ventanilla_cercana --------------------------------------------------------------


@pytest.mark.parametrize(
    ("texto", "consulado", "mostrado"),
    [
        ("Nueva York", "New York, NY", "Nueva York, Nueva York"),
        ("Filadelfia", "Philadelphia, PA", "Filadelfia, Pensilvania"),
        ("ventanilla cerca de chicaco", "Chicago, IL", "Chicago, Illinois"),
        ("estoy en 60614", "Chicago, IL", "Chicago, Illinois"),
        ("San Antonio Tx", "San Antonio, TX", "San Antonio, Texas"),
    ],
)
async def test_la_mas_cercana_con_servicios_y_consulado(texto, consulado, mostrado):
    """The slot keeps the consulate's id ("Philadelphia, PA"); the person reads it in Spanish."""
    events, messages = await cerrar({"lugar": texto})
    assert respuestas_de(messages) == ["utter_ventanilla_cercana", "utter_ventanilla_servicios"]
    descripcion = messages[0]["descripcion"]
    assert len(descripcion) <= 320 and descripcion.endswith(FUENTE)
    assert f"Consulado de México en {mostrado}" in descripcion
    assert events == [SlotSet("consulado", consulado), SlotSet("lugar", None)]


async def test_ciudad_lejana_recibe_la_mas_cercana_con_distancia_y_contacto_a_distancia():
    events, messages = await cerrar({"lugar": "Anchorage"})
    assert respuestas_de(messages) == [
        "utter_ventanilla_cercana",
        "utter_ventanilla_servicios",
        "utter_ventanilla_lejos",
    ]
    assert "km /" in messages[0]["descripcion"] and "millas" in messages[0]["descripcion"]
    assert "Anchorage, Alaska" in messages[0]["descripcion"]
    assert slots(events)["consulado"]


async def test_houston_dice_que_no_esta_en_la_lista():
    events, messages = await cerrar({"lugar": "Houston"})
    assert (
        "El consulado de Houston está más cerca, pero no en la lista" in messages[0]["descripcion"]
    )
    assert slots(events)["consulado"] != "Houston, TX"


async def test_cancelado_se_despide_y_limpia():
    events, messages = await cerrar({"formulario_cancelado": True, "lugar": None})
    assert respuestas_de(messages) == [respuestas.FORMULARIO_CANCELADO]
    assert events == [SlotSet("lugar", None), SlotSet("formulario_cancelado", False)]


async def test_sin_lugar_no_truena():
    events, messages = await cerrar({"lugar": None})
    assert respuestas_de(messages) == ["utter_ventanilla_sin_lugar"]
    assert events == [SlotSet("lugar", None)]


# --- auxiliares --------------------------------------------------------------------------


def test_resolver_lugar_y_estado():
    assert resolver_lugar("Filadelfia").nombre == "Philadelphia"
    assert resolver_lugar("ventanilla cerca de Dallas").nombre == "Dallas"
    assert resolver_lugar("") is None and resolver_lugar(None) is None
    assert resolver_estado("Nuevo México") == "NM"
    assert resolver_estado("¿hay en Texas?") == "TX"
    assert resolver_estado("Chicago") is None


def test_lista_de_ciudades():
    assert lista_de_ciudades(["Austin"]) == "Austin"
    assert lista_de_ciudades(["Austin", "Dallas", "El Paso"]) == "Austin, Dallas y El Paso"


def test_respuestas_enviadas_por_la_accion():
    assert "utter_ventanilla_cercana" in ENVIADAS and "utter_lugar_no_encontrado" in ENVIADAS


def test_el_servidor_de_acciones_precarga_los_lugares_al_arrancar():
    """Importing the package (what ``python -m rasa_sdk --actions actions`` does) loads the
    place index in the background: the first person who asks does not wait ~1 s for it."""
    import actions
    from bot import ventanillas

    actions.PRECARGA.join(timeout=30)
    assert not actions.PRECARGA.is_alive()
    assert ventanillas._indice.cache_info().currsize == 1
    assert lectura._paises.cache_info().currsize == 1
