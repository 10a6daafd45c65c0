"""What part of a message the classifier reads (bot.consulta)."""

import pytest

from bot.consulta import nombra_imss, preguntas, sin_cortesias, urgencia


@pytest.mark.parametrize(
    ("mensaje", "pregunta"),
    [
        ("Buen día, quisiera saber cuánto cuesta el seguro", "cuánto cuesta el seguro"),
        ("Hola buenas tardes, una pregunta: ¿cubre a mi esposa?", "¿cubre a mi esposa?"),
        ("holaaa oye q precio tiene", "q precio tiene"),
        ("Buenos días. Disculpe, ¿puedo afiliarme desde Texas?", "¿puedo afiliarme desde Texas?"),
        ("hello good morning how much does it cost", "how much does it cost"),
        ("Me gustaría saber qué documentos necesito", "qué documentos necesito"),
    ],
)
def test_courtesies_before_a_question_are_not_read(mensaje, pregunta):
    assert sin_cortesias(mensaje) == pregunta


@pytest.mark.parametrize(
    "mensaje",
    ["Hola", "buenas tardes", "Hola, buen día", "hola amigo", "Buenas noches, gracias"],
)
def test_a_greeting_alone_stays_a_greeting(mensaje):
    assert sin_cortesias(mensaje) == mensaje


def test_a_message_that_does_not_open_with_a_courtesy_is_untouched():
    assert sin_cortesias("holanda tiene convenio?") == "holanda tiene convenio?"
    assert sin_cortesias("¿Cuánto cuesta?") == "¿Cuánto cuesta?"


def test_two_questions_are_read_one_by_one():
    assert preguntas("¿Cuánto cuesta al mes? ¿Y puedo meter a mis papás?") == [
        "Cuánto cuesta al mes",
        "Y puedo meter a mis papás",
    ]


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿Cuánto cuesta?",
        "Trabajo en Houston desde 2010 y tengo 45 años. ¿Puedo afiliarme?",
        "cuanto cuesta? gracias",
        "no tiene signos de pregunta",
    ],
)
def test_one_question_is_the_whole_message(mensaje):
    assert preguntas(mensaje) == [mensaje]


@pytest.mark.parametrize(
    ("mensaje", "entrada"),
    [
        ("ya no aguanto, me quiero morir", "urgente_crisis_suicidio"),
        ("he pensado en quitarme la vida", "urgente_crisis_suicidio"),
        ("ayuda detuvieron a mi esposo los de ICE", "urgente_detencion"),
        ("mi hijo esta detenido por migración", "urgente_detencion"),
        ("mi pareja me golpea", "urgente_violencia"),
        ("tengo una emergencia mi papá no puede respirar", "urgente_emergencia_medica"),
        ("mi hermano está desaparecido desde el viernes", "urgente_desaparecido"),
    ],
)
def test_urgent_messages_are_recognised_by_their_words(mensaje, entrada):
    assert urgencia(mensaje) == entrada


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿el IMSS cubre emergencias?",
        "si me enfermo en méxico me atienden de urgencia?",
        "¿qué pasa con mi pensión si muero?",
        "cuanto cuesta el seguro",
        "me detuvieron el pago de la pensión",
    ],
)
def test_questions_about_emergencies_are_not_emergencies(mensaje):
    assert urgencia(mensaje) is None


@pytest.mark.parametrize(
    "mensaje",
    [
        "¿Cómo cobrar mi jubilación del IMSS?",
        "pension del imms",
        "Instituto Mexicano del Seguro Social",
    ],
)
def test_the_imss_is_named_in_any_spelling(mensaje):
    assert nombra_imss(mensaje)


@pytest.mark.parametrize("mensaje", ["¿Cómo cobro el Seguro Social de EE. UU.?", "social security"])
def test_us_social_security_does_not_name_the_imss(mensaje):
    assert not nombra_imss(mensaje)
