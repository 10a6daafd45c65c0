"""The linear classifier writes Rasa's own intent and response-selector output."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from channels.clasificador import OTRA_PREGUNTA, ClasificadorLineal, normalizar

EJEMPLOS = {
    ("saludo", None): ["hola", "buenas tardes", "que tal buenos dias", "hola buen dia"],
    ("cotizar", None): ["quiero cotizar", "hazme una cotizacion", "calcula mi cuota"],
    ("faq", "faq/pago_cuanto_cuesta"): [
        "cuanto cuesta el seguro",
        "cual es el precio al mes",
        "cuanto se paga",
        "how much does it cost",
    ],
    ("faq", "faq/cobertura_padres"): [
        "puedo asegurar a mis papas",
        "cubre a mi mama",
        "mis padres pueden entrar",
        "can my parents be covered",
    ],
}


def _datos() -> TrainingData:
    mensajes = []
    for (intent, clave), textos in EJEMPLOS.items():
        for t in textos:
            datos = {"text": t, "intent": intent}
            if clave:
                datos["intent_response_key"] = clave
            mensajes.append(Message(data=datos))
    respuestas = {
        "utter_faq/pago_cuanto_cuesta": [{"text": "Depende de tu ingreso."}],
        "utter_faq/cobertura_padres": [{"text": "Sí, si dependen de ti."}],
    }
    return TrainingData(training_examples=mensajes, responses=respuestas)


@pytest.fixture()
def entrenado(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("clasificador")
    contexto = ExecutionContext(graph_schema=None, model_id="x")  # type: ignore[arg-type]
    c = ClasificadorLineal.create({}, storage, resource, contexto)
    c.train(_datos())
    return ClasificadorLineal.load({}, storage, resource, contexto)


def _leer(c: ClasificadorLineal, texto: str) -> Message:
    return c.process([Message(data={"text": texto})])[0]


def test_a_flow_intent_is_an_intent_with_a_ranking(entrenado):
    m = _leer(entrenado, "hola buenas")
    assert m.get("intent")["name"] == "saludo"
    nombres = [r["name"] for r in m.get("intent_ranking")]
    assert nombres[0] == "saludo" and len(nombres) == len(set(nombres))
    confianzas = [r["confidence"] for r in m.get("intent_ranking")]
    assert confianzas == sorted(confianzas, reverse=True)


def test_a_question_is_the_faq_intent_with_the_entry_in_the_response_selector(entrenado):
    m = _leer(entrenado, "cuanto cuesta al mes")
    assert m.get("intent")["name"] == "faq"
    selector = m.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    respuesta = selector["faq"]["response"]
    assert respuesta["intent_response_key"] == "faq/pago_cuanto_cuesta"
    assert respuesta["utter_action"] == "utter_faq/pago_cuanto_cuesta"
    assert respuesta["responses"] == [{"text": "Depende de tu ingreso."}]
    assert respuesta["confidence"] == m.get("intent")["confidence"]
    assert [r["intent_response_key"] for r in selector["faq"]["ranking"]][:2] == [
        "faq/pago_cuanto_cuesta",
        "faq/cobertura_padres",
    ]


def test_a_greeting_before_the_question_does_not_make_it_a_greeting(entrenado):
    m = _leer(entrenado, "Hola buenas tardes, quisiera saber cuánto cuesta")
    assert m.get("response_selector")["faq"]["response"]["intent_response_key"] == (
        "faq/pago_cuanto_cuesta"
    )
    assert m.get("intent")["name"] == "faq"


def test_the_second_of_two_questions_is_kept_for_the_action(entrenado):
    m = _leer(entrenado, "¿Cuánto cuesta el seguro? ¿Y puedo asegurar a mis papás?")
    assert m.get("response_selector")["faq"]["response"]["intent_response_key"] == (
        "faq/pago_cuanto_cuesta"
    )
    assert m.get(OTRA_PREGUNTA)["intent_response_key"] == "faq/cobertura_padres"
    assert _leer(entrenado, "¿cuánto cuesta?").get(OTRA_PREGUNTA) is None


def test_an_untrained_classifier_leaves_the_message_to_the_fallback(tmp_path):
    storage = LocalModelStorage(tmp_path)
    contexto = ExecutionContext(graph_schema=None, model_id="x")  # type: ignore[arg-type]
    c = ClasificadorLineal.load({}, storage, Resource("nada"), contexto)
    assert _leer(c, "hola").get("intent") is None


def test_an_emergency_gets_its_urgent_entry_whatever_the_model_says(tmp_path):
    datos = _datos()
    datos.training_examples.extend(
        Message(data={"text": t, "intent": "faq", "intent_response_key": "faq/urgente_detencion"})
        for t in ("detuvieron a mi hermano", "mi esposo esta detenido", "lo agarro la policia")
    )
    storage = LocalModelStorage(tmp_path)
    contexto = ExecutionContext(graph_schema=None, model_id="x")  # type: ignore[arg-type]
    c = ClasificadorLineal.create({}, storage, Resource("c"), contexto)
    c.train(TrainingData(training_examples=datos.training_examples, responses=datos.responses))
    m = _leer(c, "hola cuanto cuesta? es que agarraron a mi papá los de la migra")
    assert m.get("response_selector")["faq"]["response"]["intent_response_key"] == (
        "faq/urgente_detencion"
    )
    assert m.get("intent") == {"name": "faq", "confidence": 1.0}


def _con(tmp_path, por_entrada: dict[str, tuple[str, ...]]) -> ClasificadorLineal:
    datos = _datos()
    datos.training_examples.extend(
        Message(data={"text": t, "intent": "faq", "intent_response_key": f"faq/{entrada}"})
        for entrada, textos in por_entrada.items()
        for t in textos
    )
    storage = LocalModelStorage(tmp_path)
    contexto = ExecutionContext(graph_schema=None, model_id="x")  # type: ignore[arg-type]
    c = ClasificadorLineal.create({}, storage, Resource("c"), contexto)
    c.train(TrainingData(training_examples=datos.training_examples, responses=datos.responses))
    return c


def _con_social_security(tmp_path) -> ClasificadorLineal:
    return _con(
        tmp_path,
        {
            "fuera_social_security": (
                "como cobro mi jubilacion del seguro social",
                "pension del seguro social desde el extranjero",
                "jubilacion del social security",
            )
        },
    )


def _entrada(m: Message) -> str:
    return m.get("response_selector")["faq"]["response"]["intent_response_key"]


def test_a_message_that_names_the_imss_never_gets_the_us_social_security_pointer(tmp_path):
    c = _con_social_security(tmp_path)
    assert _entrada(_leer(c, "como cobro mi jubilacion del seguro social")) == (
        "faq/fuera_social_security"
    )
    m = _leer(c, "como cobro mi jubilacion del IMSS desde el extranjero")
    assert _entrada(m) != "faq/fuera_social_security"
    assert all(
        r["intent_response_key"] != "faq/fuera_social_security"
        for r in m.get("response_selector")["faq"]["ranking"]
        if r["confidence"] > 0
    )


def test_a_message_that_names_modalidad_40_gets_one_of_its_entries(tmp_path):
    c = _con(
        tmp_path,
        {
            "elegibilidad_edad": (
                "hay edad minima o maxima",
                "a que edad me puedo inscribir",
                "hay limite de edad",
                "hasta que edad puedo entrar",
            ),
            "otras_m40_requisitos": ("requisitos de la modalidad 40", "quien puede pagar la m40"),
        },
    )
    assert _entrada(_leer(c, "hay edad minima para inscribirse")) == "faq/elegibilidad_edad"
    assert _entrada(_leer(c, "hay edad minima para la modalidad 40")) == (
        "faq/otras_m40_requisitos"
    )


@pytest.mark.parametrize(
    ("mensaje", "leido"),
    [
        ("<script>alert(1)</script>", "alert(1)"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<b>Cuánto</b> cuesta", "cuanto cuesta"),
        ("cuesta menos de 5 dolares <3", "cuesta menos de 5 dolares <3"),
    ],
)
def test_html_tags_are_not_read_but_a_less_than_sign_is(mensaje, leido):
    """Pasted markup says nothing of the question, and "<script>" shares letters with
    "prescription": read, it got the medicines entry in the e2e suite."""
    assert " ".join(normalizar(mensaje).split()) == leido
